/**
 * The embedded runtime's API Gateway: matches a request to a route of functions/api/routes.ts,
 * verifies the bearer token (as the JWT authorizer does), builds the HTTP API payload 2.0 event
 * and invokes the very handler Lambda runs. Also serves the dev token endpoint and the console.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { type RouteSpec, routes } from '../../functions/api/routes';
import { localTokenBody } from '../../functions/api/schemas';
import { toShanghaiIso } from '../../shared/domain/deadlines';
import type { LocalAuth } from './local-auth';

export type LambdaHandler = (event: unknown, context: Context) => Promise<unknown>;

export interface StaticSite {
  /**
   * Returns the file for a path, or undefined (then index.html answers, for client routing);
   * compressed when the Accept-Encoding allows, with its caching and encoding headers.
   */
  get(
    path: string,
    acceptEncoding?: string,
  ): { body: Buffer; type: string; headers?: Record<string, string> } | undefined;
}

export interface HttpServerOptions {
  port: number;
  host?: string;
  handlers: Record<RouteSpec['fn'], LambdaHandler>;
  auth: LocalAuth;
  localTokens: boolean;
  console?: StaticSite;
  /** Admission control on ticket intake (429 beyond it). */
  intakeLimiter?: { take(): boolean };
  /** Requests are refused with 503 until the runtime is ready. */
  ready: () => boolean;
  log?: (line: string) => void;
}

const MAX_REQUEST_BYTES = 1024 * 1024;

interface CompiledRoute {
  spec: RouteSpec;
  regex: RegExp;
  params: string[];
}

function compile(spec: RouteSpec): CompiledRoute {
  const params: string[] = [];
  const pattern = spec.path.replace(/[.]/g, '\\.').replace(/\{(\w+)\}/g, (_m, name: string) => {
    params.push(name);
    return '([^/]+)';
  });
  return { spec, regex: new RegExp(`^${pattern}$`), params };
}

function lambdaContext(fn: string): Context {
  const started = Date.now();
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: `whistle-${fn}`,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:whistle-${fn}`,
    memoryLimitInMB: '512',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/whistle-${fn}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, 30_000 - (Date.now() - started)),
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}

export { lambdaContext };

function send(res: ServerResponse, status: number, headers: Record<string, string>, body?: string | Buffer) {
  res.writeHead(status, { 'x-content-type-options': 'nosniff', ...headers });
  res.end(body);
}

function problem(
  res: ServerResponse,
  status: number,
  title: string,
  detail: string,
  extra: Record<string, string> = {},
) {
  send(
    res,
    status,
    { 'content-type': 'application/problem+json', ...extra },
    JSON.stringify({ type: 'about:blank', title, status, detail }),
  );
}

/** Beyond this the connection is cut instead of read to the end. */
const MAX_DRAIN_BYTES = 16 * 1024 * 1024;

async function readBody(req: IncomingMessage): Promise<Buffer | 'too-large'> {
  const chunks: Buffer[] = [];
  let size = 0;
  // Iterate by hand: leaving a for-await early destroys the socket before the 413 is written.
  const it = req[Symbol.asyncIterator]();
  for (let next = await it.next(); !next.done; next = await it.next()) {
    size += (next.value as Buffer).length;
    if (size > MAX_DRAIN_BYTES) {
      req.destroy();
      return 'too-large';
    }
    if (size <= MAX_REQUEST_BYTES) chunks.push(next.value as Buffer);
  }
  return size > MAX_REQUEST_BYTES ? 'too-large' : Buffer.concat(chunks);
}

export function startHttpServer(opts: HttpServerOptions): Promise<{ server: Server; url: string }> {
  const compiled = routes.map(compile);
  const log = opts.log ?? (() => {});

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://local');
    } catch {
      return problem(res, 400, 'Invalid request', 'the request target is not a valid URL');
    }
    const method = (req.method ?? 'GET').toUpperCase();
    const path = url.pathname;

    // /healthz included: it answers 200 only once the runtime can take tickets.
    if (!opts.ready()) {
      return problem(res, 503, 'Starting', 'the runtime is starting; retry shortly', { 'retry-after': '1' });
    }

    if (path === '/v1/local/tokens') {
      if (!opts.localTokens) return problem(res, 404, 'Not found', 'dev tokens are disabled');
      if (method !== 'POST') return problem(res, 405, 'Method not allowed', 'use POST', { allow: 'POST' });
      const raw = await readBody(req);
      if (raw === 'too-large') return problem(res, 413, 'Payload too large', 'body too large');
      let body: unknown;
      try {
        body = raw.length ? JSON.parse(raw.toString('utf8')) : {};
      } catch {
        return problem(res, 400, 'Invalid request', 'the body is not valid JSON');
      }
      const parsed = localTokenBody.safeParse(body);
      if (!parsed.success) {
        const errors = parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
        return send(
          res,
          400,
          { 'content-type': 'application/problem+json' },
          JSON.stringify({
            type: 'about:blank',
            title: 'Invalid request',
            status: 400,
            detail: 'invalid token request',
            errors,
          }),
        );
      }
      const { sub, ...claims } = parsed.data;
      if (claims.role === 'unit' && !claims.unitId)
        return problem(res, 400, 'Invalid request', 'role unit needs unitId');
      if (claims.role === 'reporter' && !claims.communityId)
        return problem(res, 400, 'Invalid request', 'role reporter needs communityId');
      const token = await opts.auth.sign(claims, sub ?? `${claims.role}-dev`);
      return send(res, 201, { 'content-type': 'application/json' }, JSON.stringify({ token }));
    }

    let matched: { route: CompiledRoute; values: string[] } | undefined;
    const allowed: string[] = [];
    for (const route of compiled) {
      const m = route.regex.exec(path);
      if (!m) continue;
      if (route.spec.method === method) {
        matched = { route, values: m.slice(1) };
        break;
      }
      allowed.push(route.spec.method);
    }
    if (!matched) {
      if (allowed.length) {
        return problem(res, 405, 'Method not allowed', `use ${allowed.join(', ')}`, {
          allow: allowed.join(', '),
        });
      }
      if (method === 'GET' && opts.console && !path.startsWith('/v1/') && !path.startsWith('/open311/')) {
        const encoding = req.headers['accept-encoding'];
        const file = opts.console.get(path, encoding) ?? opts.console.get('/index.html', encoding);
        if (file)
          return send(
            res,
            200,
            { 'content-type': file.type, 'cache-control': 'no-cache', ...file.headers },
            file.body,
          );
      }
      return problem(res, 404, 'Not found', `no route for ${method} ${path}`);
    }

    const { spec } = matched.route;
    // Repeated headers are joined with commas, as API Gateway does: a second Authorization header
    // spoils the credential instead of being silently dropped (Node keeps only the first).
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headersDistinct)) {
      if (v !== undefined) headers[k.toLowerCase()] = v.join(',');
    }
    let claims: Record<string, unknown> | undefined;
    if (!spec.public) {
      claims = await opts.auth.verify(headers.authorization);
      if (!claims) {
        return problem(res, 401, 'Unauthorized', 'a valid bearer token is required', {
          'www-authenticate': 'Bearer realm="whistle-dispatch"',
        });
      }
    }
    if (spec.fn === 'ticketIntake' && opts.intakeLimiter && !opts.intakeLimiter.take()) {
      return problem(res, 429, 'Too many requests', 'intake rate limit reached; retry shortly', {
        'retry-after': '1',
      });
    }
    const raw = await readBody(req);
    if (raw === 'too-large')
      return problem(
        res,
        413,
        'Payload too large',
        `request bodies are limited to ${MAX_REQUEST_BYTES} bytes`,
      );

    const query: Record<string, string> = {};
    for (const [k, v] of url.searchParams) query[k] = query[k] === undefined ? v : `${query[k]},${v}`;
    let params: Record<string, string>;
    try {
      params = Object.fromEntries(
        matched.route.params.map((p, i) => [p, decodeURIComponent(matched.values[i] ?? '')]),
      );
    } catch {
      return problem(res, 400, 'Invalid request', 'the path is not valid percent-encoded UTF-8');
    }
    const now = new Date();
    const routeKey = `${spec.method} ${spec.path}`;
    const event = {
      version: '2.0',
      routeKey,
      rawPath: path,
      rawQueryString: url.search.slice(1),
      headers,
      ...(Object.keys(query).length ? { queryStringParameters: query } : {}),
      ...(matched.route.params.length ? { pathParameters: params } : {}),
      ...(raw.length ? { body: raw.toString('utf8') } : {}),
      isBase64Encoded: false,
      requestContext: {
        accountId: '000000000000',
        apiId: 'local',
        domainName: req.headers.host ?? 'localhost',
        domainPrefix: 'local',
        http: {
          method,
          path,
          protocol: `HTTP/${req.httpVersion}`,
          sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
          userAgent: req.headers['user-agent'] ?? '',
        },
        requestId: randomUUID(),
        routeKey,
        stage: '$default',
        time: toShanghaiIso(now),
        timeEpoch: now.getTime(),
        ...(claims ? { authorizer: { jwt: { claims, scopes: null } } } : {}),
      },
    };
    const fn = opts.handlers[spec.fn];
    const result = (await fn(event, lambdaContext(spec.fn))) as APIGatewayProxyStructuredResultV2;
    const outHeaders: Record<string, string> = {};
    for (const [k, v] of Object.entries(result.headers ?? {})) outHeaders[k] = String(v);
    // As API Gateway does: a base64-flagged body (an image) goes out as its bytes.
    const body =
      result.body !== undefined && result.isBase64Encoded ? Buffer.from(result.body, 'base64') : result.body;
    send(res, result.statusCode ?? 200, outHeaders, body ?? undefined);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: Error) => {
      log(`http: ${err.name}: ${err.message}`);
      if (!res.headersSent) problem(res, 500, 'Internal error', 'something went wrong on our side');
      else res.end();
    });
  });
  // Requests Node's parser refuses (oversized or malformed headers, broken framing) get a
  // problem+json answer like every other refusal, instead of a bare status line.
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    if (err.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const [status, title] =
      err.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'Request header fields too large']
        : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? [408, 'Request timeout']
          : [400, 'Bad request'];
    const body = JSON.stringify({
      type: 'about:blank',
      title,
      status,
      detail: 'the request could not be parsed',
    });
    socket.end(
      `HTTP/1.1 ${status} ${title}\r\ncontent-type: application/problem+json\r\n` +
        `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
    );
  });
  server.keepAliveTimeout = 5_000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host ?? '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({ server, url: `http://${opts.host ?? '127.0.0.1'}:${port}` });
    });
  });
}
