/**
 * The HTTP API: one route per entry of functions/api/routes.ts, each to its Lambda, guarded by a
 * Cognito JWT authorizer unless the route is public; plus the user pool whose groups are the
 * roles of the API contract (reporter, unit, supervisor, admin). The API resource itself is the
 * Edge stack's (CloudFront needs its endpoint, these handlers need CloudFront's address); this
 * stack adds the $default stage, the authorizer, the routes and their integrations to it.
 */
import { CfnOutput, Duration, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpUserPoolAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { type ApiFunction, apiFunctions, type RouteSpec, routes } from '../../functions/api/routes';
import { envNames } from '../../functions/lib/env';
import { roles } from '../../shared/domain/model';
import type { RouteThrottleClass, StageConfig } from '../config';
import { AppFunction } from '../constructs/app-function';

export interface ApiStackProps extends StackProps {
  config: StageConfig;
  table: ITable;
  /** The construct, not an interface: StopExecution is scoped by its fixed name. */
  stateMachine: StateMachine;
  /** The Edge stack's API resource: this stack adds its stage, authorizer and routes. */
  httpApi: apigw.IHttpApi;
  /** Notices the actions record (urges) are queued; failures are parked on the DLQ. */
  deadLetterQueue: IQueue;
  /** Origin of the links in messages (the console's address, Edge stack). */
  publicBaseUrl: string;
  /** Signs links (urges) and checks them (the link pages). */
  linkSecret: ISecret;
  /** Name of the Edge stack's evidence bucket (photos uploaded from the link pages). */
  evidenceBucketName: string;
  /** Urges are recorded and queued for the notification sender. */
  notifyQueue: IQueue;
  /** The value CloudFront adds to every API request (Edge stack): every API function checks it. */
  originVerifySecret: ISecret;
}

export class ApiStack extends Stack {
  /** The Edge stack's API, imported here so routes and integrations are this stack's resources. */
  readonly httpApi: apigw.IHttpApi;
  readonly stage: apigw.HttpStage;
  readonly userPool: cognito.UserPool;
  readonly userPoolClient: cognito.UserPoolClient;
  readonly functions: Record<ApiFunction, AppFunction>;

  constructor(scope: Construct, id: string, props: ApiStackProps) {
    super(scope, id, props);
    const { config, table, stateMachine } = props;

    this.userPool = this.createUserPool(config);
    this.userPoolClient = this.userPool.addClient('ConsoleClient', {
      // A browser app cannot keep a secret.
      generateSecret: false,
      // The console signs in with InitiateAuth (SRP, or password over TLS); no hosted UI, so no
      // OAuth flows and no callback URLs to keep in sync with CloudFront.
      authFlows: { userSrp: true, userPassword: true },
      disableOAuth: true,
      preventUserExistenceErrors: true,
      accessTokenValidity: Duration.hours(1),
      idTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.days(30),
      // Scope claims (unitId, communityId, streetId) decide what a user may see and do: only
      // admins (through the Cognito admin API) may change them, never the user themself.
      writeAttributes: new cognito.ClientAttributes().withStandardAttributes({
        fullname: true,
        phoneNumber: true,
        email: true,
      }),
    });
    const issuer = `https://cognito-idp.${this.region}.amazonaws.com/${this.userPool.userPoolId}`;
    // For operators creating users with the Cognito CLI (README, "Deploy step by step").
    new CfnOutput(this, 'UserPoolId', { value: this.userPool.userPoolId });
    new CfnOutput(this, 'UserPoolClientId', { value: this.userPoolClient.userPoolClientId });

    const fn = (name: ApiFunction, environment: Record<string, string> = {}): AppFunction =>
      new AppFunction(this, pascal(name), {
        entry: apiFunctions[name],
        serviceName: 'whistle-dispatch',
        logRetention: config.logRetention,
        removalPolicy: config.removalPolicy,
        environment,
      })
        .withPublicBaseUrl(props.publicBaseUrl)
        .withOriginVerify(props.originVerifySecret);
    this.functions = {
      ticketIntake: fn('ticketIntake')
        .bindTable(table, 'readWrite')
        .bindStateMachine(stateMachine, { start: true }),
      ticketActions: fn('ticketActions')
        .bindTable(table, 'readWrite')
        .bindStateMachine(stateMachine, { start: true, respond: true, stop: true })
        // Urges (催办/督办) are recorded with a signed link and queued; the sender publishes them.
        .bindDeadLetters(props.deadLetterQueue)
        .bindNotifyQueue(props.notifyQueue)
        .withLinkSecret(props.linkSecret),
      queries: fn('queries').bindTable(table, 'read'),
      // Publishing a calendar year moves open tickets' deadlines and re-arms their waits
      // (SendTaskSuccess); a signal it cannot send stays pending for the stream to deliver.
      adminConfig: fn('adminConfig')
        .bindTable(table, 'readWrite')
        .bindStateMachine(stateMachine, { respond: true }),
      // Open311 takes a reporter's ID token as `api_key` on a public route and verifies it itself.
      open311: fn('open311', {
        [envNames.tokenIssuer]: issuer,
        [envNames.tokenAudience]: this.userPoolClient.userPoolClientId,
        // What public reads show and which jurisdiction this is (functions/api/open311.ts).
        OPEN311_PUBLIC_FIELDS: config.open311PublicFields,
        OPEN311_JURISDICTION: config.open311Jurisdiction,
      })
        .bindTable(table, 'readWrite')
        .bindStateMachine(stateMachine, { start: true }),
      // /healthz reads the latest configuration version (the runtime can take tickets only with
      // one); OpenAPI and docs are static.
      service: fn('service').bindTable(table, 'read'),
      // The phone pages behind signed links: public routes where the link is the credential. Their
      // actions (acknowledge, arrive, progress, resolve, return, verdict) answer task tokens.
      links: fn('links')
        .bindTable(table, 'readWrite')
        .bindStateMachine(stateMachine, { respond: true })
        .withLinkSecret(props.linkSecret)
        .bindEvidence(props.evidenceBucketName),
      // The console: a signed-in lead unit's resolution photos, in the same bucket as the links'.
      ticketEvidence: fn('ticketEvidence').bindTable(table, 'read').bindEvidence(props.evidenceBucketName),
      // Lists as Excel/CSV files (functions/lib/xlsx.ts writes the workbooks): read-only.
      exports: fn('exports').bindTable(table, 'read'),
      // Gateway delivery receipts: the URL key derives from the link secret; a failed SMS falls back.
      receipts: fn('receipts')
        .bindTable(table, 'readWrite')
        .withLinkSecret(props.linkSecret)
        .bindNotifyQueue(props.notifyQueue),
      // The clock audit asks Step Functions about the tickets whose next instant passed.
      clockAudit: fn('clockAudit').bindTable(table, 'read').bindStateMachine(stateMachine, { inspect: true }),
    };
    for (const f of [this.functions.links, this.functions.ticketEvidence]) {
      Validations.of(f.fn.role!).acknowledge({
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::whistle-dispatch-${config.stage}-evidence-<AWS::AccountId>-<AWS::Region>/evidence/*]`,
        reason:
          "Photo objects are named at upload time (random names under evidence/); the grant is Put/Get under that prefix of the one evidence bucket, used to presign the phone page's (or the console's) upload and view.",
      });
    }

    this.httpApi = apigw.HttpApi.fromHttpApiAttributes(this, 'HttpApi', {
      httpApiId: props.httpApi.apiId,
      apiEndpoint: props.httpApi.apiEndpoint,
    });

    const accessLogs = new LogGroup(this, 'AccessLogs', {
      retention: config.logRetention,
      removalPolicy: config.removalPolicy,
    });
    this.stage = new apigw.HttpStage(this, 'DefaultStage', {
      httpApi: this.httpApi,
      stageName: '$default',
      autoDeploy: true,
      throttle: config.apiThrottle,
      accessLogSettings: {
        destination: new apigw.LogGroupLogDestination(accessLogs),
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            ip: '$context.identity.sourceIp',
            requestTime: '$context.requestTime',
            routeKey: '$context.routeKey',
            status: '$context.status',
            responseLength: '$context.responseLength',
            latency: '$context.responseLatency',
            integrationLatency: '$context.integrationLatency',
            integrationError: '$context.integrationErrorMessage',
            authorizerError: '$context.authorizer.error',
            sub: '$context.authorizer.claims.sub',
          }),
        ),
      },
    });

    // Every route its own throttle, by class (config.routeThrottles): a flood on one kind of route
    // answers 429 there and leaves the others' capacity alone. Per-client limits are the WAF's.
    const routeSettings = Object.fromEntries(
      routes.map((r) => {
        const t = config.routeThrottles[routeThrottleClass(r)];
        return [
          `${r.method} ${r.path}`,
          { ThrottlingRateLimit: t.rateLimit, ThrottlingBurstLimit: t.burstLimit },
        ];
      }),
    );
    (this.stage.node.defaultChild as apigw.CfnStage).addPropertyOverride('RouteSettings', routeSettings);

    const authorizer = new HttpUserPoolAuthorizer('CognitoAuthorizer', this.userPool, {
      userPoolClients: [this.userPoolClient],
    });
    // One integration (and one Lambda permission) per function, not per route: `queries` alone
    // serves a dozen routes and the function policy has a size limit.
    const integrations = Object.fromEntries(
      Object.entries(this.functions).map(([name, f]) => [
        name,
        new HttpLambdaIntegration(`${pascal(name)}Integration`, f.fn, {
          payloadFormatVersion: apigw.PayloadFormatVersion.VERSION_2_0,
          scopePermissionToRoute: false,
        }),
      ]),
    ) as Record<ApiFunction, HttpLambdaIntegration>;

    const added: apigw.HttpRoute[] = [];
    for (const route of routes) {
      // HttpRoute in this stack's scope (not httpApi.addRoutes, which would place routes and
      // integrations under the API construct, in the Edge stack).
      const httpRoute = new apigw.HttpRoute(this, `Route${routeId(route.method, route.path)}`, {
        httpApi: this.httpApi,
        routeKey: apigw.HttpRouteKey.with(route.path, apigw.HttpMethod[route.method]),
        integration: integrations[route.fn],
        authorizer: route.public ? new apigw.HttpNoneAuthorizer() : authorizer,
      });
      added.push(httpRoute);
      if (route.public) {
        const reason = `${route.method} ${route.path} is public by contract (health, API docs, Open311 which authenticates with api_key in the handler, signed links whose code is the credential).`;
        Validations.of(httpRoute).acknowledge(
          { id: 'AwsSolutions-APIG4', reason },
          { id: 'cdk-validator-cfnguard::api_gw_v2_authorization_type_configured_check', reason },
        );
      }
    }
    // RouteSettings name routes by key: they must exist before the stage is updated.
    this.stage.node.addDependency(...added);
  }

  private createUserPool(config: StageConfig): cognito.UserPool {
    const plus = config.userPoolFeaturePlan === 'plus';
    const pool = new cognito.UserPool(this, 'UserPool', {
      userPoolName: `whistle-dispatch-${config.stage}`,
      // Accounts are issued by street and district admins; nobody registers themself.
      selfSignUpEnabled: false,
      signInAliases: { username: true, email: true },
      autoVerify: { email: true },
      passwordPolicy: {
        minLength: 12,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
      // Required in prod: admins and supervisors (and everyone else) sign in with a TOTP second
      // factor. Cognito sets MFA per pool, not per group; units mostly act through signed links.
      mfa: config.mfa === 'required' ? cognito.Mfa.REQUIRED : cognito.Mfa.OPTIONAL,
      // TOTP only: SMS MFA would need an SNS role and spends the same SMS budget as dispatches.
      mfaSecondFactor: { otp: true, sms: false },
      // Invitations and password resets from the city's own verified address when configured,
      // not Cognito's default sender (50 mails a day, an address residents do not know).
      ...(config.cognitoEmailFrom
        ? {
            email: cognito.UserPoolEmail.withSES({
              fromEmail: config.cognitoEmailFrom,
              fromName: '吹哨报到 Whistle Dispatch',
              ...(config.cognitoSesRegion ? { sesRegion: config.cognitoSesRegion } : {}),
            }),
          }
        : {}),
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      customAttributes: {
        unitId: new cognito.StringAttribute({ minLen: 1, maxLen: 64, mutable: true }),
        communityId: new cognito.StringAttribute({ minLen: 1, maxLen: 64, mutable: true }),
        streetId: new cognito.StringAttribute({ minLen: 1, maxLen: 64, mutable: true }),
      },
      featurePlan: plus ? cognito.FeaturePlan.PLUS : cognito.FeaturePlan.ESSENTIALS,
      ...(plus ? { standardThreatProtectionMode: cognito.StandardThreatProtectionMode.FULL_FUNCTION } : {}),
      deletionProtection: config.deletionProtection,
      removalPolicy: config.removalPolicy,
    });
    for (const role of roles) {
      new cognito.UserPoolGroup(this, `Group${pascal(role)}`, {
        userPool: pool,
        groupName: role,
        description: `API role ${role}`,
      });
    }
    if (config.mfa !== 'required') {
      Validations.of(pool).acknowledge({
        id: 'AwsSolutions-COG2',
        reason: 'Dev: the pool holds test accounts only; prod requires MFA (TOTP) for every account.',
      });
    }
    if (!plus) {
      Validations.of(pool).acknowledge({
        id: 'AwsSolutions-COG8',
        reason:
          'The dev pool holds test accounts only; the Plus tier (threat protection) is enabled for prod.',
      });
    }
    return pool;
  }
}

/**
 * The throttle class of a route: intake first (Open311's POSTs are intake too), then the public
 * families by prefix, then the service routes, then writes and reads of API v1.
 */
export function routeThrottleClass(
  route: Pick<RouteSpec, 'method' | 'path' | 'intake' | 'public'>,
): RouteThrottleClass {
  if (route.intake) return 'intake';
  if (route.path.startsWith('/l/')) return 'links';
  if (route.path.startsWith('/open311/')) return 'open311';
  if (route.public || !route.path.startsWith('/v1/')) return 'service';
  return route.method === 'GET' ? 'reads' : 'actions';
}

function pascal(name: string): string {
  return name.charAt(0).toUpperCase() + name.slice(1);
}

/** `GET /v1/tickets/{id}` → `GetV1TicketsId`: a stable construct id per route key. */
function routeId(method: string, path: string): string {
  return [method.toLowerCase(), ...path.split(/[^A-Za-z0-9]+/)].filter(Boolean).map(pascal).join('');
}
