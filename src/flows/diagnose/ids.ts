import { SHARED_FIELDS, VALUE_ACTION } from '../../slack/blocks/ids';

/** The diagnose modal, its answer, and the buttons on a diagnosis. */
export const DIAGNOSE_MODAL = 'diagnose_modal';
export const DIAGNOSE_ANSWER = 'diagnose_answer';
/** Prefix of a candidate reason's button: `diagnose_pick_<reason id>`. */
export const DIAGNOSE_PICK = 'diagnose_pick';
export const FIX_OPEN = 'fix_open';
export const DIAGNOSE_BLOCKS = {
  crm: SHARED_FIELDS.crm,
  business: 'business',
  reason: 'reason',
  record: 'record',
} as const;
/** The action_id of every input element. */
export const VALUE = VALUE_ACTION;

/** The message shortcut declared in manifest.yml (features.shortcuts). */
export const TROUBLESHOOT_CONTACT = 'troubleshoot_contact';

/** The fix modals. */
export const FIX_INPUTS = 'fix_inputs';
export const FIX_CONFIRM = 'fix_confirm';
export const FIX_DONE = 'fix_done';

/** Block ids of the fix modals' inputs (re-auth's credential form reuses some). */
export const FIX_FIELDS = {
  business: DIAGNOSE_BLOCKS.business,
  accountType: SHARED_FIELDS.accountType,
  addValue: 'add_value',
  newValue: 'new_value',
  current: (key: string) => `current:${key}`,
  secret: (key: string) => `secret:${key}`,
} as const;
