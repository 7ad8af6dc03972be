/**
 * The composition root. On AWS the dependencies are built once per container from the validated
 * environment; the embedded runtime (and tests) provide their own before the first invocation,
 * so the very same handler modules serve both.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SNSClient } from '@aws-sdk/client-sns';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { DynamoStore } from '../../shared/adapters/dynamo-store';
import { SfnWorkflow } from '../../shared/adapters/sfn-workflow';
import { SnsNotifier } from '../../shared/adapters/sns-notifier';
import { WallClock } from '../../shared/adapters/wall-clock';
import type { ConfigStore, TicketStore } from '../../shared/ports';
import { ConfigService } from '../../shared/use-cases/config-service';
import type { TicketDeps } from '../../shared/use-cases/ticket-service';
import { readFunctionEnv } from './env';
import { metricsPort } from './observability';

export interface Deps extends TicketDeps {
  store: TicketStore;
  configStore: ConfigStore;
  /** Only the embedded runtime issues dev tokens and serves local-only routes. */
  local: boolean;
  /** Verify a bearer token outside the authorizer (Open311's api_key): claims, or undefined. */
  verifyToken?: (token: string) => Promise<Record<string, unknown> | undefined>;
}

let deps: Deps | undefined;

/** Cognito ID tokens, verified against the pool's published keys (fetched once, cached by jose). */
function cognitoVerifier(issuer: string, audience: string | undefined) {
  const keys = createRemoteJWKSet(new URL(`${issuer}/.well-known/jwks.json`));
  return async (token: string) => {
    try {
      const { payload } = await jwtVerify(token, keys, { issuer, ...(audience ? { audience } : {}) });
      return payload as Record<string, unknown>;
    } catch {
      return undefined;
    }
  };
}

export function provideDeps(d: Deps): void {
  deps = d;
}

function buildAwsDeps(): Deps {
  const env = readFunctionEnv();
  const store = new DynamoStore(new DynamoDBClient({}), env.TABLE_NAME);
  const clock = new WallClock();
  const unavailable = (what: string) => () => {
    throw new Error(`${what} is not configured for this function`);
  };
  return {
    store,
    configStore: store,
    configs: new ConfigService(store, clock),
    clock,
    workflow: env.STATE_MACHINE_ARN
      ? new SfnWorkflow(new SFNClient({}), env.STATE_MACHINE_ARN)
      : {
          start: unavailable('STATE_MACHINE_ARN'),
          sendTaskSuccess: unavailable('STATE_MACHINE_ARN'),
          stop: unavailable('STATE_MACHINE_ARN'),
        },
    notifier: env.DISPATCH_TOPIC_ARN
      ? new SnsNotifier(new SNSClient({}), env.DISPATCH_TOPIC_ARN)
      : { send: unavailable('DISPATCH_TOPIC_ARN') },
    publicBaseUrl: env.PUBLIC_BASE_URL,
    metrics: metricsPort,
    local: false,
    ...(env.TOKEN_ISSUER ? { verifyToken: cognitoVerifier(env.TOKEN_ISSUER, env.TOKEN_AUDIENCE) } : {}),
  };
}

export function getDeps(): Deps {
  deps ??= buildAwsDeps();
  return deps;
}
