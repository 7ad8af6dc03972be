/**
 * The one way tests boot the embedded runtime: in-process, on a free port, with dev tokens, quiet,
 * no retry backoff and the in-memory store unless `dataDir` is given. Any option overrides these.
 */
import { type Runtime, type RuntimeOptions, startRuntime } from '../../infra/local/runtime';
import { ApiClient } from './api-client';

export const testRuntimeDefaults: RuntimeOptions = {
  port: 0,
  timeScale: 1,
  localTokens: true,
  quiet: true,
  log: () => {},
  backoffMs: [0, 0],
};

/** Start a runtime with the test defaults (see above) and `opts` on top. */
export function startTestRuntime(opts: Partial<RuntimeOptions> = {}): Promise<Runtime> {
  return startRuntime({ ...testRuntimeDefaults, ...opts });
}

/** A runtime with the test defaults and an API client on its URL. */
export async function bootRuntime(
  opts: Partial<RuntimeOptions> = {},
): Promise<{ rt: Runtime; api: ApiClient }> {
  const rt = await startTestRuntime(opts);
  return { rt, api: new ApiClient(rt.url) };
}
