/**
 * The embedded runtime's API Gateway: matches a request to a route of functions/api/routes.ts,
 * verifies the bearer token (as the JWT authorizer does), builds the HTTP API payload 2.0 event
 * and invokes the very handler Lambda runs. Also serves the dev token endpoint and the console.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { explanationPage, langOf, pageHeaders } from '../../functions/api/link-pages';
import { formatOfPath, open311Errors } from '../../functions/api/open311-format';
import { type RouteSpec, routes } from '../../functions/api/routes';
import { localTokenBody } from '../../functions/api/schemas';
import type { ApiEvent } from '../../functions/lib/http';
import { PROBLEM_CONTENT_TYPE, problemJson } from '../../functions/lib/problem';
import { consoleCsp, htmlSecurityHeaders } from '../../functions/lib/security-headers';
import { toShanghaiIso } from '../../shared/domain/deadlines';
import type { LocalAuth } from './local-auth';
import { LinkRateLimits } from './rate-limits';

export type LambdaHandler = (event: unknown, context: Context) => Promise<unknown>;
/** An API function's handler, as API Gateway (HTTP API, payload 2.0) invokes it. */
export type ApiHandler = (event: ApiEvent, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;

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
  handlers: Record<RouteSpec['fn'], ApiHandler>;
  auth: LocalAuth;
  localTokens: boolean;
  console?: StaticSite;
  /** Admission control on ticket intake, /v1 and Open311 alike (429 beyond it). */
  intakeLimiter?: { take(): boolean };
  /** Rate limits on the signed-link pages, per client and per code (default: defaultLinkLimits). */
  linkLimits?: LinkRateLimits;
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
  const pattern = spec.path
    .replace(/[.]/g, '\\.')
    .replace(/\{(\w+)(\+?)\}/g, (_m, name: string, greedy: string) => {
      params.push(name);
      // `{proxy+}`: API Gateway's greedy parameter, the rest of the path.
      return greedy ? '(.+)' : '([^/]+)';
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

/**
 * The server's own refusals in the facade's format: Open311 clients get the spec's errors
 * (`[{code, description}]` or `<errors>`), phone links a page; everything else problem+json.
 */
function refuse(
  res: ServerResponse,
  path: string,
  query: URLSearchParams,
  status: number,
  title: string,
  detail: string,
  extra: Record<string, string> = {},
) {
  if (path.startsWith('/open311/')) {
    const reply = open311Errors(status, [{ code: status, description: detail }], formatOfPath(path), extra);
    return send(res, status, reply.headers, reply.text);
  }
  if (path.startsWith('/l/')) {
    const lang = langOf(query.get('lang'));
    const page =
      status === 429
        ? {
            title: lang === 'zh' ? '请求过于频繁' : 'Too many requests',
            detail:
              lang === 'zh'
                ? '请稍等一会儿再打开链接。如急需办理，请联系街道指挥中心。'
                : 'Wait a moment before opening the link again, or call the street command centre.',
          }
        : { title, detail };
    return send(res, status, { ...pageHeaders(), ...extra }, explanationPage(lang, { status, ...page }));
  }
  return problem(res, status, title, detail, extra);
}

function problem(
  res: ServerResponse,
  status: number,
  title: string,
  detail: string,
  extra: Record<string, string> = {},
) {
  send(res, status, { 'content-type': PROBLEM_CONTENT_TYPE, ...extra }, problemJson(status, title, detail));
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

/** `localhost`, `127.0.0.0/8` or `[::1]`, with or without a port: the Host of a request from this machine. */
export function isLoopbackHost(host: string | undefined): boolean {
  const name = host?.toLowerCase().match(/^(\[[0-9a-f:.]+\]|[^:]+)(:\d{1,5})?$/)?.[1];
  if (!name) return false;
  return name === 'localhost' || name === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(name);
}

export function startHttpServer(opts: HttpServerOptions): Promise<{ server: Server; url: string }> {
  const compiled = routes.map(compile);
  const log = opts.log ?? (() => {});
  const linkLimits = opts.linkLimits ?? new LinkRateLimits();

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
      return refuse(res, path, url.searchParams, 503, 'Starting', 'the runtime is starting; retry shortly', {
        'retry-after': '1',
      });
    }

    if (path === '/v1/local/tokens') {
      if (!opts.localTokens) return problem(res, 404, 'Not found', 'dev tokens are disabled');
      if (method !== 'POST') return problem(res, 405, 'Method not allowed', 'use POST', { allow: 'POST' });
      // A page on another site may post here through DNS rebinding (its own name resolving to
      // 127.0.0.1): only loopback names are served, and only JSON, which a form cannot send.
      if (!isLoopbackHost(req.headers.host)) {
        return problem(res, 403, 'Forbidden', 'dev tokens are issued to loopback hosts only');
      }
      if (!/^application\/json\s*(;|$)/i.test(req.headers['content-type'] ?? '')) {
        return problem(res, 415, 'Unsupported media type', 'send the body as application/json');
      }
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
          { 'content-type': PROBLEM_CONTENT_TYPE },
          problemJson(400, 'Invalid request', 'invalid token request', { errors }),
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
      if (route.spec.fallback) continue;
      const m = route.regex.exec(path);
      if (!m) continue;
      if (route.spec.method === method) {
        matched = { route, values: m.slice(1) };
        break;
      }
      allowed.push(route.spec.method);
    }
    // As API Gateway does: a greedy fallback answers what no specific route matched.
    for (const route of compiled) {
      if (matched || !route.spec.fallback) continue;
      const m = route.regex.exec(path);
      if (m && (route.spec.method === 'ANY' || route.spec.method === method))
        matched = { route, values: m.slice(1) };
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
        if (file) {
          // The same policy CloudFront adds on AWS (edge-stack.ts), minus Cognito.
          const html = file.type.startsWith('text/html') ? htmlSecurityHeaders(consoleCsp()) : {};
          return send(
            res,
            200,
            { 'content-type': file.type, 'cache-control': 'no-cache', ...file.headers, ...html },
            file.body,
          );
        }
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
    if (spec.intake && opts.intakeLimiter && !opts.intakeLimiter.take()) {
      return refuse(
        res,
        path,
        url.searchParams,
        429,
        'Too many requests',
        'intake rate limit reached; retry shortly',
        {
          'retry-after': '1',
        },
      );
    }
    // Signed links: a budget per client (refused lookups count most) and per code, so codes
    // cannot be guessed at speed and one link cannot be hammered.
    const client = req.socket.remoteAddress ?? 'unknown';
    const segments = path.split('/');
    // `/l/<code>…`, or `/l/evidence/<photo>`: a photo is budgeted like a code of its own.
    const linkCode = path.startsWith('/l/')
      ? segments[2] === 'evidence' && segments[3]
        ? segments[3]
        : (segments[2] ?? '')
      : undefined;
    if (linkCode !== undefined && !linkLimits.admit(client, linkCode)) {
      return refuse(
        res,
        path,
        url.searchParams,
        429,
        'Too many requests',
        'too many link requests; retry shortly',
        {
          'retry-after': '2',
        },
      );
    }
    const raw = await readBody(req);
    if (raw === 'too-large')
      return refuse(
        res,
        path,
        url.searchParams,
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
    // API Gateway's payload 2.0 as it arrives; a public route carries no `authorizer`, which the
    // aws-lambda types declare always present, hence the one assertion.
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
    const result = await fn(event as ApiEvent, lambdaContext(spec.fn));
    if (linkCode !== undefined && (result.statusCode === 404 || result.statusCode === 410)) {
      linkLimits.refused(client);
    }
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
    const body = problemJson(status, title, 'the request could not be parsed');
    socket.end(
      `HTTP/1.1 ${status} ${title}\r\ncontent-type: ${PROBLEM_CONTENT_TYPE}\r\n` +
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
