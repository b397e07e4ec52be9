/** Ids more than one flow's views use, spelled once; each flow's own ids are in src/flows/<flow>/ids.ts. */

/** The action_id of the one element of an input block; the block_id says which field it is. */
export const VALUE_ACTION = 'value';

/** Block ids of the inputs several modals ask for the same way (setup and the fix form: the CRM, the account type). */
export const SHARED_FIELDS = {
  crm: 'crm',
  accountType: 'account_type',
} as const;
