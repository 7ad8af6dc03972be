/**
 * Function environment, read once at module scope and validated: a missing variable fails the
 * cold start loudly instead of a request later. The CDK function construct sets exactly these.
 */
import * as z from 'zod';

export const envNames = {
  tableName: 'TABLE_NAME',
  stateMachineArn: 'STATE_MACHINE_ARN',
  topicArn: 'DISPATCH_TOPIC_ARN',
  publicBaseUrl: 'PUBLIC_BASE_URL',
  linkSecretName: 'LINK_SECRET',
  tokenIssuer: 'TOKEN_ISSUER',
  tokenAudience: 'TOKEN_AUDIENCE',
} as const;

const envSchema = z.object({
  TABLE_NAME: z.string().min(3),
  STATE_MACHINE_ARN: z.string().min(1).optional(),
  DISPATCH_TOPIC_ARN: z.string().min(1).optional(),
  PUBLIC_BASE_URL: z.url().default('http://127.0.0.1:3000'),
  LINK_SECRET: z.string().min(16).optional(),
  /** Cognito user pool issuer and app client: functions that verify tokens themselves (Open311). */
  TOKEN_ISSUER: z.url().optional(),
  TOKEN_AUDIENCE: z.string().min(1).optional(),
});
export type FunctionEnv = z.infer<typeof envSchema>;

export function readFunctionEnv(source: NodeJS.ProcessEnv = process.env): FunctionEnv {
  const parsed = envSchema.safeParse(source);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`invalid function environment: ${fields}`);
  }
  return parsed.data;
}
