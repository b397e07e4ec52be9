import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Catalog } from '../../catalog';
import { AccountType } from '../../catalog/schema';
import { BotError } from '../../errors';
import type { Store } from '../../store/types';

/**
 * A setup in progress. Lives in the shared store (any replica can serve the next
 * step), except the secrets typed into it: those stay in this process's memory only
 * (see SecretVault), so no API key or account key is ever written to the store. It is
 * never logged and never echoed into a view.
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
  /** What re-checking an earlier create-group with no answer found (landed, still unknown, apparently lost). */
  note: z.string().optional(),
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
  /**
   * Which secrets were typed (`group:<key>`, `location:<uid>:<key>`), never their values: after a restart
   * (or on another replica) the values are gone from memory, and this tells the user what to type again.
   */
  typedSecrets: z.array(z.string()).default([]),
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

/** What reading and writing a session needs: the store, and the catalog that says which values are secrets. */
export interface SessionServices {
  store: Store;
  catalog: Catalog;
}

/** Secret values held in this process's memory, by slot, until they expire. */
type Held = { expiresAt: number; values: Record<string, string> };

/**
 * A vault of secret values in this process's memory only, one per store (one per bot instance): what it
 * answers for a store has its expired entries dropped first.
 */
function secretVault(): (store: Store) => Map<string, Held> {
  const vaults = new WeakMap<Store, Map<string, Held>>();
  return (store) => {
    let vault = vaults.get(store);
    if (!vault) {
      vault = new Map();
      vaults.set(store, vault);
    }
    const now = Date.now();
    for (const [slot, held] of vault) if (held.expiresAt <= now) vault.delete(slot);
    return vault;
  };
}

/**
 * The secret values typed into open setups, in this process's memory only, per store (one per bot instance).
 * Lost on restart by design: loadSession then leaves them out, and lostSecrets names them.
 */
const vaultOf = secretVault();

const groupSlot = (key: string) => `group:${key}`;
const locationSlot = (uid: string, key: string) => `location:${uid}:${key}`;

function secretKeysOf(catalog: Catalog, session: SetupSession): Set<string> {
  const crm = session.crmId ? catalog.find(session.crmId) : undefined;
  return crm ? catalog.secretKeys(crm) : new Set();
}

/** The session without its secret values (what the store gets), and those values by slot. */
function splitSecrets(
  catalog: Catalog,
  session: SetupSession,
): { stored: SetupSession; secrets: Record<string, string> } {
  const secretKeys = secretKeysOf(catalog, session);
  const secrets: Record<string, string> = {};
  const strip = (properties: Record<string, string>, slot: (key: string) => string) => {
    const kept: Record<string, string> = {};
    for (const [k, v] of Object.entries(properties)) {
      if (secretKeys.has(k) && v !== '') secrets[slot(k)] = v;
      else if (!secretKeys.has(k)) kept[k] = v;
    }
    return kept;
  };
  const groupProperties = strip(session.groupProperties, groupSlot);
  const locations = session.locations.map((l) => ({
    ...l,
    properties: strip(l.properties, (k) => locationSlot(l.uid, k)),
  }));
  // A slot typed before stays listed (its value may be lost), so the user is asked for it again.
  const typedSecrets = [...new Set([...session.typedSecrets, ...Object.keys(secrets)])];
  return { stored: { ...session, groupProperties, locations, typedSecrets }, secrets };
}

export async function saveSession(services: SessionServices, session: SetupSession): Promise<void> {
  const { stored, secrets } = splitSecrets(services.catalog, session);
  const vault = vaultOf(services.store);
  const held = { ...(vault.get(session.id)?.values ?? {}), ...secrets };
  vault.set(session.id, { expiresAt: Date.now() + SESSION_TTL_MS, values: held });
  await services.store.set(key(session.id), stored, SESSION_TTL_MS);
}

export async function loadSession(services: SessionServices, id: string): Promise<SetupSession> {
  const parsed = SetupSession.safeParse(await services.store.get(key(id)));
  if (!parsed.success) {
    throw new BotError(
      'validation_failed',
      'This setup form has expired (forms are kept for 2 hours). Run `/crm setup` again.',
    );
  }
  const session = parsed.data;
  const held = vaultOf(services.store).get(id)?.values ?? {};
  const groupProperties = { ...session.groupProperties };
  for (const [k, v] of Object.entries(held)) if (k.startsWith('group:')) groupProperties[k.slice(6)] = v;
  const locations = session.locations.map((l) => {
    const properties = { ...l.properties };
    const prefix = locationSlot(l.uid, '');
    for (const [k, v] of Object.entries(held)) if (k.startsWith(prefix)) properties[k.slice(prefix.length)] = v;
    return { ...l, properties };
  });
  return { ...session, groupProperties, locations };
}

/**
 * Secrets typed into the session whose values this process no longer has (it restarted, or another replica
 * took the step), for the step that asks for them; undefined when none is lost.
 */
export function lostSecrets(
  services: SessionServices,
  session: SetupSession,
): { step: 'group' | 'locations'; keys: string[]; session: SetupSession } | undefined {
  const held = vaultOf(services.store).get(session.id)?.values ?? {};
  const lost = session.typedSecrets.filter((slot) => held[slot] === undefined);
  if (lost.length === 0) return undefined;
  const keys = [...new Set(lost.map((slot) => slot.split(':').pop() ?? slot))];
  const step = lost.some((slot) => slot.startsWith('group:')) ? 'group' : 'locations';
  // Forgotten: the step's secret inputs are required again until retyped.
  return { step, keys, session: { ...session, typedSecrets: session.typedSecrets.filter((s) => !lost.includes(s)) } };
}

export async function deleteSession(store: Store, id: string): Promise<void> {
  vaultOf(store).delete(id);
  await store.delete(key(id));
}

// ------------------------------------------------------------ result record

export const LocationResult = z.object({
  businessNumber: z.string(),
  status: z.enum(['ok', 'failed']),
  detail: z.string(),
  attempt: z.number().int().positive(),
  /** The mapping request, kept only while it failed, its secure values blanked (saveRecord keeps them in memory). */
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

/**
 * The secure values (isSecure properties: a location's credential override) of the failed requests a
 * record keeps for Retry, in this process's memory only, per store: the stored request has them blanked.
 */
const requestSecretsOf = secretVault();

type KeptProperty = { propertyKey: string; propertyValue: string; isSecure?: boolean };

function keptProperties(request: unknown): KeptProperty[] | undefined {
  const properties = (request as { body?: { integrationProperties?: unknown } } | undefined)?.body
    ?.integrationProperties;
  return Array.isArray(properties) ? (properties as KeptProperty[]) : undefined;
}

/** The request with its secure values blanked, and those values by property key. */
function blankSecure(request: unknown): { stored: unknown; secrets: Record<string, string> } {
  const properties = keptProperties(request);
  if (!properties) return { stored: request, secrets: {} };
  const secrets: Record<string, string> = {};
  const blanked = properties.map((p) => {
    if (!p.isSecure || p.propertyValue === '') return p;
    secrets[p.propertyKey] = p.propertyValue;
    return { ...p, propertyValue: '' };
  });
  const body = (request as { body: object }).body;
  return { stored: { ...(request as object), body: { ...body, integrationProperties: blanked } }, secrets };
}

export async function saveRecord(store: Store, record: SetupRecord): Promise<void> {
  const held = requestSecretsOf(store);
  const locations = SetupRecord.parse(record).locations.map((location) => {
    if (location.request === undefined) return location;
    const { stored, secrets } = blankSecure(location.request);
    const slot = `${record.id}:${location.businessNumber}`;
    const values = { ...(held.get(slot)?.values ?? {}), ...secrets };
    if (Object.keys(values).length > 0) held.set(slot, { expiresAt: Date.now() + RESULT_TTL_MS, values });
    return { ...location, request: stored };
  });
  await store.set(recordKey(record.id), { ...record, locations }, RESULT_TTL_MS);
}

export async function loadRecord(store: Store, id: string): Promise<SetupRecord | undefined> {
  const parsed = SetupRecord.safeParse(await store.get(recordKey(id)));
  if (!parsed.success) return undefined;
  const held = requestSecretsOf(store);
  for (const location of parsed.data.locations) {
    const values = held.get(`${id}:${location.businessNumber}`)?.values ?? {};
    for (const p of keptProperties(location.request) ?? []) {
      const value = values[p.propertyKey];
      if (p.isSecure && value !== undefined) p.propertyValue = value;
    }
  }
  return parsed.data;
}

/** Secure properties of a kept request whose value this process no longer has (it restarted). */
export function blankedSecrets(request: unknown): string[] {
  return (keptProperties(request) ?? []).filter((p) => p.isSecure && p.propertyValue === '').map((p) => p.propertyKey);
}
