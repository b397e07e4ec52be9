import type { App } from '@slack/bolt';
import type { Config } from '../config';
import { ForbiddenError } from '../errors';

type SlackClient = App['client'];

const MEMBERS_CACHE_MS = 5 * 60_000;
const groupMembers = new Map<string, { at: number; members: Set<string> }>();

/**
 * Reads are open to everyone; writes need ALLOWED_USER_IDS or membership of an
 * ALLOWED_USERGROUP_IDS group. With neither set, everyone may write (README says so).
 */
export async function assertCanWrite(config: Config, client: SlackClient, userId: string): Promise<void> {
  const users = config.ALLOWED_USER_IDS;
  const groups = config.ALLOWED_USERGROUP_IDS;
  if (users.length === 0 && groups.length === 0) return;
  if (users.includes(userId)) return;
  for (const group of groups) {
    if ((await membersOf(client, group)).has(userId)) return;
  }
  const who = [...groups.map((g) => `<!subteam^${g}>`), ...users.slice(0, 3).map((u) => `<@${u}>`)].join(', ');
  throw new ForbiddenError(
    'forbidden',
    `You can read everything here, but changing integrations is limited to ${who || 'the bot owners'}. Ask one of them to run it, or to add you.`,
  );
}

async function membersOf(client: SlackClient, usergroup: string): Promise<Set<string>> {
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
