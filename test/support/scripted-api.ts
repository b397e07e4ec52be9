import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A scripted integration API on 127.0.0.1 for the production tests: replies per route,
 * optional delays (slow API, in-flight requests during shutdown), and every request recorded,
 * so a test can count writes exactly. A real socket rather than nock: undici's aborted or
 * delayed replies only behave truly over a real connection (see test/integration/fake-api.ts).
 */
export interface ScriptedReply {
  status?: number;
  json?: unknown;
  /** Raw body (e.g. malformed JSON); wins over json. */
  text?: string;
  headers?: Record<string, string>;
  /** Answer after this long. */
  delayMs?: number;
  /** Never answer (a timeout on our side). */
  hang?: true;
}

export interface ScriptedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  body: string;
}

export class ScriptedApi {
  readonly requests: ScriptedRequest[] = [];
  private readonly routes = new Map<string, { replies: ScriptedReply[]; fallback?: ScriptedReply }>();
  private readonly server: Server;
  url = '';

  constructor() {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const url = new URL(req.url ?? '/', 'http://scripted');
        const method = req.method ?? 'GET';
        this.requests.push({
          method,
          path: url.pathname,
          query: Object.fromEntries(url.searchParams),
          headers: req.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        });
        const route = this.routes.get(`${method} ${url.pathname}`);
        const reply = route?.replies.shift() ?? route?.fallback;
        if (!reply) {
          res
            .writeHead(418, { 'content-type': 'application/json' })
            .end('{"message":"scripted api: unexpected request"}');
          return;
        }
        if (reply.hang) return;
        const answer = () => {
          if (res.destroyed) return;
          const body = reply.text ?? (reply.json === undefined ? '' : JSON.stringify(reply.json));
          res.writeHead(reply.status ?? 200, { 'content-type': 'application/json', ...reply.headers }).end(body);
        };
        if (reply.delayMs) setTimeout(answer, reply.delayMs);
        else answer();
      });
    });
  }

  /** Queues one-shot replies for a route, used in order. */
  on(method: string, path: string, ...replies: ScriptedReply[]): this {
    const route = this.routes.get(`${method} ${path}`) ?? { replies: [] };
    route.replies.push(...replies);
    this.routes.set(`${method} ${path}`, route);
    return this;
  }

  /** The reply for every request to a route once the queued ones are used up. */
  always(method: string, path: string, reply: ScriptedReply): this {
    const route = this.routes.get(`${method} ${path}`) ?? { replies: [] };
    route.fallback = reply;
    this.routes.set(`${method} ${path}`, route);
    return this;
  }

  count(method: string, path: string): number {
    return this.requests.filter((r) => r.method === method && r.path === path).length;
  }

  /** Waits until at least n requests reached a route. */
  async waitForCount(method: string, path: string, n: number, timeoutMs = 3000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.count(method, path) < n) {
      if (Date.now() > deadline) throw new Error(`Timed out waiting for ${n} x ${method} ${path}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  reset(): void {
    this.requests.length = 0;
    this.routes.clear();
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
