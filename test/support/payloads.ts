import type { ConfigRecord } from '../../src/operations/config-records';
import { VALUE_ACTION } from '../../src/slack/blocks';

/**
 * Builders for what Slack sends (modal state, view submissions) and walkers for what the bot
 * sends back (buttons, section text), shared by the Slack tests. Ids come from src/flows/<flow>/ids.ts.
 */

// biome-ignore lint/suspicious/noExplicitAny: Block Kit and Slack payloads are arbitrary JSON
export type Json = Record<string, any>;

/** A plain_text_input's state as Slack sends it (null when left empty). */
export function plainInput(value: string | null | undefined): Json {
  return { type: 'plain_text_input', value: value ?? null };
}

/** A static_select's state as Slack sends it (no selection when value is empty). */
export function staticSelect(value: string | null | undefined, text: string = value ?? ''): Json {
  return { type: 'static_select', selected_option: value ? { value, text: { type: 'plain_text', text } } : null };
}

/** One input block's state: `{ [actionId]: element state }` (the bot's inputs use VALUE_ACTION). */
export function field(element: Json, actionId: string = VALUE_ACTION): Json {
  return { [actionId]: element };
}

/** A text input's block state under the common action id. */
export function textField(value: string | null | undefined, actionId: string = VALUE_ACTION): Json {
  return field(plainInput(value), actionId);
}

/** state.values of text inputs: block id → typed text. */
export function textFields(values: Record<string, string | null | undefined>, actionId: string = VALUE_ACTION): Json {
  return Object.fromEntries(Object.entries(values).map(([block, value]) => [block, textField(value, actionId)]));
}

/** A view_submission payload for sendViewSubmission. */
export function submission(
  callbackId: string,
  values: Json,
  view: { id?: string; private_metadata?: string } = {},
): { view: Json } {
  return { view: { ...view, callback_id: callbackId, state: { values } } };
}

/** Buttons in actions blocks. */
export function actionButtons(blocks: Json[]): Json[] {
  return blocks.flatMap((b) => (b.type === 'actions' ? (b.elements as Json[]) : []));
}

/** Buttons in actions blocks and section accessories. */
export function buttons(blocks: Json[]): Json[] {
  return blocks.flatMap((b) => (b.type === 'actions' ? b.elements : b.accessory ? [b.accessory] : []));
}

/** The mrkdwn of every section, as a person reads it. */
export function sectionText(blocks: Json[]): string {
  return blocks.map((b) => b.text?.text ?? '').join('\n');
}

/** A configuration record as setup saves it; the fields a test cares about given. */
export function configRecord(
  partial: Partial<ConfigRecord> & Pick<ConfigRecord, 'businessNumber' | 'crmId' | 'groupId'>,
): ConfigRecord {
  return {
    accountType: 'smb',
    groupProperties: {},
    locationProperties: {},
    secretKeysSet: [],
    updatedBy: 'U_SETUP',
    updatedAt: '2025-01-01T00:00:00.000Z',
    ...partial,
  };
}
