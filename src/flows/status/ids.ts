/** The next-action buttons on a status message; other flows register listeners for these ids. */
export const STATUS_ACTIONS = {
  addLocation: 'status_add_location',
  updateTriggers: 'status_update_triggers',
  diagnose: 'status_diagnose',
  reauth: 'status_reauth',
} as const;

/** Block ids of one group on a status message (the group ID is appended). */
export const STATUS_BLOCKS = {
  groupPrefix: 'status_group_',
  actionsPrefix: 'status_actions_',
} as const;

export const statusGroupBlockId = (groupId: number): string => `${STATUS_BLOCKS.groupPrefix}${groupId}`;
export const statusActionsBlockId = (groupId: number): string => `${STATUS_BLOCKS.actionsPrefix}${groupId}`;

/** What every status button carries in `value` (JSON); the flows behind the buttons parse it. */
export interface StatusActionValue {
  businessNumber: string;
  crmId: string;
  groupId: number;
}

/** The parts of a status button's value that are there and well-formed; anything else is ignored. */
export function parseStatusActionValue(value: string | undefined): Partial<StatusActionValue> {
  try {
    const parsed = JSON.parse(value ?? '{}') as Record<string, unknown>;
    return {
      ...(typeof parsed.businessNumber === 'string' || typeof parsed.businessNumber === 'number'
        ? { businessNumber: String(parsed.businessNumber) }
        : {}),
      ...(typeof parsed.crmId === 'string' ? { crmId: parsed.crmId } : {}),
      ...(typeof parsed.groupId === 'number' ? { groupId: parsed.groupId } : {}),
    };
  } catch {
    return {};
  }
}
