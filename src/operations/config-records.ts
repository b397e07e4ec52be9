import { z } from 'zod';
import { AccountType } from '../catalog/schema';
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
  /** Secret property keys that were set (values are not kept). */
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

/** Splits typed properties into what may be stored and the secret keys that were set. */
export function withoutSecrets(
  properties: Record<string, string>,
  secretKeys: ReadonlySet<string>,
): { values: Record<string, string>; secretKeysSet: string[] } {
  const values: Record<string, string> = {};
  const secretKeysSet: string[] = [];
  for (const [k, v] of Object.entries(properties)) {
    if (secretKeys.has(k)) secretKeysSet.push(k);
    else values[k] = v;
  }
  return { values, secretKeysSet };
}
