import { z } from 'zod';
import type { Store } from '../store/types';

/**
 * The audit trail: every write attempt, who, when, what (secrets masked by the
 * caller before it gets here), and the outcome. Kept per business and globally.
 */
export const AuditOutcome = z.enum(['succeeded', 'failed', 'unknown', 'refused']);
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
});
export type AuditEntry = z.infer<typeof AuditEntry>;

const AUDIT_TTL_MS = 180 * 24 * 3600_000;
const PER_BUSINESS_MAX = 200;
const GLOBAL_MAX = 2000;
const PER_USER_MAX = 20;

export async function recordAudit(store: Store, entry: AuditEntry): Promise<void> {
  await Promise.all([
    store.pushCapped(`audit:business:${entry.businessNumber}`, entry, PER_BUSINESS_MAX, AUDIT_TTL_MS),
    store.pushCapped('audit:all', entry, GLOBAL_MAX, AUDIT_TTL_MS),
    store.pushCapped(`audit:user:${entry.userId}`, entry, PER_USER_MAX, AUDIT_TTL_MS),
  ]);
}

export async function businessHistory(store: Store, businessNumber: string, limit = 20): Promise<AuditEntry[]> {
  return parseEntries(await store.listRange(`audit:business:${businessNumber}`, limit));
}

/** The user's recent operations (App Home). */
export async function userHistory(store: Store, userId: string, limit = 10): Promise<AuditEntry[]> {
  return parseEntries(await store.listRange(`audit:user:${userId}`, limit));
}

function parseEntries(raw: unknown[]): AuditEntry[] {
  return raw.flatMap((r) => {
    const parsed = AuditEntry.safeParse(r);
    return parsed.success ? [parsed.data] : [];
  });
}
