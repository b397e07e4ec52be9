import { z } from 'zod';
import type { Store } from '../store/types';

/**
 * The audit trail: every write attempt, who, when, what (secrets masked by the
 * caller before it gets here), and the outcome. Append-only and complete: each entry goes
 * to three logs (the business's, the person's and everyone's), kept for AUDIT_RETENTION_DAYS.
 *
 * A write that runs leaves two entries: 'attempted' just before the request goes out, then its
 * outcome. An 'attempted' with no outcome after it means the process stopped mid-call: unknown.
 * A write refused before anything was sent (permission, business busy) leaves one 'refused'.
 */
export const AuditOutcome = z.enum(['attempted', 'succeeded', 'failed', 'unknown', 'refused']);
export type AuditOutcome = z.infer<typeof AuditOutcome>;

export const AuditEntry = z.object({
  at: z.string(),
  userId: z.string(),
  businessNumber: z.string(),
  crmId: z.string(),
  operation: z.string(),
  /** Masked request (method, path, query, body with secret values replaced). */
  request: z.unknown().optional(),
  outcome: AuditOutcome,
  error: z.object({ code: z.string(), message: z.string() }).optional(),
  idempotencyKey: z.string().optional(),
  /** What the API answer identifies (group id, mapping id...): see outcomeIds. */
  ids: z.record(z.string(), z.union([z.string(), z.number()])).optional(),
});
export type AuditEntry = z.infer<typeof AuditEntry>;

export const DEFAULT_AUDIT_RETENTION_DAYS = 400;
const DAY_MS = 24 * 3600_000;
/** Entries read per store call when a whole log is wanted (CSV export). */
const EXPORT_PAGE = 500;

/** Whose entries: one business's, one person's, or everyone's. */
export type AuditScope = { businessNumber: string } | { userId: string } | 'all';

export interface AuditPage {
  /** Newest first. */
  entries: AuditEntry[];
  /** Pass as `before` to read the next (older) page; absent on the last page. */
  older?: string;
}

function logKey(scope: AuditScope): string {
  if (scope === 'all') return 'audit:all';
  return 'businessNumber' in scope ? `audit:business:${scope.businessNumber}` : `audit:user:${scope.userId}`;
}

export async function recordAudit(
  store: Store,
  entry: AuditEntry,
  retentionDays: number = DEFAULT_AUDIT_RETENTION_DAYS,
): Promise<void> {
  const retentionMs = retentionDays * DAY_MS;
  const scopes: AuditScope[] = [{ businessNumber: entry.businessNumber }, { userId: entry.userId }, 'all'];
  // Separate appends, not one transaction: in Redis Cluster the three streams live on different nodes.
  await Promise.all(scopes.map((scope) => store.appendLog(logKey(scope), entry, retentionMs)));
}

/** One page of a scope's entries, newest first, older than `before` when given. */
export async function readAudit(
  store: Store,
  scope: AuditScope,
  options: { limit: number; before?: string },
): Promise<AuditPage> {
  // One extra entry tells whether an older page exists.
  const raw = await store.readLog(logKey(scope), {
    limit: options.limit + 1,
    ...(options.before ? { before: options.before } : {}),
  });
  const page = raw.slice(0, options.limit);
  const entries = parseEntries(page.map((e) => e.value));
  const last = page[page.length - 1];
  return raw.length > options.limit && last ? { entries, older: last.id } : { entries };
}

/** Every entry of a scope, newest first, read page by page (the CSV export). */
export async function* everyAuditEntry(store: Store, scope: AuditScope): AsyncGenerator<AuditEntry> {
  let before: string | undefined;
  do {
    const page = await readAudit(store, scope, { limit: EXPORT_PAGE, ...(before ? { before } : {}) });
    yield* page.entries;
    before = page.older;
  } while (before);
}

/** The user's recent operations (App Home). */
export async function userHistory(store: Store, userId: string, limit = 10): Promise<AuditEntry[]> {
  return (await readAudit(store, { userId }, { limit })).entries;
}

/**
 * Keys of an API answer that name what a write created or changed. Only these are kept: the rest
 * of an answer (properties, client or practice IDs, keys) never reaches the audit trail.
 */
const OUTCOME_ID_KEY = /^(id|(integration)?(group|mapping|trigger)Id|(parent)?businessNumber)$/i;
const ID_VALUE = /^[\w.:-]{1,64}$/;

/** The ids an API answer carries, at its top level or one object down (`data.id`); undefined when none. */
export function outcomeIds(answer: unknown): Record<string, string | number> | undefined {
  const ids: Record<string, string | number> = {};
  const pick = (value: unknown, prefix: string, depth: number) => {
    if (!value || typeof value !== 'object' || Array.isArray(value)) return;
    for (const [key, inner] of Object.entries(value)) {
      if (OUTCOME_ID_KEY.test(key) && isIdValue(inner)) ids[prefix + key] = inner;
      else if (depth > 0) pick(inner, `${prefix}${key}.`, depth - 1);
    }
  };
  pick(answer, '', 1);
  return Object.keys(ids).length > 0 ? ids : undefined;
}

function isIdValue(value: unknown): value is string | number {
  return (typeof value === 'number' && Number.isFinite(value)) || (typeof value === 'string' && ID_VALUE.test(value));
}

function parseEntries(raw: unknown[]): AuditEntry[] {
  return raw.flatMap((r) => {
    const parsed = AuditEntry.safeParse(r);
    return parsed.success ? [parsed.data] : [];
  });
}
