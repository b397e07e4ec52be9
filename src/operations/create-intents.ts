import { z } from 'zod';
import { systemClock } from '../clock';
import type { Services } from '../services';
import type { Store } from '../store/types';

/**
 * A create-group whose answer never came (issue 11): it may still land, so the next setup for the same
 * business and CRM must look for its group before creating another. Only what that check and its words
 * need: no request, no answer, no secret.
 */
export const CreateIntent = z.object({
  businessNumber: z.string(),
  crmId: z.string(),
  /** When the create was sent (ms since epoch, on the bot's clock). */
  at: z.number().int(),
  userId: z.string(),
  idempotencyKey: z.string(),
  /** The CRM's groups the business had before the create; absent when that was never read. */
  groupIdsBefore: z.array(z.number().int().positive()).optional(),
});
export type CreateIntent = z.infer<typeof CreateIntent>;

/** Long past any re-check window: a create that lands hours later is still recognised as this one. */
const INTENT_TTL_MS = 7 * 24 * 3600_000;

const key = (businessNumber: string, crmId: string) => `create-intent:${businessNumber}:${crmId}`;

export async function saveCreateIntent(store: Store, intent: CreateIntent): Promise<void> {
  await store.set(key(intent.businessNumber, intent.crmId), CreateIntent.parse(intent), INTENT_TTL_MS);
}

export async function loadCreateIntent(
  store: Store,
  businessNumber: string,
  crmId: string,
): Promise<CreateIntent | undefined> {
  const parsed = CreateIntent.safeParse(await store.get(key(businessNumber, crmId)));
  return parsed.success ? parsed.data : undefined;
}

export async function clearCreateIntent(store: Store, businessNumber: string, crmId: string): Promise<void> {
  await store.delete(key(businessNumber, crmId));
}

export type IntentCheck =
  /** A group of the CRM that was not there before the create: the create landed. */
  | { kind: 'landed'; groupId: number }
  /** No such group yet, and still within the re-check window: another create is refused. */
  | { kind: 'pending'; minutesLeft: number; until: number }
  /** No such group within the window: the create apparently did not land. */
  | { kind: 'expired' };

/** What the business's current groups of the CRM (newest first) say about an unresolved create. */
export function checkIntent(
  intent: CreateIntent,
  groupIds: readonly number[],
  now: number,
  windowMs: number,
): IntentCheck {
  const before = intent.groupIdsBefore;
  const fresh = groupIds.filter((id) => !before?.includes(id));
  const landed = fresh[0];
  if (landed !== undefined) return { kind: 'landed', groupId: landed };
  const until = intent.at + windowMs;
  if (now < until) return { kind: 'pending', minutesLeft: Math.max(1, Math.ceil((until - now) / 60_000)), until };
  return { kind: 'expired' };
}

/** checkIntent now, on the services' clock and with their re-check window (CREATE_GROUP_RECHECK_MINUTES). */
export function checkIntentNow(
  services: Pick<Services, 'config' | 'clock'>,
  intent: CreateIntent,
  groupIds: readonly number[],
): IntentCheck {
  const windowMs = services.config.CREATE_GROUP_RECHECK_MINUTES * 60_000;
  return checkIntent(intent, groupIds, (services.clock ?? systemClock).now(), windowMs);
}

/** Plain UTC time (no Slack date token). */
export function utc(ms: number, withDate = true): string {
  const iso = new Date(ms).toISOString();
  return `${withDate ? `${iso.slice(0, 10)} ` : ''}${iso.slice(11, 16)} UTC`;
}

/** Who sent the unanswered create, for which business and when: how every message about it starts. */
export function unansweredCreate(intent: CreateIntent): string {
  return `The create-group request <@${intent.userId}> sent for business ${intent.businessNumber} on ${utc(intent.at)} got no answer in time`;
}

/** The create may still land: the words for a pending check, setup's and bulk's alike. */
export function pendingCreate(intent: CreateIntent, crmName: string): string {
  return `${unansweredCreate(intent)}, so whether it created a ${crmName} group is *unknown*, and no new group shows yet: it may still land.`;
}
