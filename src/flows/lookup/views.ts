import type { InputBlock, KnownBlock, ModalView } from '../../slack/blocks';
import { context, escapeMrkdwn, LIMITS, section, truncate } from '../../slack/blocks';
import { INPUT_ACTION_ID, inputBlockId, LOOKUP_AGAIN, LOOKUP_MODAL, LOOKUP_RESULT_ACTIONS } from './ids';
import type { LookupResult, LookupSpec } from './service';

/** Shown at most; the rest are counted. */
export const MAX_LOOKUP_RESULTS = 100;

/** What the modal carries between open and submit: names only, never an input value. */
export interface LookupMetadata {
  lookup: string;
  crm: string;
  channel?: string;
}

/** The form asking for what the lookup needs. Secrets are typed here, never in the command text. */
export function buildLookupModal(spec: LookupSpec, meta: LookupMetadata): ModalView {
  const blocks: KnownBlock[] = [
    section(`Finds ${escapeMrkdwn(spec.label.toLowerCase())} for *${escapeMrkdwn(spec.fills)}*.`),
  ];
  if (spec.inputs.some((i) => i.secret)) {
    blocks.push(context(':lock: Credentials typed here are used for this lookup only: not stored, logged or shown.'));
  }
  spec.inputs.forEach((input, index) => {
    blocks.push({
      type: 'input',
      block_id: inputBlockId(index),
      label: { type: 'plain_text' as const, text: truncate(input.label, 2000) },
      hint: { type: 'plain_text' as const, text: truncate(input.help, 2000) },
      optional: !input.required,
      element: inputElement(input),
    });
  });
  return {
    type: 'modal',
    callback_id: LOOKUP_MODAL,
    title: plain(truncate(`${spec.crmName} lookup`, LIMITS.title)),
    submit: plain('Look up'),
    close: plain('Cancel'),
    private_metadata: JSON.stringify(meta),
    blocks,
  };
}

/** A yes/no choice for a boolean input; otherwise a text field, with an example for the formats that have one. */
function inputElement(input: LookupSpec['inputs'][number]): InputBlock['element'] {
  if (input.kind === 'boolean') {
    const options = [
      { text: { type: 'plain_text' as const, text: 'Yes' }, value: 'true' },
      { text: { type: 'plain_text' as const, text: 'No' }, value: 'false' },
    ];
    const initial = options.find((o) => o.value === (input.default ?? 'false'));
    return {
      type: 'static_select',
      action_id: INPUT_ACTION_ID,
      options,
      ...(initial ? { initial_option: initial } : {}),
    };
  }
  return {
    type: 'plain_text_input',
    action_id: INPUT_ACTION_ID,
    ...(input.kind === 'uuid'
      ? { placeholder: { type: 'plain_text' as const, text: '00000000-0000-4000-8000-000000000000' } }
      : input.kind === 'customerDomain'
        ? { placeholder: { type: 'plain_text' as const, text: 'partners.sb or https://partners.sb.carestack.com' } }
        : {}),
  };
}

/** Shown while the lookup runs (the submission is acked with it). */
export function buildLookupWorkingView(spec: LookupSpec): ModalView {
  return {
    type: 'modal',
    callback_id: `${LOOKUP_MODAL}_working`,
    title: plain(truncate(`${spec.crmName} lookup`, LIMITS.title)),
    close: plain('Close'),
    blocks: [section(`:hourglass_flowing_sand: Looking up ${escapeMrkdwn(spec.label.toLowerCase())}…`)],
  };
}

/** Results (value + label, at most 100, with a count of the rest) or the failure in words. */
export function buildLookupResultView(result: LookupResult, meta: LookupMetadata): ModalView {
  const { spec } = result;
  const blocks: KnownBlock[] = [];
  if (!result.ok) {
    blocks.push(section(`:warning: ${escapeMrkdwn(result.message)}`));
  } else if (result.options.length === 0) {
    blocks.push(section(`${escapeMrkdwn(spec.label)}: nothing found for these details.`));
  } else {
    const shown = result.options.slice(0, MAX_LOOKUP_RESULTS);
    blocks.push(
      section(
        `*${escapeMrkdwn(spec.label)}*: ${result.options.length} found. Use the value (left) for *${escapeMrkdwn(spec.fills)}*.`,
      ),
    );
    blocks.push(...chunkLines(shown.map((o) => resultLine(o.value, o.label))));
    if (result.options.length > shown.length) {
      blocks.push(context(`…and ${result.options.length - shown.length} more not shown.`));
    }
  }
  blocks.push({
    type: 'actions',
    block_id: LOOKUP_RESULT_ACTIONS,
    elements: [{ type: 'button', action_id: LOOKUP_AGAIN, text: plain('Look up again'), value: JSON.stringify(meta) }],
  });
  return {
    type: 'modal',
    callback_id: `${LOOKUP_MODAL}_result`,
    title: plain(truncate(`${spec.crmName} lookup`, LIMITS.title)),
    close: plain('Close'),
    blocks: blocks.slice(0, LIMITS.viewBlocks),
  };
}

/** Plain-text summary of a result, for an ephemeral message or a notification. */
export function lookupResultText(result: LookupResult): string {
  if (!result.ok) return result.message;
  const count = result.options.length;
  return `${result.spec.label}: ${count} found`;
}

function resultLine(value: string, label: string): string {
  const name = label.startsWith(`${value} — `) ? label.slice(value.length + 3) : label;
  const text = name === value ? `\`${escapeMrkdwn(value)}\`` : `\`${escapeMrkdwn(value)}\` — ${escapeMrkdwn(name)}`;
  return `• ${truncate(text, 200)}`;
}

/** Lines into as few sections as fit 3000 characters each. */
function chunkLines(lines: string[]): KnownBlock[] {
  const blocks: KnownBlock[] = [];
  let current = '';
  for (const line of lines) {
    if (current && current.length + 1 + line.length > LIMITS.sectionText) {
      blocks.push(section(current));
      current = '';
    }
    current = current ? `${current}\n${line}` : line;
  }
  if (current) blocks.push(section(current));
  return blocks;
}

function plain(text: string) {
  return { type: 'plain_text' as const, text };
}
