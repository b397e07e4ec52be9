import type { Config } from '../config';
import { ForbiddenError } from '../errors';

/** The one Slack Web API call the permission checks make: a narrow view of Bolt's client. */
export interface UsergroupsClient {
  usergroups: { users: { list(args: { usergroup: string }): Promise<{ users?: string[] }> } };
}

const MEMBERS_CACHE_MS = 5 * 60_000;
const groupMembers = new Map<string, { at: number; members: Set<string> }>();

/**
 * Reads are open to everyone; writes need ALLOWED_USER_IDS or membership of an
 * ALLOWED_USERGROUP_IDS group. With neither set, everyone may write (README says so).
 */
export async function assertCanWrite(config: Config, client: UsergroupsClient, userId: string): Promise<void> {
  await assertAllowed(
    client,
    userId,
    { users: config.ALLOWED_USER_IDS, groups: config.ALLOWED_USERGROUP_IDS },
    (who) =>
      `You can read everything here, but changing integrations is limited to ${who}. Ask one of them to run it, or to add you.`,
  );
}

/**
 * Contact searches read patient data, so LOG_SEARCH_ALLOWED_USER_IDS / LOG_SEARCH_ALLOWED_USERGROUP_IDS
 * limit them the way the write settings limit writes; with neither set, everyone who may use the bot may search.
 */
export async function assertCanSearchContacts(config: Config, client: UsergroupsClient, userId: string): Promise<void> {
  await assertAllowed(
    client,
    userId,
    { users: config.LOG_SEARCH_ALLOWED_USER_IDS, groups: config.LOG_SEARCH_ALLOWED_USERGROUP_IDS },
    (who) =>
      `Searching the logs for a contact shows patient data, so it is limited to ${who}. Ask one of them to look it up, or paste the record into \`/crm diagnose\` yourself.`,
  );
}

interface AllowList {
  users: readonly string[];
  groups: readonly string[];
}

/** Passes whoever the lists allow; refuses anyone else with a ForbiddenError saying (`refusal`) who may. */
async function assertAllowed(
  client: UsergroupsClient,
  userId: string,
  { users, groups }: AllowList,
  refusal: (who: string) => string,
): Promise<void> {
  if (await isAllowed(client, userId, users, groups)) return;
  throw new ForbiddenError('forbidden', refusal(whoMay(users, groups)));
}

/** Everyone when both lists are empty; otherwise a listed user or a member of a listed group. */
async function isAllowed(
  client: UsergroupsClient,
  userId: string,
  users: readonly string[],
  groups: readonly string[],
): Promise<boolean> {
  if (users.length === 0 && groups.length === 0) return true;
  if (users.includes(userId)) return true;
  for (const group of groups) {
    if ((await membersOf(client, group)).has(userId)) return true;
  }
  return false;
}

function whoMay(users: readonly string[], groups: readonly string[]): string {
  const who = [...groups.map((g) => `<!subteam^${g}>`), ...users.slice(0, 3).map((u) => `<@${u}>`)].join(', ');
  return who || 'the bot owners';
}

async function membersOf(client: UsergroupsClient, usergroup: string): Promise<Set<string>> {
  const cached = groupMembers.get(usergroup);
  if (cached && Date.now() - cached.at < MEMBERS_CACHE_MS) return cached.members;
  try {
    const res = await client.usergroups.users.list({ usergroup });
    const members = new Set(res.users ?? []);
    groupMembers.set(usergroup, { at: Date.now(), members });
    return members;
  } catch {
    // Cannot confirm membership: refuse rather than allow (the caller tells the user).
    return cached?.members ?? new Set();
  }
}

/** Tests reset the membership cache between cases. */
export function clearPermissionCache(): void {
  groupMembers.clear();
}
