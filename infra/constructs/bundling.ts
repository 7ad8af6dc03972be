/**
 * How a Lambda bundle is built, shared by the function construct (CDK's esbuild) and the bundle
 * bench, so what the bench measures is what deploys.
 */

/** Shims `require` for CommonJS dependencies bundled into an ESM output file. */
export const esmRequireBanner =
  "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);";

/**
 * Modules replaced in every bundle. Paths are relative to the project root (esbuild resolves an
 * alias's target in its working directory, which CDK sets to the project root).
 */
export const bundleAliases: Record<string, string> = {
  // The SDK's full credential chain (with the SSO and STS clients) for its first link: Lambda puts
  // the role's credentials in the environment (functions/lib/aws/lambda-credentials.ts).
  '@aws-sdk/credential-provider-node': './functions/lib/aws/lambda-credentials.ts',
  // Event-stream support that no operation we call uses (functions/lib/aws/no-event-streams.ts).
  '@smithy/core/event-streams': './functions/lib/aws/no-event-streams.ts',
  // The DynamoDB client's endpoint-discovery cache on a Map (functions/lib/aws/small-lru-cache.ts).
  'mnemonist/lru-cache': './functions/lib/aws/small-lru-cache.ts',
};

/** The aliases as esbuild command-line arguments (NodejsFunction's `esbuildArgs`). */
export function aliasArgs(aliases: Record<string, string> = bundleAliases): Record<string, string> {
  return Object.fromEntries(Object.entries(aliases).map(([from, to]) => [`--alias:${from}`, to]));
}

/**
 * The same build as esbuild API options, for the tools that bundle outside CDK (the bundle bench,
 * the bundle test): what app-function.ts asks NodejsFunction for, minus output paths.
 */
export const lambdaBuildOptions = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node22',
  minify: true,
  mainFields: ['module', 'main'],
  banner: { js: esmRequireBanner },
  alias: bundleAliases,
} as const;
