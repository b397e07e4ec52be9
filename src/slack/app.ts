import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type AnyMiddlewareArgs,
  App,
  type CustomRoute,
  ErrorCode,
  HTTPReceiver,
  LogLevel,
  type Middleware,
  type RespondFn,
  type Logger as SlackLogger,
  SocketModeReceiver,
  type webApi,
} from '@slack/bolt';
import { BotError, type ErrorCode as BotErrorCode, errorLogFields, userMessage } from '../errors';
import type { Logger } from '../logger';
import type { Metrics } from '../metrics';
import type { Services } from '../services';
import { type ConnectionOptions, SlackConnection } from './connection';
import { ListenerTable } from './listener-table';
import {
  describeRequest,
  logWhenAcked,
  newRequestId,
  observedFetch,
  type RequestContext,
  requestContext,
} from './observe';
import { registerListeners } from './register';

/** Where Slack sends commands, interactivity, options and events (manifest.yml uses the same path). */
export const SLACK_EVENTS_PATH = '/slack/events';
/** Largest request body we read; Slack payloads are far smaller, so anything bigger is not Slack. */
export const MAX_BODY_BYTES = 1024 * 1024;
/** Slack's replay window: requests signed more than 5 minutes away from our clock are refused, either way. */
export const MAX_CLOCK_SKEW_SECONDS = 5 * 60;
/** How long stop() waits for in-flight requests and listener work before cutting connections. */
export const SHUTDOWN_GRACE_MS = 10_000;
const READINESS_PING_TIMEOUT_MS = 2_000;

/** Bolt does not export ExtendedErrorHandlerArgs; the last `app.error` overload takes that handler. */
type ExtendedErrorArgs = Parameters<Parameters<App['error']>[0]>[0];

/**
 * Web API client settings. The SDK default retries 10 times over about 30 minutes and waits out
 * every 429; a chat-ops bot must fail fast and tell the user instead.
 */
export function webClientOptions(
  apiUrl: string | undefined,
  extra: { timeoutMs?: number; fetch?: typeof fetch } = {},
): webApi.WebClientOptions {
  return {
    ...(apiUrl ? { slackApiUrl: apiUrl } : {}),
    retryConfig: { retries: 2, factor: 2, minTimeout: 200, maxTimeout: 2000 },
    rejectRateLimitedCalls: true,
    // Every attempt has a deadline: a Slack that accepts the connection and never answers cannot hang a call.
    ...(extra.timeoutMs ? { timeout: extra.timeoutMs } : {}),
    ...(extra.fetch ? { fetch: extra.fetch } : {}),
  };
}

/** Slack's public Web API base URL (the WebClient default), for log lines when SLACK_API_URL is unset. */
export const DEFAULT_SLACK_API_URL = 'https://slack.com/api/';

export interface Bot {
  app: App;
  /**
   * Starts listening (/healthz answers from here on), then connects to Slack in the background: auth.test and,
   * in Socket Mode, the socket, retried with backoff. `port` is the real port (useful with port 0).
   */
  start(): Promise<{ port: number }>;
  /** Resolves once Slack accepted the token (and, in Socket Mode, the socket connected once). */
  readonly ready: Promise<void>;
  /** Rejects when Slack rejected the token (invalid_auth, ...): retrying cannot help, main.ts exits 1. */
  readonly fatal: Promise<never>;
  /** Stops accepting requests, waits up to 10 s for in-flight work, then closes connections. */
  stop(): Promise<void>;
}

export interface BotOptions {
  port?: number;
  /** Start-up retry backoff against Slack (tests shorten it); see SlackConnection. */
  connection?: Pick<ConnectionOptions, 'retryDelayMs' | 'maxRetryDelayMs' | 'clock'>;
}

export function createBot(services: Services, opts: BotOptions = {}): Bot {
  const { config } = services;
  const log = services.logger.child({ component: 'slack' });
  const boltLogger = boltLoggerOver(log);
  const inFlight = new InFlight();
  const lifecycle = { stopping: false };
  const port = opts.port ?? config.PORT;
  const socketMode = Boolean(config.SLACK_APP_TOKEN);
  const connection = new SlackConnection(log, {
    apiUrl: config.SLACK_API_URL ?? DEFAULT_SLACK_API_URL,
    socketMode,
    ...opts.connection,
  });
  const clientOptions = webClientOptions(config.SLACK_API_URL, {
    timeoutMs: config.SLACK_API_TIMEOUT_MS,
    fetch: observedFetch(log, services.metrics),
  });
  const routes = healthRoutes(services, lifecycle, connection);

  const httpReceiver = socketMode
    ? undefined
    : new HTTPReceiver({
        signingSecret: config.SLACK_SIGNING_SECRET,
        endpoints: SLACK_EVENTS_PATH,
        logger: boltLogger,
        // Ack goes out as soon as a listener calls ack(); slow work continues after it.
        processBeforeResponse: false,
        bodyLimit: MAX_BODY_BYTES,
        // Reached only when Bolt itself fails on a request (errorBoundary catches listener errors): a signed
        // payload whose shape Bolt cannot read (e.g. `user: false`). Bolt's default answers 500, which makes
        // Slack retry a request that can never work; answer 400 and log the error (never the body).
        processEventErrorHandler: async ({ error, response }) => {
          if (response.headersSent) {
            log.error({ err: describeError(error) }, 'Slack request failed after it was acknowledged');
            return false;
          }
          const unauthorized = (error as { code?: string }).code === ErrorCode.AuthorizationError;
          // Not describeError: Bolt's TypeError messages quote payload values ("... in <value>").
          if (!unauthorized) log.error({ err: withoutMessage(error) }, 'Bolt could not process a Slack request');
          response.writeHead(unauthorized ? 401 : 400);
          response.end();
          return unauthorized;
        },
        unhandledRequestHandler: ({ response }) => {
          log.warn('A Slack request was not acknowledged within 3 seconds (unknown payload type?)');
          if (!response.headersSent) {
            response.writeHead(404);
            response.end();
          }
        },
      });
  const receiver =
    httpReceiver ??
    new SocketModeReceiver({
      appToken: config.SLACK_APP_TOKEN!,
      logger: boltLogger,
      // apps.connections.open gets the same timeout and observation as every other Web API call. No customRoutes:
      // our own server (below) serves /healthz, /readyz and /metrics, and listens before Slack is reached.
      installerOptions: { clientOptions },
    });
  if (receiver instanceof SocketModeReceiver) watchSocket(receiver, connection);

  const app = new App({
    token: config.SLACK_BOT_TOKEN,
    receiver,
    logger: boltLogger,
    clientOptions,
    extendedErrorHandler: true,
    // The conversation store is unused; our state lives in services.store.
    convoStore: false,
    // auth.test runs in init(), which SlackConnection calls after the server listens and retries on failure.
    deferInitialization: true,
  });
  app.use(trackInFlight(inFlight));
  app.use(errorBoundary(log));
  // Last resort for errors outside listeners (authorization, middleware). Never log the body.
  app.error(async ({ error, body }: ExtendedErrorArgs) => {
    log.error({ err: describeError(error), request: describeRequest(body) }, 'Slack request failed');
  });
  // Flows register by id in a table behind one Bolt listener per kind (see ListenerTable for why).
  registerListeners(new ListenerTable(app), services);

  let server: Server | undefined;
  let stopped: Promise<void> | undefined;

  return {
    app,
    ready: connection.ready,
    fatal: connection.fatal,
    async start() {
      // Our own server around Bolt's request listener (instead of receiver.start()): it listens before Slack is
      // reached (so /healthz answers even when Slack does not), refuses bad requests before Bolt reads them and
      // drains connections on stop(). In Socket Mode it serves only /healthz, /readyz and /metrics.
      const front: Front = { receiver: httpReceiver, routes, connection, log, metrics: services.metrics };
      server = createServer((req, res) => handleHttp(req, res, front));
      // Malformed HTTP (bad framing, oversized headers): answer 4xx like Node's default, then close.
      server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
        if (err.code === 'ECONNRESET' || !socket.writable) {
          socket.destroy();
          return;
        }
        const status = err.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : '400 Bad Request';
        socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      });
      await new Promise<void>((resolve, reject) => {
        server!.once('error', reject);
        server!.listen(port, () => resolve());
      });
      const actual = (server.address() as AddressInfo).port;
      log.info(
        socketMode ? { mode: 'socket', healthPort: actual } : { mode: 'http', port: actual, path: SLACK_EVENTS_PATH },
        'Slack bot listening',
      );
      // Never throws: failures are logged and retried; a rejected token settles `fatal`.
      void connection.connect(app);
      return { port: actual };
    },
    stop() {
      stopped ??= (async () => {
        lifecycle.stopping = true;
        connection.stop();
        // Keep listening while in-flight work finishes: /readyz answers 503 shutting_down, so a load balancer
        // stops routing here, and a request already on its way is still served (and waited for). Then close.
        const drained = inFlight
          .idle()
          .then(() =>
            Promise.all([
              server ? closeGracefully(server) : undefined,
              socketMode && connection.isAuthenticated ? app.stop() : undefined,
            ]),
          );
        const finished = drained.then(
          () => 'finished' as const,
          () => 'finished' as const,
        );
        const outcome = await Promise.race([finished, delay(SHUTDOWN_GRACE_MS, 'timeout' as const)]);
        if (outcome === 'timeout') log.warn({ pending: inFlight.count }, 'Shutdown grace period over; closing anyway');
        if (server?.listening) server.close();
        server?.closeAllConnections();
      })();
      return stopped;
    },
  };
}

/**
 * The whole shutdown: stop the bot (drain in-flight work, up to SHUTDOWN_GRACE_MS), then close the store and
 * the integration API client. Close failures are logged, never thrown: the process is exiting anyway.
 */
export async function stopAndClose(bot: Bot, services: Pick<Services, 'store' | 'api' | 'logger'>): Promise<void> {
  await bot.stop();
  const closed = await Promise.allSettled([services.store.close(), services.api.close()]);
  for (const result of closed) {
    if (result.status === 'rejected')
      services.logger.warn({ err: describeError(result.reason) }, 'Close failed during shutdown');
  }
}

/** What the front door needs: Bolt's receiver (undefined in Socket Mode), our routes, Slack's state, logs. */
interface Front {
  receiver: HTTPReceiver | undefined;
  routes: CustomRoute[];
  connection: SlackConnection;
  log: Logger;
  metrics: Metrics;
}

/** Front door: our GET routes, cheap checks before Bolt reads a Slack request's body, routing errors as 404. */
function handleHttp(req: IncomingMessage, res: ServerResponse, front: Front): void {
  const { receiver, log } = front;
  const path = pathOf(req);
  const route = front.routes.find((r) => r.path === path && req.method === r.method);
  if (route) {
    void route.handler(req as never, res);
    return;
  }
  const slackRequest = req.method === 'POST' && path === SLACK_EVENTS_PATH;
  if (!receiver || !slackRequest) {
    if (receiver) dispatch(req, res, receiver, log);
    else {
      res.writeHead(404);
      res.end();
      req.resume();
    }
    return;
  }
  const context: RequestContext = {
    id: newRequestId(req.headers['x-slack-request-timestamp']),
    answered: () => res.headersSent,
  };
  let raw: Buffer | undefined;
  logWhenAcked(req, res, context, () => context.request ?? describeRawRequest(raw, req), log, front.metrics);
  // Until Slack accepted the token, Bolt cannot authorize a request: 503 (Slack retries), like /readyz says.
  const rejection =
    preflight(req) ?? (front.connection.isAuthenticated ? undefined : { status: 503, reason: 'slack_not_ready' });
  if (rejection) {
    refuse(req, res, rejection, log);
    return;
  }
  // We read the body (capped) and hand Bolt the buffered request (it uses req.rawBody when present), so a body
  // Bolt cannot survive is refused here: a signed `null` body makes Bolt's request handler throw in a detached
  // promise (`body.ssl_check` of null), an unhandled rejection that leaves the connection hanging.
  readBodyCapped(req, MAX_BODY_BYTES).then(
    (body) => {
      if (body === 'too_large') refuse(req, res, { status: 413, reason: 'body_too_large' }, log);
      else if (isNullBody(body, String(req.headers['content-type'] ?? '')))
        refuse(req, res, { status: 400, reason: 'null_body' }, log);
      else {
        raw = body;
        (req as IncomingMessage & { rawBody?: Buffer }).rawBody = body;
        // Listeners' log lines (the error boundary) carry this request's id.
        requestContext.run(context, () => dispatch(req, res, receiver, log));
      }
    },
    () => {
      // The client went away mid-body: nobody is left to answer.
      if (!res.headersSent) res.destroy();
    },
  );
}

/** describeRequest over the raw body (form-encoded command, form `payload=` JSON, or JSON event); never throws. */
function describeRawRequest(raw: Buffer | undefined, req: IncomingMessage): Record<string, string | undefined> {
  if (!raw) return { kind: 'unknown' };
  try {
    const text = raw.toString('utf8');
    if (String(req.headers['content-type'] ?? '').includes('application/json'))
      return describeRequest(JSON.parse(text));
    const form = new URLSearchParams(text);
    const payload = form.get('payload');
    return describeRequest(payload ? JSON.parse(payload) : Object.fromEntries(form));
  } catch {
    return { kind: 'unknown' };
  }
}

function refuse(
  req: IncomingMessage,
  res: ServerResponse,
  rejection: { status: number; reason: string },
  log: Logger,
): void {
  log.warn({ status: rejection.status, reason: rejection.reason }, 'Rejected a request to the Slack endpoint');
  // Close the connection rather than read an unwanted body; resume() discards what is already buffered.
  res.writeHead(rejection.status, { connection: 'close' });
  res.end();
  req.resume();
}

function dispatch(req: IncomingMessage, res: ServerResponse, receiver: HTTPReceiver, log: Logger): void {
  try {
    receiver.requestListener(req, res);
  } catch (error) {
    const unknownRoute = (error as { code?: string }).code === ErrorCode.HTTPReceiverDeferredRequestError;
    if (!unknownRoute) log.error({ err: describeError(error) }, 'HTTP request handling failed');
    if (!res.headersSent) {
      res.writeHead(unknownRoute ? 404 : 500);
      res.end();
    }
  }
}

/** The whole body, or 'too_large' as soon as it passes maxBytes (a chunked body declares no length). */
function readBodyCapped(req: IncomingMessage, maxBytes: number): Promise<Buffer | 'too_large'> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    req.on('data', (chunk: Buffer) => {
      if (settled) return;
      size += chunk.length;
      if (size > maxBytes) {
        settled = true;
        resolve('too_large');
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!settled) resolve(Buffer.concat(chunks));
      settled = true;
    });
    req.on('error', (error) => {
      if (!settled) reject(error);
      settled = true;
    });
    req.on('close', () => {
      if (!settled) reject(new Error('request closed before its body ended'));
      settled = true;
    });
  });
}

/** True when Bolt would parse this body to JSON null (it parses exactly this way: form `payload=` or JSON). */
function isNullBody(raw: Buffer, contentType: string): boolean {
  const text = raw.toString('utf8');
  if (contentType === 'application/x-www-form-urlencoded') {
    // Field by field, decoding keys only: a real payload (kilobytes of JSON) is never decoded here.
    const payloads: string[] = [];
    for (const field of text.split('&')) {
      const eq = field.indexOf('=');
      if (formDecode(eq < 0 ? field : field.slice(0, eq)) === 'payload')
        payloads.push(eq < 0 ? '' : field.slice(eq + 1));
    }
    // Bolt's querystring.parse yields an array for a repeated field, and then parses nothing.
    if (payloads.length !== 1) return false;
    const payload = payloads[0]!;
    // Text that decodes to "null" is spelt with n, u, l, + (a space) and %XX escapes only.
    return !/[^nul+%0-9a-f]/i.test(payload) && formDecode(payload).trim() === 'null';
  }
  return text.trim() === 'null';
}

/** One form-encoded key or value, decoded the way URLSearchParams decodes it. */
function formDecode(encoded: string): string {
  return /[%+]/.test(encoded) ? (new URLSearchParams(`v=${encoded}`).get('v') ?? encoded) : encoded;
}

/**
 * Bolt verifies the signature, refuses timestamps older than 5 minutes and caps the body, but accepts
 * timestamps from the future; we refuse those too, and refuse a declared oversized body without reading it.
 */
function preflight(req: IncomingMessage): { status: number; reason: string } | undefined {
  const declaredLength = Number(req.headers['content-length']);
  if (Number.isFinite(declaredLength) && declaredLength > MAX_BODY_BYTES)
    return { status: 413, reason: 'body_too_large' };
  const timestamp = Number(req.headers['x-slack-request-timestamp']);
  if (Number.isFinite(timestamp) && timestamp > Date.now() / 1000 + MAX_CLOCK_SKEW_SECONDS) {
    return { status: 401, reason: 'timestamp_in_future' };
  }
  return undefined;
}

function pathOf(req: IncomingMessage): string {
  return new URL(req.url ?? '/', 'http://localhost').pathname;
}

/** GET /healthz: the process is up. GET /readyz: it can do useful work (catalog loaded, store answering). */
function healthRoutes(
  services: Services,
  lifecycle: { stopping: boolean },
  connection: SlackConnection,
): CustomRoute[] {
  return [
    { path: '/healthz', method: 'GET', handler: (_req, res) => sendJson(res, 200, { ok: true }) },
    {
      path: '/readyz',
      method: 'GET',
      handler: (_req, res) => {
        readiness(services, lifecycle, connection).then(
          (result) => sendJson(res, result.ok ? 200 : 503, result),
          () => sendJson(res, 503, { ok: false, reason: 'readiness_check_failed' }),
        );
      },
    },
    {
      path: '/metrics',
      method: 'GET',
      handler: (_req, res) => {
        services.metrics.text().then(
          (text) => {
            res.writeHead(200, { 'content-type': services.metrics.contentType });
            res.end(text);
          },
          () => sendJson(res, 500, { ok: false, reason: 'metrics_failed' }),
        );
      },
    },
  ];
}

async function readiness(
  services: Services,
  lifecycle: { stopping: boolean },
  connection: SlackConnection,
): Promise<{ ok: true } | { ok: false; reason: string; detail?: string }> {
  if (lifecycle.stopping) return { ok: false, reason: 'shutting_down' };
  if (!services.catalog || services.catalog.crms.length === 0) return { ok: false, reason: 'catalog_not_loaded' };
  const slack = connection.problem();
  if (slack) return { ok: false, ...slack };
  const ping = services.store.ping().catch(() => false);
  const storeOk = await Promise.race([ping, delay(READINESS_PING_TIMEOUT_MS, false)]);
  return storeOk ? { ok: true } : { ok: false, reason: 'store_unavailable' };
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/**
 * Global middleware around every listener:
 *  - an error a listener throws is logged (never the payload) and answered with userMessage(), ephemerally;
 *  - a request no listener acknowledged is acked, so Slack shows no "didn't respond" error.
 */
const USER_CAUSED = new Set<BotErrorCode>(['validation_failed', 'busy', 'forbidden', 'unknown_crm', 'api_not_found']);

function errorBoundary(log: Logger): Middleware<AnyMiddlewareArgs> {
  return async (args) => {
    const { ack, respond } = args as { ack?: (response?: unknown) => Promise<void>; respond?: RespondFn };
    const request = describeRequest(args.body);
    const context = requestContext.getStore();
    if (context) context.request = request;
    try {
      await args.next();
    } catch (error) {
      const requestId = context?.id;
      // Refusals caused by what the user asked for are warnings; failures of the bot or its neighbours are errors.
      if (error instanceof BotError && USER_CAUSED.has(error.code)) {
        if (context) context.failure = 'refused';
        log.warn({ err: describeError(error), request, requestId }, 'Slack listener refused');
      } else {
        if (context) context.failure = 'error';
        log.error({ err: describeError(error), request, requestId }, 'Slack listener failed');
      }
      const text = slackApiMessage(error) ?? userMessage(error);
      // Not acked yet: a slash command can carry the message in the ack itself; anything else is acked empty.
      // Already acked (the usual case: listeners ack first), acking again would only make Bolt throw.
      if (!context?.answered?.()) {
        if (request.kind === 'slash_command' && (await tryAck(ack, { response_type: 'ephemeral', text }, log))) return;
        await tryAck(ack, undefined, log);
      }
      await respond?.({ response_type: 'ephemeral', replace_original: false, text }).catch((err: unknown) => {
        log.warn({ err: describeError(err), request }, 'Could not tell the user about the failure');
      });
      return;
    }
    // Acking again would make Bolt build and throw a ReceiverMultipleAckError on every request.
    if (context?.answered?.()) return;
    if (await tryAck(ack, undefined, log)) log.warn({ request }, 'No listener acknowledged the request; acked it');
  };
}

/**
 * Words for a failed Slack Web API call from a listener (it throws Slack's own error, not a BotError).
 * The Web client fails fast (rejectRateLimitedCalls, 2 short retries), so the user can be told at once.
 */
export function slackApiMessage(error: unknown): string | undefined {
  const coded = error as { code?: unknown; data?: { error?: unknown } };
  if (coded?.code === 'slack_webapi_rate_limited_error') {
    return 'Slack is rate-limiting the bot right now, so nothing was opened or sent. Wait a few seconds and run the command again.';
  }
  if (coded?.code !== 'slack_webapi_platform_error') return undefined;
  const slackError = typeof coded.data?.error === 'string' ? coded.data.error : 'unknown';
  if (
    slackError === 'expired_trigger_id' ||
    slackError === 'invalid_trigger_id' ||
    slackError === 'trigger_exchanged'
  ) {
    return 'Slack only lets the bot open a form within 3 seconds of your command, and that window passed. Run the command again.';
  }
  if (slackError === 'ratelimited') {
    return 'Slack is rate-limiting the bot right now, so nothing was opened or sent. Wait a few seconds and run the command again.';
  }
  // Slack's error codes (channel_not_found, not_in_channel, ...) are safe to show and tell an admin what to fix.
  return `Slack refused a request from the bot (\`${slackError.replace(/[^a-z0-9_]/gi, '')}\`). Try again; if it keeps happening, tell the bot owners.`;
}

/** Acks unless something already did. True when this call sent the ack. */
async function tryAck(ack: ((response?: unknown) => Promise<void>) | undefined, response: unknown, log: Logger) {
  if (!ack) return false;
  try {
    await ack(response);
    return true;
  } catch (error) {
    if ((error as { code?: string }).code !== ErrorCode.ReceiverMultipleAckError) {
      log.warn({ err: describeError(error) }, 'Ack failed');
    }
    return false;
  }
}

function trackInFlight(inFlight: InFlight): Middleware<AnyMiddlewareArgs> {
  return (args) => inFlight.track(() => args.next());
}

/** Socket Mode client states into SlackConnection: /readyz follows them and each change is logged once. */
function watchSocket(receiver: SocketModeReceiver, connection: SlackConnection): void {
  for (const state of ['connecting', 'connected', 'reconnecting', 'disconnecting', 'disconnected'] as const) {
    receiver.client.on(state, (reason?: unknown) => connection.socketStateChanged(state, reason));
  }
}

/** Counts listener executions, including work after ack, so shutdown can wait for them. */
class InFlight {
  count = 0;
  private waiters: Array<() => void> = [];

  async track<T>(work: () => Promise<T>): Promise<T> {
    this.count++;
    try {
      return await work();
    } finally {
      this.count--;
      if (this.count === 0) for (const wake of this.waiters.splice(0)) wake();
    }
  }

  idle(): Promise<void> {
    return this.count === 0 ? Promise.resolve() : new Promise((resolve) => this.waiters.push(resolve));
  }
}

/** Stops accepting connections, lets in-flight responses finish, and closes idle keep-alive sockets. */
function closeGracefully(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
  });
}

export { describeRequest } from './observe';

/** Error fields worth logging (Slack's error code included); the one definition is in src/errors.ts. */
export const describeError = errorLogFields;

/** Name, code and where it was thrown, for errors whose message may quote request values. */
function withoutMessage(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { type: typeof error };
  const frames = (error.stack ?? '').split('\n').filter((line) => line.trimStart().startsWith('at '));
  return { name: error.name, code: (error as { code?: unknown }).code, at: frames.slice(0, 5).join('\n') };
}

/** Bolt and the Web API client log through this: warnings and errors only, into our pino logger. */
export function boltLoggerOver(log: Logger): SlackLogger {
  const line = (msgs: unknown[]) =>
    msgs.map((m) => (typeof m === 'string' ? m : m instanceof Error ? m.message : String(m))).join(' ');
  const bolt = log.child({ source: 'bolt' });
  return {
    debug: () => {},
    info: () => {},
    warn: (...msgs) => bolt.warn(line(msgs)),
    error: (...msgs) => bolt.error(line(msgs)),
    setLevel: () => {},
    getLevel: () => LogLevel.WARN,
    setName: () => {},
  };
}

function delay<T>(ms: number, value: T): Promise<T> {
  return new Promise((resolve) => setTimeout(resolve, ms, value).unref());
}
