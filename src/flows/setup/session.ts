import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { AccountType } from '../../catalog/schema';
import { BotError } from '../../errors';
import type { Store } from '../../store/types';

/**
 * A setup in progress. Lives in the shared store (any replica can serve the next
 * step), never in process memory. It holds what was typed, secrets included,
 * until the setup is confirmed; it is never logged and never echoed into a view.
 */

export const SESSION_TTL_MS = 2 * 3600_000;
/** Failed mappings can be retried from the result message for this long. */
export const RESULT_TTL_MS = 24 * 3600_000;

export const LocationState = z.object({
  uid: z.string().min(1),
  businessNumber: z.string().default(''),
  properties: z.record(z.string(), z.string()).default({}),
  nextRunTime: z.string().default(''),
});
export type LocationState = z.infer<typeof LocationState>;

export const ResolvedTrigger = z.object({
  triggerId: z.number().int().positive(),
  triggerTypeId: z.number().int().positive(),
  displayName: z.string(),
});
export type ResolvedTrigger = z.infer<typeof ResolvedTrigger>;

export const TriggerResolution = z.object({
  status: z.enum(['ok', 'failed']),
  items: z.array(ResolvedTrigger),
  note: z.string().optional(),
});
export type TriggerResolution = z.infer<typeof TriggerResolution>;

export const ExistingCheck = z.object({
  status: z.enum(['pending', 'none', 'found', 'failed']),
  groupId: z.number().int().positive().optional(),
  /** Every group of the CRM the business had at the check: a group read back later that is not here is new. */
  groupIds: z.array(z.number().int().positive()).optional(),
  reason: z.string().optional(),
});

export const SetupSession = z.object({
  id: z.string().uuid(),
  flow: z.enum(['setup', 'addLocation', 'triggers']),
  step: z.enum(['crm', 'group', 'locations', 'review', 'addloc', 'reading', 'working', 'done', 'triggers']),
  userId: z.string(),
  channelId: z.string().optional(),
  crmId: z.string().optional(),
  accountType: AccountType.optional(),
  parentBusinessNumber: z.string().default(''),
  /** Selected trigger option values; absent until the user has seen the choice (then defaults apply). */
  triggers: z.array(z.string()).optional(),
  /** Catalog triggers without id, read from the triggers endpoint, per CRM id. */
  apiTriggers: z.record(z.string(), TriggerResolution).default({}),
  groupProperties: z.record(z.string(), z.string()).default({}),
  locations: z.array(LocationState).default([]),
  existing: ExistingCheck.optional(),
  /** Add locations to this group instead of creating one. */
  existingGroupId: z.number().int().positive().optional(),
});
export type SetupSession = z.infer<typeof SetupSession>;

/** private_metadata of every setup view: only the session id. */
export const Metadata = z.object({ s: z.string().uuid() });

export function metadataFor(session: Pick<SetupSession, 'id'>): string {
  return JSON.stringify({ s: session.id });
}

export function sessionIdFrom(privateMetadata: string | undefined): string {
  let raw: unknown;
  try {
    raw = JSON.parse(privateMetadata ?? '');
  } catch {
    raw = undefined;
  }
  const parsed = Metadata.safeParse(raw);
  if (!parsed.success || (privateMetadata ?? '').length >= 3000) {
    throw new BotError('validation_failed', 'This form is not one the bot recognises. Run `/crm setup` again.');
  }
  return parsed.data.s;
}

const key = (id: string) => `setup:session:${id}`;

export function newSession(init: Pick<SetupSession, 'flow' | 'step' | 'userId'> & Partial<SetupSession>): SetupSession {
  return SetupSession.parse({ id: randomUUID(), ...init });
}

export function newLocation(businessNumber = ''): LocationState {
  return { uid: randomUUID().slice(0, 8), businessNumber, properties: {}, nextRunTime: '' };
}

export async function saveSession(store: Store, session: SetupSession): Promise<void> {
  await store.set(key(session.id), session, SESSION_TTL_MS);
}

export async function loadSession(store: Store, id: string): Promise<SetupSession> {
  const parsed = SetupSession.safeParse(await store.get(key(id)));
  if (!parsed.success) {
    throw new BotError(
      'validation_failed',
      'This setup form has expired (forms are kept for 2 hours). Run `/crm setup` again.',
    );
  }
  return parsed.data;
}

export async function deleteSession(store: Store, id: string): Promise<void> {
  await store.delete(key(id));
}

// ------------------------------------------------------------ result record

export const LocationResult = z.object({
  businessNumber: z.string(),
  status: z.enum(['ok', 'failed']),
  detail: z.string(),
  attempt: z.number().int().positive(),
  /** The mapping request, kept only while it failed (it may carry a location credential override). */
  request: z.unknown().optional(),
});
export type LocationResult = z.infer<typeof LocationResult>;

export const SetupRecord = z.object({
  id: z.string(),
  viewId: z.string(),
  crmId: z.string(),
  accountType: AccountType,
  parentBusinessNumber: z.string(),
  userId: z.string(),
  groupId: z.number().int().positive().optional(),
  createdGroup: z.boolean(),
  groupError: z.string().optional(),
  /** Non-secret group values as sent, and the secret keys that were set. */
  groupValues: z.record(z.string(), z.string()),
  groupSecretKeys: z.array(z.string()),
  locations: z.array(LocationResult),
});
export type SetupRecord = z.infer<typeof SetupRecord>;

const recordKey = (id: string) => `setup:result:${id}`;

export async function saveRecord(store: Store, record: SetupRecord): Promise<void> {
  await store.set(recordKey(record.id), SetupRecord.parse(record), RESULT_TTL_MS);
}

export async function loadRecord(store: Store, id: string): Promise<SetupRecord | undefined> {
  const parsed = SetupRecord.safeParse(await store.get(recordKey(id)));
  return parsed.success ? parsed.data : undefined;
}
