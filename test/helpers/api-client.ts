/** A tiny HTTP client for end-to-end tests against a running runtime. */
export interface ApiResponse<T = unknown> {
  status: number;
  body: T;
  headers: Headers;
}

export class ApiClient {
  private readonly tokens = new Map<string, string>();

  constructor(readonly baseUrl: string) {}

  /** A dev token for these claims, minted once per client (the runtime's key outlives the request). */
  async cachedToken(claims: Record<string, string>): Promise<string> {
    const key = JSON.stringify(claims);
    let t = this.tokens.get(key);
    if (!t) {
      t = await this.token(claims);
      this.tokens.set(key, t);
    }
    return t;
  }

  async token(claims: Record<string, string>): Promise<string> {
    const res = await this.call<{ token: string }>('POST', '/v1/local/tokens', undefined, claims);
    if (res.status !== 201) throw new Error(`token request failed: ${res.status}`);
    return res.body.token;
  }

  async call<T = Record<string, unknown>>(
    method: string,
    path: string,
    token?: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<ApiResponse<T>> {
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: {
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...headers,
      },
      ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // keep the text
    }
    return { status: res.status, body: parsed as T, headers: res.headers };
  }

  /** Poll until `check` passes (real time), failing with the last value seen. */
  async until<T>(fetcher: () => Promise<T>, check: (v: T) => boolean, timeoutMs = 10_000): Promise<T> {
    const end = Date.now() + timeoutMs;
    let last = await fetcher();
    while (!check(last)) {
      if (Date.now() > end)
        throw new Error(`condition not met in ${timeoutMs} ms; last: ${JSON.stringify(last).slice(0, 800)}`);
      await new Promise((r) => setTimeout(r, 50));
      last = await fetcher();
    }
    return last;
  }
}
