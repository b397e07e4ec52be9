import { EventEmitter, once } from 'node:events';
import type { IncomingHttpHeaders, Server } from 'node:http';
import { IntegrationClient } from '../../src/integration/client';
import type { Logger } from '../../src/logger';
import { FAKE } from './fakes';
import { closeServer, listenLocally, readBody } from './local-server';
import { EVENT_WAIT_MS } from './slack-api-standin';

/**
 * The one local stand-in for the integration API (and the vendor APIs behind it) on 127.0.0.1:
 * replies per route, queued or fixed or computed from the request, delays, hangs and resets,
 * and every request recorded so a test can assert exact bodies and count writes.
 * A real server rather than nock: undici's aborted, delayed or reset replies only behave truly
 * over a real connection. Tests that only need canned answers may use nock instead.
 *
 *   const api = await new IntegrationApiStandin().start();
 *   api.on('GET', '/integration/businessintegrationgroup/1700…', { json: group });
 *   api.always('PUT', MAPPING, (req) => ({ status: seen(req) ? 500 : 200 }));
 *   await api.waitForCount('PUT', MAPPING, 3);
 */

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  body: string;
  // biome-ignore lint/suspicious/noExplicitAny: request bodies are arbitrary JSON
  json(): any;
}

export interface Reply {
  status?: number;
  json?: unknown;
  /** Raw body (malformed JSON, a CSV file); wins over json. */
  text?: string | Buffer;
  headers?: Record<string, string>;
  /** Answer after this long. */
  delayMs?: number;
  /** Answer once this settles (requests held in flight until a test releases them). */
  until?: Promise<unknown>;
  /** Never answer (a timeout on our side). */
  hang?: true;
  /** Read the request, then close the connection without answering (a reset after the write). */
  hangUp?: true;
}

/** A reply computed from the request (e.g. per business number, or failing the n-th call). */
export type Responder = Reply | ((req: RecordedRequest) => Reply);

interface Route {
  method: string;
  path: string | RegExp;
  queued: Responder[];
  fallback?: Responder;
}

const UNEXPECTED: Reply = { status: 418, json: { message: 'integration api stand-in: unexpected request' } };

export class IntegrationApiStandin {
  readonly requests: RecordedRequest[] = [];
  private routes: Route[] = [];
  private readonly arrivals = new EventEmitter();
  private server?: Server;
  url = '';
  /** TCP connections the stand-in accepted: a client that keeps connections alive opens few, however many calls. */
  connections = 0;

  /** @param unexpected the answer to a request no route expects */
  constructor(private readonly unexpected: Reply = UNEXPECTED) {
    this.arrivals.setMaxListeners(0);
  }

  /** Queues one-shot replies for a route (an exact path, or a pattern), used in order. */
  on(method: string, path: string | RegExp, ...replies: Responder[]): this {
    this.route(method, path).queued.push(...replies);
    return this;
  }

  /** The reply for every request to a route once its queued ones are used up. */
  always(method: string, path: string | RegExp, reply: Responder): this {
    this.route(method, path).fallback = reply;
    return this;
  }

  /** Requests that reached a route (all methods when `method` is '*'). */
  requestsTo(method: string, path: string | RegExp): RecordedRequest[] {
    return this.requests.filter((r) => (method === '*' || r.method === method) && matches(path, r.path));
  }

  count(method: string, path: string | RegExp): number {
    return this.requestsTo(method, path).length;
  }

  /** Every request that is not a GET. */
  writes(): RecordedRequest[] {
    return this.requests.filter((r) => r.method !== 'GET');
  }

  /** Resolves once at least n requests have arrived in all. */
  async waitForRequests(n: number, timeoutMs = EVENT_WAIT_MS): Promise<void> {
    await this.waitUntil(() => this.requests.length >= n, `${n} requests`, timeoutMs);
  }

  /** Resolves once at least n requests reached a route. */
  async waitForCount(method: string, path: string | RegExp, n: number, timeoutMs = EVENT_WAIT_MS): Promise<void> {
    await this.waitUntil(() => this.count(method, path) >= n, `${n} x ${method} ${path}`, timeoutMs);
  }

  /** Replies queued for a route but never used. */
  unused(method: string, path: string | RegExp): number {
    return this.findRoute(method, path)?.queued.length ?? 0;
  }

  /** Forgets the recorded requests (between tests of one file); the routes stay. */
  clearRequests(): void {
    this.requests.length = 0;
  }

  /** Forgets the recorded requests and every route. */
  reset(): void {
    this.clearRequests();
    this.routes = [];
  }

  async start(): Promise<this> {
    const { server, url } = await listenLocally((req, res) => {
      void readBody(req).then((bytes) => {
        const url = new URL(req.url ?? '/', 'http://standin');
        const body = bytes.toString('utf8');
        const recorded: RecordedRequest = {
          method: req.method ?? 'GET',
          path: url.pathname,
          query: Object.fromEntries(url.searchParams),
          headers: req.headers,
          body,
          json: () => JSON.parse(body),
        };
        this.requests.push(recorded);
        this.arrivals.emit('request');
        const responder = this.next(recorded) ?? this.unexpected;
        const reply = typeof responder === 'function' ? responder(recorded) : responder;
        if (reply.hangUp) {
          req.socket.destroy();
          return;
        }
        if (reply.hang) return;
        const answer = () => {
          if (res.destroyed) return;
          const text = reply.text ?? (reply.json === undefined ? '' : JSON.stringify(reply.json));
          res.writeHead(reply.status ?? 200, { 'content-type': 'application/json', ...reply.headers }).end(text);
        };
        const delayed = () => (reply.delayMs ? setTimeout(answer, reply.delayMs) : answer());
        if (reply.until) void reply.until.then(delayed, delayed);
        else delayed();
      });
    });
    server.on('connection', () => this.connections++);
    // Idle connections stay open while a test runs (Node closes them after 5 s), so `connections` counts what the
    // client opened, not what the stand-in's idle timeout closed under it on a slow machine.
    server.keepAliveTimeout = 60_000;
    this.server = server;
    this.url = url;
    return this;
  }

  async stop(): Promise<void> {
    if (this.server) await closeServer(this.server);
  }

  private next(req: RecordedRequest): Responder | undefined {
    const route = this.routes.find(
      (r) => r.method === req.method && matches(r.path, req.path) && (r.queued.length > 0 || r.fallback),
    );
    return route?.queued.shift() ?? route?.fallback;
  }

  private findRoute(method: string, path: string | RegExp): Route | undefined {
    return this.routes.find((r) => r.method === method && String(r.path) === String(path));
  }

  private route(method: string, path: string | RegExp): Route {
    const existing = this.findRoute(method, path);
    if (existing) return existing;
    const created: Route = { method, path, queued: [] };
    this.routes.push(created);
    return created;
  }

  private async waitUntil(done: () => boolean, what: string, timeoutMs: number): Promise<void> {
    const deadline = AbortSignal.timeout(timeoutMs);
    try {
      while (!done()) await once(this.arrivals, 'request', { signal: deadline });
    } catch (error) {
      if (deadline.aborted) throw new Error(`integration api stand-in: timed out waiting for ${what}`);
      throw error;
    }
  }
}

function matches(path: string | RegExp, actual: string): boolean {
  return typeof path === 'string' ? path === actual : path.test(actual);
}

/** The integration API's paths as the support articles print them (spelled here once for the tests). */
export const API_PATHS = {
  groups: (businessNumber: string | number) => `/integration/businessintegrationgroup/${businessNumber}`,
  createGroup: '/integration/add/businessintegrationgroup',
  updateTriggers: '/integration/update/businessintegrationgroup',
  mapping: '/integration/add/businessintegrationmapping',
  triggers: (sourceId: number) => `/integration/trigger/integrationtriggers/sourceid/${sourceId}`,
} as const;

/** A started stand-in and an IntegrationClient on it (2 s deadline, no retries, Carestack routed to the stand-in). */
export async function startClientOnStandin(
  logger: Logger,
): Promise<{ api: IntegrationApiStandin; client: IntegrationClient }> {
  const api = new IntegrationApiStandin();
  await api.start();
  const client = new IntegrationClient({
    baseUrl: api.url,
    timeoutMs: 2000,
    logger,
    retry: { maxRetries: 0 },
    carestack: { vendorKey: FAKE.vendorKey, baseUrlTemplate: `${api.url}/carestack/{domain}` },
  });
  return { api, client };
}

export async function stopClientOnStandin(running: {
  api: IntegrationApiStandin;
  client: IntegrationClient;
}): Promise<void> {
  await running.client.close();
  await running.api.stop();
}
