import { z } from 'zod';
import { AccountType, type Level } from '../catalog/schema';
import type { Store } from '../store/types';

/**
 * What the bot has sent for a business. The API documents no read of a mapping's
 * properties, so fixes build new values from this record. Secret values are never
 * stored: only the fact that a secret key was set.
 */
export const ConfigRecord = z.object({
  businessNumber: z.string(),
  crmId: z.string(),
  accountType: AccountType,
  groupId: z.number().int().positive(),
  /** Non-secret property values as last sent. */
  groupProperties: z.record(z.string(), z.string()),
  locationProperties: z.record(z.string(), z.string()),
  /** Secret property keys that were set, level-qualified ('group:practice.id', 'location:practice.id'); values are not kept. */
  secretKeysSet: z.array(z.string()),
  beta: z.boolean().optional(),
  updatedBy: z.string(),
  updatedAt: z.string(),
});
export type ConfigRecord = z.infer<typeof ConfigRecord>;

const RECORD_TTL_MS = 365 * 24 * 3600_000;

const key = (businessNumber: string) => `config:${businessNumber}`;

export async function saveConfigRecord(store: Store, record: ConfigRecord): Promise<void> {
  await store.set(key(record.businessNumber), ConfigRecord.parse(record), RECORD_TTL_MS);
}

export async function readConfigRecord(store: Store, businessNumber: string): Promise<ConfigRecord | undefined> {
  const parsed = ConfigRecord.safeParse(await store.get(key(businessNumber)));
  return parsed.success ? parsed.data : undefined;
}

/** Splits one level's properties into what may be stored and the (level-qualified) secret keys that were set. */
export function withoutSecrets(
  properties: Record<string, string>,
  secretKeys: ReadonlySet<string>,
  level: Level,
): { values: Record<string, string>; secretKeysSet: string[] } {
  const values: Record<string, string> = {};
  const secretKeysSet: string[] = [];
  for (const [k, v] of Object.entries(properties)) {
    if (secretKeys.has(k)) secretKeysSet.push(`${level}:${k}`);
    else values[k] = v;
  }
  return { values, secretKeysSet };
}
