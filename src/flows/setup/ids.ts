import { SHARED_FIELDS, VALUE_ACTION } from '../../slack/blocks/ids';

/**
 * Callback, block and action ids of the setup, add-location and trigger-update modals, shared by
 * the pure view builders, the service that reads answers back, and the tests.
 */

export const SETUP_CALLBACK = {
  crm: 'setup_crm',
  group: 'setup_group',
  locations: 'setup_locations',
  review: 'setup_review',
  working: 'setup_working',
  addLocation: 'setup_addloc',
  triggers: 'setup_triggers',
} as const;

export const SETUP_ACTION = {
  crmSelect: 'setup_crm_select',
  addLocation: 'setup_add_location',
  removeLocation: 'setup_remove_location',
  back: 'setup_back',
  useExisting: 'setup_use_existing',
  retryMapping: 'setup_retry_mapping',
  replaceTriggers: 'setup_triggers_replace',
  /** External selects: `setup_lookup` (the property is in the block id). */
  lookup: 'setup_lookup',
} as const;

/** The action_id of every input element. */
export const VALUE = VALUE_ACTION;

/** Blocks that are not inputs. */
export const SETUP_BLOCKS = {
  existingGroup: 'existing_group',
  nav: 'nav',
  replace: 'replace',
} as const;

export const BLOCK = {
  crm: SHARED_FIELDS.crm,
  accountType: SHARED_FIELDS.accountType,
  parent: 'parent',
  triggers: 'triggers',
  group: (key: string) => `grp|${key}`,
  location: (uid: string, field: string) => `loc|${uid}|${field}`,
  pick: (uid: string, key: string) => `loc|${uid}|${key}|pick`,
} as const;

/** Splits a location block id into its parts; undefined for other blocks. */
export function parseLocationBlock(blockId: string): { uid: string; field: string; pick: boolean } | undefined {
  const parts = blockId.split('|');
  if (parts[0] !== 'loc' || parts.length < 3) return undefined;
  const pick = parts.at(-1) === 'pick' && parts.length === 4;
  return { uid: parts[1] ?? '', field: parts[2] ?? '', pick };
}

/** Option value of a "the lookup failed" entry: chosen, it means nothing. */
export const LOOKUP_FAILED_VALUE = '__lookup_failed__';
