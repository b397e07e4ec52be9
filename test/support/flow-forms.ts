import { BULK_ACTIONS, BULK_BLOCKS } from '../../src/flows/bulk/ids';
import { BLOCK, SETUP_ACTION, SETUP_CALLBACK } from '../../src/flows/setup/ids';

// biome-ignore lint/suspicious/noExplicitAny: view state JSON as Slack sends it
type Json = Record<string, any>;

interface SetupCrmStep {
  crmId: string;
  accountType: 'smb' | 'enterprise';
  parent: string;
  /** Trigger option values to tick. */
  triggers: string[];
}

/** The view_submission of one step of the setup modal (its callback id) with these block states. */
export function setupStep(viewId: string, metadata: string, callbackId: string, values: Json): { view: Json } {
  return { view: { id: viewId, callback_id: callbackId, private_metadata: metadata, state: { values } } };
}

/** The view_submission of the setup modal's first step (CRM, account type, parent business, triggers). */
export function setupCrmStep(viewId: string, metadata: string, input: SetupCrmStep): { view: Json } {
  return setupStep(viewId, metadata, SETUP_CALLBACK.crm, setupCrmStepValues(input));
}

/**
 * Block states of the setup modal's inputs as Slack sends them: `{ value: element state }`, the CRM
 * select under its own action id (it re-renders the step when changed).
 */
export const setupInputs = {
  text: (value: string): Json => ({ value: { type: 'plain_text_input', value } }),
  radio: (value: string): Json => ({ value: { type: 'radio_buttons', selected_option: { value } } }),
  checks: (values: string[]): Json => ({
    value: { type: 'checkboxes', selected_options: values.map((value) => ({ value })) },
  }),
  crm: (crmId: string): Json => ({
    [SETUP_ACTION.crmSelect]: { type: 'static_select', selected_option: { value: crmId } },
  }),
};

function setupCrmStepValues(input: SetupCrmStep): Json {
  return {
    [BLOCK.crm]: setupInputs.crm(input.crmId),
    [BLOCK.accountType]: setupInputs.radio(input.accountType),
    [BLOCK.parent]: setupInputs.text(input.parent),
    [BLOCK.triggers]: setupInputs.checks(input.triggers),
  };
}

/**
 * `state.values` of the bulk modal with a pasted table or an uploaded CSV file (its id; then nothing is
 * pasted, as Slack sends an empty text input: null). Group ID empty: the bot finds the CRM's group.
 */
export function bulkModalValues(input: { crmId: string; table?: string; fileId?: string; groupId?: string }): Json {
  const files = input.fileId ? [{ id: input.fileId, name: 'locations.csv', filetype: 'csv' }] : [];
  return {
    [BULK_BLOCKS.crm]: {
      [BULK_ACTIONS.value]: { type: 'static_select', selected_option: { value: input.crmId } },
    },
    [BULK_BLOCKS.group]: { [BULK_ACTIONS.value]: { type: 'plain_text_input', value: input.groupId ?? '' } },
    [BULK_BLOCKS.table]: { [BULK_ACTIONS.value]: { type: 'plain_text_input', value: input.table ?? null } },
    [BULK_BLOCKS.file]: { [BULK_ACTIONS.value]: { type: 'file_input', files } },
  };
}

/** files.info's `file` for an uploaded locations.csv: where Slack serves it (view and download URLs). */
export function csvFileInfo(fileId: string, urls: { view: string; download: string }, extra: Json = {}): Json {
  return {
    id: fileId,
    name: 'locations.csv',
    filetype: 'csv',
    mimetype: 'text/csv',
    url_private: urls.view,
    url_private_download: urls.download,
    ...extra,
  };
}
