/**
 * Every price the cost model uses, in one place: USD, on-demand, us-east-1 (the region AWS quotes
 * first), arm64 Lambda. Sources, as published when this file was written; check them before
 * quoting a figure to a city:
 * - Step Functions Standard: aws.amazon.com/step-functions/pricing ($0.025 per 1,000 state transitions)
 * - Lambda: aws.amazon.com/lambda/pricing (arm: $0.0000133334 per GB-second, $0.20 per million requests)
 * - DynamoDB on-demand: aws.amazon.com/dynamodb/pricing/on-demand ($0.625 per million write
 *   request units, $0.125 per million read request units, $0.25 per GB-month stored)
 * - API Gateway HTTP API: aws.amazon.com/api-gateway/pricing ($1.00 per million requests, first 300 M)
 * - SNS: aws.amazon.com/sns/pricing ($2.00 per 100,000 e-mail deliveries, $0.50 per million publishes)
 * - CloudWatch Logs: aws.amazon.com/cloudwatch/pricing ($0.50 per GB ingested, $0.03 per GB-month stored)
 * - SMS: priced per destination country and carrier (aws.amazon.com/sns/sms-pricing; mainland
 *   gateways by contract), so it is given as a volume and multiplied by the contract's price apart.
 */
export const prices = {
  stepFunctionsPerTransition: 0.025 / 1000,
  lambdaPerGbSecondArm: 0.0000133334,
  lambdaPerRequest: 0.2 / 1_000_000,
  dynamoPerWriteUnit: 0.625 / 1_000_000,
  dynamoPerReadUnit: 0.125 / 1_000_000,
  dynamoPerGbMonth: 0.25,
  httpApiPerRequest: 1.0 / 1_000_000,
  snsEmailPerMessage: 2.0 / 100_000,
  snsPerPublish: 0.5 / 1_000_000,
  cloudWatchLogsPerGb: 0.5,
} as const;
