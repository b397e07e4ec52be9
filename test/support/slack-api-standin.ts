import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { readBody } from './local-server';
import { LocalStandin } from './local-standin';

/**
 * How long a test waits for an event (a Slack call, a post, a request) before failing. Only a failing test
 * waits this long, so it is generous: on a loaded two-core machine an answer can take seconds.
 */
export const EVENT_WAIT_MS = 15_000;

/**
 * A local stand-in for the Slack Web API and for response_url / file upload URLs.
 * Point the bot's SLACK_API_URL at `standin.apiUrl`. Every call is recorded; answers are
 * `{ ok: true, ... }` with sensible defaults unless a test programs something else.
 *
 *   slack.program('views.open', SlackApiStandin.error('expired_trigger_id'));
 *   slack.program('chat.postMessage', SlackApiStandin.rateLimited(30), { times: 1 });
 *   const call = await slack.waitFor('views.open', (c) => c.body.view.callback_id === 'setup');
 */

export interface RecordedCall {
  /** Web API method, e.g. 'chat.postMessage'. */
  method: string;
  /** Parsed arguments: form fields (JSON-looking values such as `blocks` parsed), JSON body, or multipart fields. */
  // biome-ignore lint/suspicious/noExplicitAny: tests reach into arbitrary Slack argument shapes
  body: Record<string, any>;
  /** Bearer token or `token` field the client sent. */
  token?: string;
  headers: IncomingHttpHeaders;
  at: number;
}

/** A post to a response_url (what `respond()` sends). */
export interface RecordedResponse {
  /** The id in the response_url (the harness uses one per request it sends). */
  id: string;
  // biome-ignore lint/suspicious/noExplicitAny: respond() payloads are arbitrary Slack messages
  body: Record<string, any>;
  at: number;
}

/** Bytes posted to an upload URL returned by files.getUploadURLExternal. */
export interface RecordedUpload {
  fileId: string;
  bytes: number;
  /** The uploaded content as UTF-8 text (the Web client posts it as a multipart field). */
  content: string;
  filename?: string;
}

export interface StandinReply {
  status?: number;
  headers?: Record<string, string>;
  /** Response body; the default is `{ ok: true }` merged over the method's default answer when omitted. */
  json?: unknown;
}

/** A fixed reply, or one computed from the call (return undefined to fall back to the default answer). */
export type Programmed = StandinReply | ((call: RecordedCall) => StandinReply | undefined);

interface Rule {
  method: string;
  reply: Programmed;
  remaining: number;
}

interface Waiter {
  check: () => boolean;
}

let counter = 0;
const nextId = (prefix: string) => `${prefix}${(++counter).toString(36).toUpperCase().padStart(8, '0')}`;

export class SlackApiStandin extends LocalStandin {
  readonly calls: RecordedCall[] = [];
  readonly responses: RecordedResponse[] = [];
  readonly uploads: RecordedUpload[] = [];
  /** Members answered by usergroups.users.list, by usergroup id. */
  readonly usergroupMembers: Record<string, string[]> = {};
  /** Profiles answered by users.info, by user id (merged over a generated default). */
  readonly users: Record<string, Record<string, unknown>> = {};
  private rules: Rule[] = [];
  private waiters = new Set<Waiter>();

  static start(): Promise<SlackApiStandin> {
    return LocalStandin.listening((server, url) => new SlackApiStandin(server, url));
  }

  /** Value for SLACK_API_URL. */
  get apiUrl(): string {
    return `${this.url}/api/`;
  }

  /** A fresh response_url on the stand-in; its posts land in `responses` with this id. */
  responseUrl(id: string = nextId('R')): string {
    return `${this.url}/response_url/${id}`;
  }

  // ---- programming answers ------------------------------------------------------------------

  /** Answers `method` with `reply` for the next `times` calls (default: every call until reset). Latest rule wins. */
  program(method: string, reply: Programmed, options: { times?: number } = {}): this {
    this.rules.unshift({ method, reply, remaining: options.times ?? Number.POSITIVE_INFINITY });
    return this;
  }

  /** `{ ok: false, error }` with HTTP 200, as Slack does. */
  static error(error: string, extra: Record<string, unknown> = {}): StandinReply {
    return { json: { ok: false, error, ...extra } };
  }

  /** HTTP 429 with Retry-After. */
  static rateLimited(retryAfterSeconds = 30): StandinReply {
    return {
      status: 429,
      headers: { 'retry-after': String(retryAfterSeconds) },
      json: { ok: false, error: 'ratelimited' },
    };
  }

  // ---- reading what happened ---------------------------------------------------------------

  callsTo(method: string): RecordedCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  /** response_url posts, optionally only those for one id. */
  responsesFor(id?: string): RecordedResponse[] {
    return id === undefined ? [...this.responses] : this.responses.filter((r) => r.id === id);
  }

  /** Resolves with the first recorded (or future) call to `method` matching `predicate`. */
  waitFor(
    method: string,
    predicate: (call: RecordedCall) => boolean = () => true,
    timeoutMs = EVENT_WAIT_MS,
  ): Promise<RecordedCall> {
    return this.until(
      () => this.calls.find((c) => c.method === method && predicate(c)),
      timeoutMs,
      () => `Slack API call ${method} (calls so far: ${this.calls.map((c) => c.method).join(', ') || 'none'})`,
    );
  }

  /** Resolves with the first recorded (or future) response_url post matching `predicate`. */
  waitForResponse(
    predicate: (response: RecordedResponse) => boolean = () => true,
    timeoutMs = EVENT_WAIT_MS,
  ): Promise<RecordedResponse> {
    return this.until(
      () => this.responses.find(predicate),
      timeoutMs,
      () => `response_url post (posts so far: ${this.responses.length})`,
    );
  }

  /** Forgets calls, responses, uploads and programmed answers (between tests). */
  reset(): void {
    this.calls.length = 0;
    this.responses.length = 0;
    this.uploads.length = 0;
    this.rules = [];
    for (const key of Object.keys(this.usergroupMembers)) delete this.usergroupMembers[key];
    for (const key of Object.keys(this.users)) delete this.users[key];
  }

  // ---- internals ---------------------------------------------------------------------------

  private until<T>(find: () => T | undefined, timeoutMs: number, what: () => string): Promise<T> {
    const found = find();
    if (found !== undefined) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        check: () => {
          const hit = find();
          if (hit === undefined) return false;
          clearTimeout(timer);
          resolve(hit);
          return true;
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new Error(`Timed out after ${timeoutMs} ms waiting for ${what()}`));
      }, timeoutMs);
      this.waiters.add(waiter);
    });
  }

  private notify(): void {
    for (const waiter of [...this.waiters]) if (waiter.check()) this.waiters.delete(waiter);
  }

  protected serve(req: IncomingMessage, res: ServerResponse): void {
    this.handle(req, res).catch((error: unknown) => {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(String(error));
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    const path = new URL(req.url ?? '/', this.url).pathname;
    const contentType = String(req.headers['content-type'] ?? '');

    if (path.startsWith('/response_url/')) {
      this.responses.push({ id: path.slice('/response_url/'.length), body: parseJsonObject(raw), at: Date.now() });
      this.notify();
      return send(res, { status: 200, json: { ok: true } });
    }
    if (path.startsWith('/upload/')) {
      const fields = await parseBody(raw, contentType);
      const file = Object.values(fields).find((v) => v && typeof v === 'object' && 'content' in v) as
        | { content: string; filename?: string }
        | undefined;
      const content = file?.content ?? raw.toString('utf8');
      this.uploads.push({
        fileId: path.slice('/upload/'.length),
        bytes: Buffer.byteLength(content),
        content,
        ...(file?.filename ? { filename: file.filename } : {}),
      });
      this.notify();
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(`OK - ${Buffer.byteLength(content)}`);
      return;
    }
    if (!path.startsWith('/api/')) return send(res, { status: 404, json: { ok: false, error: 'unknown_path' } });

    const method = path.slice('/api/'.length);
    const body = await parseBody(raw, contentType);
    const bearer = /^Bearer (.+)$/.exec(String(req.headers.authorization ?? ''))?.[1];
    const token = bearer ?? (typeof body.token === 'string' ? body.token : undefined);
    const call: RecordedCall = { method, body, headers: req.headers, at: Date.now(), ...(token ? { token } : {}) };
    this.calls.push(call);
    this.notify();
    send(res, this.programmedReply(call) ?? { status: 200, json: { ok: true, ...this.defaultAnswer(call) } });
  }

  private programmedReply(call: RecordedCall): StandinReply | undefined {
    for (const rule of this.rules) {
      if (rule.method !== call.method || rule.remaining <= 0) continue;
      const reply = typeof rule.reply === 'function' ? rule.reply(call) : rule.reply;
      if (reply === undefined) continue;
      rule.remaining--;
      return { status: reply.status ?? 200, ...reply, json: reply.json ?? { ok: true, ...this.defaultAnswer(call) } };
    }
    return undefined;
  }

  /** What real Slack would roughly answer, enough for Bolt and the Web client to proceed. */
  private defaultAnswer(call: RecordedCall): Record<string, unknown> {
    const b = call.body;
    switch (call.method) {
      case 'auth.test':
        return {
          url: 'https://test-workspace.slack.com/',
          team: 'Test Workspace',
          user: 'crm-bot',
          team_id: 'T_TEST',
          user_id: 'U_BOT',
          bot_id: 'B_BOT',
        };
      case 'chat.postMessage':
      case 'chat.update':
      case 'chat.postEphemeral': {
        const ts = b.ts ?? `${Math.floor(Date.now() / 1000)}.${String(++counter).padStart(6, '0')}`;
        return call.method === 'chat.postEphemeral'
          ? { message_ts: ts }
          : {
              channel: b.channel,
              ts,
              message: { text: b.text, blocks: b.blocks, ts, bot_id: 'B_BOT', type: 'message' },
            };
      }
      case 'views.open':
      case 'views.push':
      case 'views.update':
      case 'views.publish': {
        const view = typeof b.view === 'object' && b.view ? b.view : {};
        return {
          view: {
            ...view,
            id: b.view_id ?? nextId('V'),
            hash: nextId('H'),
            team_id: 'T_TEST',
            app_id: 'A_TEST',
            bot_id: 'B_BOT',
            private_metadata: view.private_metadata ?? '',
            callback_id: view.callback_id ?? '',
            state: { values: {} },
          },
        };
      }
      case 'users.info': {
        const id = String(b.user ?? 'U_UNKNOWN');
        return {
          user: {
            id,
            team_id: 'T_TEST',
            name: id.toLowerCase(),
            real_name: `Test User ${id}`,
            tz: 'America/Los_Angeles',
            is_bot: false,
            deleted: false,
            profile: { display_name: `test-${id.toLowerCase()}`, real_name: `Test User ${id}` },
            ...this.users[id],
          },
        };
      }
      case 'usergroups.users.list':
        return { users: this.usergroupMembers[String(b.usergroup)] ?? [] };
      case 'files.getUploadURLExternal': {
        const fileId = nextId('F');
        return { upload_url: `${this.url}/upload/${fileId}`, file_id: fileId };
      }
      case 'files.completeUploadExternal': {
        const files = Array.isArray(b.files) ? (b.files as Array<{ id: string; title?: string }>) : [];
        return { files: files.map((f) => ({ id: f.id, title: f.title ?? '', name: f.title ?? '' })) };
      }
      case 'conversations.open':
        return { channel: { id: `D${String(b.users ?? 'USER').replace(/^U/, '')}` } };
      default:
        return {};
    }
  }
}

function send(res: ServerResponse, reply: StandinReply): void {
  res.writeHead(reply.status ?? 200, { 'content-type': 'application/json', ...reply.headers });
  res.end(JSON.stringify(reply.json ?? { ok: true }));
}

// biome-ignore lint/suspicious/noExplicitAny: parsed Slack arguments are arbitrary
async function parseBody(raw: Buffer, contentType: string): Promise<Record<string, any>> {
  if (raw.length === 0) return {};
  if (contentType.includes('application/json')) return parseJsonObject(raw);
  if (contentType.includes('multipart/form-data')) {
    // biome-ignore lint/suspicious/noExplicitAny: parsed Slack arguments are arbitrary
    const out: Record<string, any> = {};
    const form = await new Request('http://standin.local/', {
      method: 'POST',
      headers: { 'content-type': contentType },
      body: new Uint8Array(raw),
    }).formData();
    for (const [key, value] of form.entries()) {
      out[key] =
        typeof value === 'string'
          ? maybeJson(value)
          : { filename: value.name, size: value.size, content: await value.text() };
    }
    return out;
  }
  // Slack clients send form-encoded arguments; structured ones (blocks, view, files) are JSON strings.
  return Object.fromEntries([...new URLSearchParams(raw.toString('utf8'))].map(([k, v]) => [k, maybeJson(v)]));
}

// biome-ignore lint/suspicious/noExplicitAny: parsed JSON is arbitrary
function parseJsonObject(raw: Buffer): Record<string, any> {
  try {
    const value = JSON.parse(raw.toString('utf8'));
    return value && typeof value === 'object' ? value : { value };
  } catch {
    return { raw: raw.toString('utf8') };
  }
}

function maybeJson(value: string): unknown {
  if (!/^\s*[[{]/.test(value)) return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}
