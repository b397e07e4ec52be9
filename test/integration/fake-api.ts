import { EventEmitter, once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { createLogger, type Logger } from '../../src/logger';

/**
 * A scripted stand-in for the integration API (and Carestack) on 127.0.0.1.
 * A real server rather than nock: nock 15 is ESM-only and cannot be loaded by
 * this jest setup without --experimental-vm-modules, and its delayed or failed
 * replies do not behave like a real socket for undici (an aborted delayed reply
 * trips an undici assertion, replyWithError hangs). Timeouts, resets and
 * refused connections are the cases these tests most need to be real.
 */

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  body: string;
}

export type Reply =
  | { status?: number; json?: unknown; text?: string; headers?: Record<string, string> }
  /** Reads the request, then closes the connection without answering (a reset after the write). */
  | { hangUp: true }
  /** Never answers. */
  | { hang: true };

export class FakeApi {
  readonly requests: RecordedRequest[] = [];
  private readonly replies = new Map<string, Reply[]>();
  private readonly server: Server;
  private readonly arrivals = new EventEmitter();
  url = '';

  constructor() {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const url = new URL(req.url ?? '/', 'http://fake');
        const method = req.method ?? 'GET';
        this.requests.push({
          method,
          path: url.pathname,
          query: Object.fromEntries(url.searchParams),
          headers: req.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        });
        this.arrivals.emit('request');
        const reply = this.replies.get(`${method} ${url.pathname}`)?.shift();
        if (!reply) {
          res.writeHead(418, { 'content-type': 'application/json' }).end('{"message":"fake api: unexpected request"}');
        } else if ('hangUp' in reply) {
          req.socket.destroy();
        } else if (!('hang' in reply)) {
          const body = reply.text ?? (reply.json === undefined ? '' : JSON.stringify(reply.json));
          res.writeHead(reply.status ?? 200, { 'content-type': 'application/json', ...reply.headers }).end(body);
        }
      });
    });
  }

  /** Queues replies for one route, used in order, each once. */
  on(method: string, path: string, ...replies: Reply[]): this {
    this.replies.set(`${method} ${path}`, [...(this.replies.get(`${method} ${path}`) ?? []), ...replies]);
    return this;
  }

  /** Resolves once at least n requests have arrived (event-driven, no polling). */
  async waitForRequests(n: number): Promise<void> {
    while (this.requests.length < n) await once(this.arrivals, 'request');
  }

  /** Replies queued but never used. */
  unused(method: string, path: string): number {
    return this.replies.get(`${method} ${path}`)?.length ?? 0;
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** A localhost port with nothing listening on it. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** The project's logger (with its redaction) at debug level, writing into memory. */
export function memoryLogger(): { logger: Logger; lines: () => Array<Record<string, unknown>>; text: () => string } {
  const written: string[] = [];
  const logger = createLogger({ level: 'debug', destination: { write: (line: string) => void written.push(line) } });
  return {
    logger,
    text: () => written.join(''),
    lines: () => written.map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

export function fixture(name: string): unknown {
  return JSON.parse(readFileSync(path.join(__dirname, '..', 'fixtures', 'responses', name), 'utf8'));
}

/** Obviously fake credentials; the tests check none of them leaks into logs or messages. */
export const FAKE = {
  clientId: '00000000-0000-4000-8000-000000000001',
  practiceId: '00000000-0000-4000-8000-000000000002',
  vendorKey: 'fake-vendor-key',
  accountKey: 'fake-account-key',
  accountId: '99999',
  clinikoApiKey: 'fake-cliniko-api-key',
};
export const FAKE_SECRET_VALUES = Object.values(FAKE);
