import type { types } from '@slack/bolt';
import type { FixField, FixStep, SecretField } from '../../handlers/fix';
import { ACCOUNT_TYPE_LABELS } from './account-types';
import { clip, esc, plain, section, VALUE } from './diagnose';

type KnownBlock = types.KnownBlock;
type View = types.ModalView;

export const FIX_INPUTS = 'fix_inputs';
export const FIX_CONFIRM = 'fix_confirm';
export const FIX_DONE = 'fix_done';

function fieldBlock(field: FixField): KnownBlock {
  switch (field.kind) {
    case 'business':
      return {
        type: 'input',
        block_id: field.blockId,
        label: plain(field.label),
        hint: plain(field.hint, 150),
        element: {
          type: 'plain_text_input',
          action_id: VALUE,
          ...(field.initial ? { initial_value: field.initial } : {}),
        },
      };
    case 'accountType':
      return {
        type: 'input',
        block_id: field.blockId,
        label: plain(field.label),
        element: {
          type: 'static_select',
          action_id: VALUE,
          options: field.options.map((o) => ({ text: plain(ACCOUNT_TYPE_LABELS[o]), value: o })),
        },
      };
    case 'text':
      return {
        type: 'input',
        block_id: field.blockId,
        optional: field.optional,
        label: plain(field.label),
        ...(field.hint ? { hint: plain(field.hint, 150) } : {}),
        element: {
          type: 'plain_text_input',
          action_id: VALUE,
          ...(field.initial ? { initial_value: clip(field.initial, 3000) } : {}),
        },
      };
  }
}

/** A secret input: never prefilled; Slack shows what is typed only to the person typing. */
export function secretBlock(field: SecretField): KnownBlock {
  return {
    type: 'input',
    block_id: field.blockId,
    optional: !field.required,
    label: plain(field.label),
    hint: plain(field.hint, 150),
    element: { type: 'plain_text_input', action_id: VALUE },
  };
}

/** Step 1: what the bot cannot know (business, current values, the value to add or set). */
export function buildFixInputsModal(step: Extract<FixStep, { kind: 'inputs' }>): View {
  const blocks: KnownBlock[] = [section(esc(step.intro))];
  if (step.why) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: clip(esc(step.why)) }] });
  for (const field of step.fields.slice(0, 95)) blocks.push(fieldBlock(field));
  return {
    type: 'modal',
    callback_id: FIX_INPUTS,
    title: plain('Fix'),
    submit: plain('Preview'),
    close: plain('Cancel'),
    private_metadata: step.draftId,
    blocks,
  };
}

/** Step 2: the exact request (secrets masked), secrets to type again, and Send. */
export function buildFixConfirmModal(step: Extract<FixStep, { kind: 'confirm' }>): View {
  const blocks: KnownBlock[] = [
    section(esc(step.summary)),
    section(`*The request* (secrets masked)\n\`\`\`${clip(step.curl, 2900)}\`\`\``),
  ];
  if (step.warnings.length > 0) {
    blocks.push({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: clip(step.warnings.map((w) => `:warning: ${esc(w)}`).join('\n')) }],
    });
  }
  for (const field of step.secretFields) blocks.push(secretBlock(field));
  return {
    type: 'modal',
    callback_id: FIX_CONFIRM,
    title: plain('Confirm fix'),
    submit: plain('Send'),
    close: plain('Cancel'),
    private_metadata: step.draftId,
    blocks,
  };
}

/** Nothing the bot can send: say what to do by hand. */
export function buildFixManualModal(text: string): View {
  return {
    type: 'modal',
    callback_id: FIX_DONE,
    title: plain('Fix by hand'),
    close: plain('Close'),
    blocks: [
      section(`:wrench: ${esc(text)}`),
      { type: 'context', elements: [{ type: 'mrkdwn', text: 'Nothing was sent.' }] },
    ],
  };
}

export function buildFixResultModal(text: string): View {
  return { type: 'modal', callback_id: FIX_DONE, title: plain('Fix'), close: plain('Done'), blocks: [section(text)] };
}
