import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { readBody } from './local-server';
import { LocalStandin } from './local-standin';
import { EVENT_WAIT_MS } from './slack-api-standin';

/**
 * A local stand-in for the `POST /<index>/_search` endpoint of Elasticsearch/OpenSearch (no
 * server can be installed here). It records every request body and answers from seeded
 * documents by evaluating the Query DSL subset the bot uses (bool, term, terms, match,
 * match_phrase, range with `now-Nd`, exists, match_all; sort, size). A clause it does not know
 * is answered with a 400 like Elasticsearch's, so a malformed query fails a test.
 *
 *   const logs = await LogStoreStandin.start();
 *   logs.seed({ _index: 'bc-json-logs-2026.11.30', _source: { '@timestamp': '…', email: 'jane@example.com' } });
 *   logs.fault({ kind: 'status', status: 401 }, { times: 1 });
 *   const request = await logs.waitForRequest();
 */

export type SeededDocument = { _index: string; _id?: string; _source: Record<string, unknown> };

export type RecordedSearch = {
  method: string;
  /** The index (or pattern) in the path. */
  index: string;
  path: string;
  // biome-ignore lint/suspicious/noExplicitAny: request bodies are arbitrary Query DSL
  body: any;
  headers: IncomingHttpHeaders;
  at: number;
};

export type Fault =
  /** The connection is dropped before any answer (the store is down or a proxy resets). */
  | { kind: 'reset' }
  /** No answer until the stand-in closes (slower than any deadline). */
  | { kind: 'hang' }
  | { kind: 'status'; status: number; json?: unknown }
  /** 200 with a body that is not JSON. */
  | { kind: 'malformed'; body?: string }
  /** 200 with JSON that is not a search response. */
  | { kind: 'json'; json: unknown };

type Waiter = { predicate: (r: RecordedSearch) => boolean; resolve: (r: RecordedSearch) => void };

// biome-ignore lint/suspicious/noExplicitAny: Query DSL fragments are arbitrary JSON
type Json = any;

class QueryError extends Error {}

export class LogStoreStandin extends LocalStandin {
  readonly requests: RecordedSearch[] = [];
  readonly documents: SeededDocument[] = [];
  /** Added before every answer (the bench's 200 ms). */
  latencyMs = 0;
  /** "now" for `now-30d` ranges. */
  now: () => number = () => Date.now();
  /** When set, requests without exactly this Authorization header get Elasticsearch's 401. */
  requiredAuthorization: string | undefined;
  private faults: Array<{ fault: Fault; remaining: number }> = [];
  private waiters: Waiter[] = [];
  private readonly held = new Set<ServerResponse>();

  static start(): Promise<LogStoreStandin> {
    return LocalStandin.listening((server, url) => new LogStoreStandin(server, url));
  }

  seed(...documents: SeededDocument[]): void {
    this.documents.push(...documents);
  }

  /** The next `times` requests (default every one) get this fault. */
  fault(fault: Fault, options: { times?: number } = {}): void {
    this.faults.push({ fault, remaining: options.times ?? Number.POSITIVE_INFINITY });
  }

  reset(): void {
    this.requests.length = 0;
    this.documents.length = 0;
    this.faults = [];
    this.latencyMs = 0;
    this.requiredAuthorization = undefined;
    this.now = () => Date.now();
    this.releaseHeld();
  }

  /** The first recorded request matching, now or when it arrives. */
  waitForRequest(
    predicate: (r: RecordedSearch) => boolean = () => true,
    timeoutMs = EVENT_WAIT_MS,
  ): Promise<RecordedSearch> {
    const found = this.requests.find(predicate);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no matching log search request arrived')), timeoutMs);
      this.waiters.push({
        predicate,
        resolve: (r) => {
          clearTimeout(timer);
          resolve(r);
        },
      });
    });
  }

  override async close(): Promise<void> {
    this.releaseHeld();
    await super.close();
  }

  private releaseHeld(): void {
    for (const res of this.held) res.destroy();
    this.held.clear();
  }

  protected serve(req: IncomingMessage, res: ServerResponse): void {
    readBody(req).then(
      (raw) => this.handle(req.method ?? 'GET', req.url ?? '/', req.headers, raw, res),
      () => res.destroy(),
    );
  }

  private handle(method: string, url: string, headers: IncomingHttpHeaders, raw: Buffer, res: ServerResponse): void {
    const path = new URL(url, 'http://standin').pathname;
    const match = /^\/([^/]+)\/_search$/.exec(path);
    let body: Json;
    try {
      body = raw.length ? JSON.parse(raw.toString('utf8')) : {};
    } catch {
      body = { unparseable: raw.toString('utf8') };
    }
    const index = decodeURIComponent(match?.[1] ?? '');
    const recorded: RecordedSearch = { method, index, path, body, headers, at: Date.now() };
    this.requests.push(recorded);
    this.waiters = this.waiters.filter((w) => {
      if (!w.predicate(recorded)) return true;
      w.resolve(recorded);
      return false;
    });

    const answer = () => this.answer(method, match !== null, index, headers, body, res);
    if (this.latencyMs > 0) setTimeout(answer, this.latencyMs);
    else answer();
  }

  private answer(
    method: string,
    isSearch: boolean,
    index: string,
    headers: IncomingHttpHeaders,
    body: Json,
    res: ServerResponse,
  ): void {
    const rule = this.faults.find((f) => f.remaining > 0);
    if (rule) {
      rule.remaining -= 1;
      this.applyFault(rule.fault, res);
      return;
    }
    if (this.requiredAuthorization !== undefined && headers.authorization !== this.requiredAuthorization) {
      send(res, 401, esError(401, 'security_exception', 'unable to authenticate with provided credentials'));
      return;
    }
    if (method !== 'POST' || !isSearch) {
      send(res, 405, esError(405, 'illegal_argument_exception', 'only POST /<index>/_search is stood in for'));
      return;
    }
    try {
      send(res, 200, this.search(index, body));
    } catch (err) {
      send(res, 400, esError(400, 'parsing_exception', err instanceof Error ? err.message : String(err)));
    }
  }

  private applyFault(fault: Fault, res: ServerResponse): void {
    switch (fault.kind) {
      case 'reset':
        res.socket?.destroy();
        return;
      case 'hang':
        this.held.add(res);
        return;
      case 'status':
        send(res, fault.status, fault.json ?? esError(fault.status, 'fault', `stand-in fault ${fault.status}`));
        return;
      case 'malformed':
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(fault.body ?? '{"took": 3, "hits": {"hits": [');
        return;
      case 'json':
        send(res, 200, fault.json);
        return;
    }
  }

  private search(index: string, body: Json): Json {
    const known = new Set(['query', 'size', 'sort', 'track_total_hits', '_source', 'from', 'timeout']);
    for (const key of Object.keys(body ?? {}))
      if (!known.has(key)) throw new QueryError(`unknown key [${key}] in the search body`);
    const patterns = index.split(',').map(patternRegex);
    const candidates = this.documents.filter((d) => patterns.some((p) => p.test(d._index)));
    const query = body.query ?? { match_all: {} };
    let hits = candidates.filter((d) => this.matches(query, d._source));
    for (const rule of [...(body.sort ?? [])].reverse()) {
      const [field, spec] = Object.entries(rule as Record<string, { order?: string }>)[0] ?? [];
      if (!field) continue;
      const direction = spec?.order === 'asc' ? 1 : -1;
      hits = [...hits].sort((a, b) => {
        const x = sortable(fieldValues(a._source, field)[0]);
        const y = sortable(fieldValues(b._source, field)[0]);
        if (x === undefined) return y === undefined ? 0 : 1;
        if (y === undefined) return -1;
        return x < y ? -direction : x > y ? direction : 0;
      });
    }
    const size = typeof body.size === 'number' ? body.size : 10;
    const shown = hits.slice(0, size);
    return {
      took: 1,
      timed_out: false,
      _shards: { total: 1, successful: 1, skipped: 0, failed: 0 },
      hits: {
        total: { value: hits.length, relation: 'eq' },
        max_score: null,
        hits: shown.map((d, i) => ({ _index: d._index, _id: d._id ?? `doc-${i}`, _score: null, _source: d._source })),
      },
    };
  }

  private matches(query: Json, source: Record<string, unknown>): boolean {
    const entries = Object.entries(query ?? {});
    if (entries.length !== 1) throw new QueryError('a query clause must have exactly one type');
    const [type, spec] = entries[0] as [string, Json];
    switch (type) {
      case 'match_all':
        return true;
      case 'bool': {
        const all = (list: Json) => (Array.isArray(list) ? list : list ? [list] : []) as Json[];
        for (const key of Object.keys(spec)) {
          if (!['must', 'filter', 'should', 'must_not', 'minimum_should_match'].includes(key))
            throw new QueryError(`[bool] query does not support [${key}]`);
        }
        if (!all(spec.must).every((q) => this.matches(q, source))) return false;
        if (!all(spec.filter).every((q) => this.matches(q, source))) return false;
        if (all(spec.must_not).some((q) => this.matches(q, source))) return false;
        const should = all(spec.should);
        if (should.length === 0) return true;
        const hasOther = all(spec.must).length + all(spec.filter).length > 0;
        const minimum = spec.minimum_should_match ?? (hasOther ? 0 : 1);
        return should.filter((q) => this.matches(q, source)).length >= Number(minimum);
      }
      case 'term': {
        const [field, value] = single(spec, 'term');
        const wanted = typeof value === 'object' && value !== null ? (value as { value: unknown }).value : value;
        return fieldValues(source, field).some((v) => String(v) === String(wanted));
      }
      case 'terms': {
        const [field, values] = single(spec, 'terms');
        if (!Array.isArray(values)) throw new QueryError('[terms] query needs an array of values');
        return fieldValues(source, field).some((v) => values.map(String).includes(String(v)));
      }
      case 'match': {
        const [field, value] = single(spec, 'match');
        const wanted = tokens(
          String(typeof value === 'object' && value !== null ? (value as { query: unknown }).query : value),
        );
        return fieldValues(source, field).some((v) => tokens(String(v)).some((t) => wanted.includes(t)));
      }
      case 'match_phrase': {
        const [field, value] = single(spec, 'match_phrase');
        const phrase = tokens(String(value));
        return fieldValues(source, field).some((v) => containsRun(tokens(String(v)), phrase));
      }
      case 'exists':
        return fieldValues(source, String(spec.field)).length > 0;
      case 'range': {
        const [field, bounds] = single(spec, 'range') as [string, Record<string, string>];
        for (const key of Object.keys(bounds)) {
          if (!['gte', 'gt', 'lte', 'lt', 'format'].includes(key))
            throw new QueryError(`[range] does not support [${key}]`);
        }
        return fieldValues(source, field).some((v) => {
          const at = Date.parse(String(v));
          if (Number.isNaN(at)) return false;
          const bound = (b: string | undefined) => (b === undefined ? undefined : this.dateMath(b));
          const [gte, gt, lte, lt] = [bound(bounds.gte), bound(bounds.gt), bound(bounds.lte), bound(bounds.lt)];
          return (
            (gte === undefined || at >= gte) &&
            (gt === undefined || at > gt) &&
            (lte === undefined || at <= lte) &&
            (lt === undefined || at < lt)
          );
        });
      }
      default:
        throw new QueryError(`unknown query [${type}]`);
    }
  }

  private dateMath(value: string): number {
    const math = /^now(?:-(\d+)([dhm]))?$/.exec(value);
    if (math) {
      const unit = { d: 86_400_000, h: 3_600_000, m: 60_000 }[math[2] as 'd' | 'h' | 'm'] ?? 0;
      return this.now() - Number(math[1] ?? 0) * unit;
    }
    const at = Date.parse(value);
    if (Number.isNaN(at)) throw new QueryError(`failed to parse date field [${value}]`);
    return at;
  }
}

function send(res: ServerResponse, status: number, json: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(json));
}

function esError(status: number, type: string, reason: string) {
  return { error: { root_cause: [{ type, reason }], type, reason }, status };
}

function single(spec: Json, type: string): [string, unknown] {
  const entries = Object.entries(spec ?? {});
  if (entries.length !== 1) throw new QueryError(`[${type}] query must name exactly one field`);
  return entries[0] as [string, unknown];
}

function patternRegex(pattern: string): RegExp {
  return new RegExp(
    `^${pattern
      .split('*')
      .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  );
}

/** A field's values: nested objects or flat dotted keys; `x.keyword` is the exact value of `x`. */
function fieldValues(source: Record<string, unknown>, field: string): unknown[] {
  const path = field.replace(/\.keyword$/, '');
  if (Object.hasOwn(source, path)) return flat(source[path]);
  let current: unknown = source;
  for (const part of path.split('.')) {
    if (current === null || typeof current !== 'object') return [];
    current = (current as Record<string, unknown>)[part];
  }
  return flat(current);
}

function flat(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value.filter((v) => v !== null && v !== undefined) : [value];
}

/** Roughly the standard analyzer: lower case, split on anything that is not a letter or digit. */
function tokens(text: string): string[] {
  return text
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);
}

function containsRun(haystack: string[], needle: string[]): boolean {
  if (needle.length === 0) return false;
  for (let i = 0; i + needle.length <= haystack.length; i++) {
    if (needle.every((t, j) => haystack[i + j] === t)) return true;
  }
  return false;
}

function sortable(value: unknown): number | string | undefined {
  if (value === undefined) return undefined;
  const at = Date.parse(String(value));
  return Number.isNaN(at) ? String(value) : at;
}
