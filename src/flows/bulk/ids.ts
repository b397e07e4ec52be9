import { VALUE_ACTION } from '../../slack/blocks/ids';

export const BULK_MODAL = 'bulk_modal';
export const BULK_BLOCKS = {
  crm: 'bulk_crm',
  group: 'bulk_group',
  table: 'bulk_table',
  file: 'bulk_file',
} as const;
/** Blocks that are not inputs. */
export const BULK_LAYOUT_BLOCKS = {
  template: 'bulk_template',
  dryRun: 'bulk_dry_run',
  progress: 'bulk_progress',
} as const;
export const BULK_ACTIONS = {
  value: VALUE_ACTION,
  template: 'bulk_download_template',
  confirm: 'bulk_confirm',
  discard: 'bulk_discard',
  cancel: 'bulk_cancel',
  resume: 'bulk_resume',
  retryFailed: 'bulk_retry_failed',
} as const;
