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
import { BotError, type ErrorCode as BotErrorCode, userMessage } from '../errors';
import type { Logger } from '../logger';
import type { Services } from '../services';
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
export function webClientOptions(apiUrl: string | undefined): webApi.WebClientOptions {
  return {
    ...(apiUrl ? { slackApiUrl: apiUrl } : {}),
    retryConfig: { retries: 2, factor: 2, minTimeout: 200, maxTimeout: 2000 },
    rejectRateLimitedCalls: true,
  };
}

export interface Bot {
  app: App;
  /** Starts listening; `port` is the real port (useful with port 0). */
  start(): Promise<{ port: number }>;
  /** Stops accepting requests, waits up to 10 s for in-flight work, then closes connections. */
  stop(): Promise<void>;
}

export function createBot(services: Services, opts: { port?: number } = {}): Bot {
  const { config } = services;
  const log = services.logger.child({ component: 'slack' });
  const boltLogger = boltLoggerOver(log);
  const inFlight = new InFlight();
  const lifecycle = { stopping: false };
  const customRoutes = healthRoutes(services, lifecycle);
  const port = opts.port ?? config.PORT;
  const socketMode = Boolean(config.SLACK_APP_TOKEN);

  const httpReceiver = socketMode
    ? undefined
    : new HTTPReceiver({
        signingSecret: config.SLACK_SIGNING_SECRET,
        endpoints: SLACK_EVENTS_PATH,
        customRoutes,
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
      customRoutes,
      // In Socket Mode the HTTP server only serves /healthz and /readyz.
      installerOptions: { port },
    });

  const app = new App({
    token: config.SLACK_BOT_TOKEN,
    receiver,
    logger: boltLogger,
    clientOptions: webClientOptions(config.SLACK_API_URL),
    extendedErrorHandler: true,
    // The conversation store is unused; our state lives in services.store.
    convoStore: false,
    // auth.test runs in start() (via init), so a bad token fails startup instead of an unhandled rejection.
    deferInitialization: true,
  });
  app.use(trackInFlight(inFlight));
  app.use(errorBoundary(log));
  // Last resort for errors outside listeners (authorization, middleware). Never log the body.
  app.error(async ({ error, body }: ExtendedErrorArgs) => {
    log.error({ err: describeError(error), request: describeRequest(body) }, 'Slack request failed');
  });
  registerListeners(app, services);

  let server: Server | undefined;
  let stopped: Promise<void> | undefined;

  return {
    app,
    async start() {
      await app.init();
      if (!httpReceiver) {
        await app.start();
        log.info({ mode: 'socket', healthPort: port }, 'Slack bot connected in Socket Mode');
        return { port };
      }
      // Our own server around Bolt's request listener (instead of receiver.start()): it lets us refuse bad
      // requests before Bolt reads them and drain connections on stop().
      server = createServer((req, res) => handleHttp(req, res, httpReceiver, log));
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
      log.info({ mode: 'http', port: actual, path: SLACK_EVENTS_PATH }, 'Slack bot listening');
      return { port: actual };
    },
    stop() {
      stopped ??= (async () => {
        lifecycle.stopping = true;
        // Keep listening while in-flight work finishes: /readyz answers 503 shutting_down, so a load balancer
        // stops routing here, and a request already on its way is still served (and waited for). Then close.
        const drained = inFlight
          .idle()
          .then(() => (server ? closeGracefully(server) : app.stop().then(() => undefined)));
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

/** Front door for the HTTP receiver: cheap checks before Bolt reads the body, and routing errors as 404. */
function handleHttp(req: IncomingMessage, res: ServerResponse, receiver: HTTPReceiver, log: Logger): void {
  const slackRequest = req.method === 'POST' && pathOf(req) === SLACK_EVENTS_PATH;
  const rejection = slackRequest ? preflight(req) : undefined;
  if (rejection) {
    refuse(req, res, rejection, log);
    return;
  }
  if (!slackRequest) {
    dispatch(req, res, receiver, log);
    return;
  }
  // We read the body (capped) and hand Bolt the buffered request (it uses req.rawBody when present), so a body
  // Bolt cannot survive is refused here: a signed `null` body makes Bolt's request handler throw in a detached
  // promise (`body.ssl_check` of null), an unhandled rejection that leaves the connection hanging.
  readBodyCapped(req, MAX_BODY_BYTES).then(
    (raw) => {
      if (raw === 'too_large') refuse(req, res, { status: 413, reason: 'body_too_large' }, log);
      else if (isNullBody(raw, String(req.headers['content-type'] ?? '')))
        refuse(req, res, { status: 400, reason: 'null_body' }, log);
      else {
        (req as IncomingMessage & { rawBody?: Buffer }).rawBody = raw;
        dispatch(req, res, receiver, log);
      }
    },
    () => {
      // The client went away mid-body: nobody is left to answer.
      if (!res.headersSent) res.destroy();
    },
  );
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
    const payload = new URLSearchParams(text).getAll('payload');
    // Bolt's querystring.parse yields an array for a repeated field, and then parses nothing.
    return payload.length === 1 && payload[0]!.trim() === 'null';
  }
  return text.trim() === 'null';
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
function healthRoutes(services: Services, lifecycle: { stopping: boolean }): CustomRoute[] {
  return [
    { path: '/healthz', method: 'GET', handler: (_req, res) => sendJson(res, 200, { ok: true }) },
    {
      path: '/readyz',
      method: 'GET',
      handler: (_req, res) => {
        readiness(services, lifecycle).then(
          (result) => sendJson(res, result.ok ? 200 : 503, result),
          () => sendJson(res, 503, { ok: false, reason: 'readiness_check_failed' }),
        );
      },
    },
  ];
}

async function readiness(
  services: Services,
  lifecycle: { stopping: boolean },
): Promise<{ ok: true } | { ok: false; reason: string }> {
  if (lifecycle.stopping) return { ok: false, reason: 'shutting_down' };
  if (!services.catalog || services.catalog.crms.length === 0) return { ok: false, reason: 'catalog_not_loaded' };
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
    try {
      await args.next();
    } catch (error) {
      // Refusals caused by what the user asked for are warnings; failures of the bot or its neighbours are errors.
      if (error instanceof BotError && USER_CAUSED.has(error.code)) {
        log.warn({ err: describeError(error), request }, 'Slack listener refused');
      } else {
        log.error({ err: describeError(error), request }, 'Slack listener failed');
      }
      const text = slackApiMessage(error) ?? userMessage(error);
      // A slash command not yet acked can carry the message in the ack itself.
      if (request.kind === 'slash_command' && (await tryAck(ack, { response_type: 'ephemeral', text }, log))) return;
      await tryAck(ack, undefined, log);
      await respond?.({ response_type: 'ephemeral', replace_original: false, text }).catch((err: unknown) => {
        log.warn({ err: describeError(err), request }, 'Could not tell the user about the failure');
      });
      return;
    }
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

/** Safe-to-log facts about a Slack request: kind and ids, never field values typed by users. */
export function describeRequest(body: unknown): Record<string, string | undefined> {
  const b = (body ?? {}) as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  const view = (b.view ?? {}) as Record<string, unknown>;
  const actions = Array.isArray(b.actions) ? (b.actions as Array<Record<string, unknown>>) : [];
  const event = (b.event ?? {}) as Record<string, unknown>;
  return {
    kind: str(b.command) ? 'slash_command' : (str(b.type) ?? 'unknown'),
    command: str(b.command),
    callbackId: str(b.callback_id) ?? str(view.callback_id),
    actionId: str(actions[0]?.action_id) ?? str(b.action_id),
    event: str(event.type),
    user: str(b.user_id) ?? str((b.user as Record<string, unknown> | undefined)?.id),
  };
}

/** Error fields worth logging; avoids serializers walking into requests, responses or payloads. */
export function describeError(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { message: String(error) };
  const coded = error as Error & { code?: unknown; data?: { error?: unknown } };
  // Slack Web API errors carry Slack's error code in data.error; log that, never the rest of data.
  const slackError = typeof coded.data?.error === 'string' ? coded.data.error : undefined;
  return { name: error.name, message: error.message, code: coded.code, slackError, stack: error.stack };
}

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
