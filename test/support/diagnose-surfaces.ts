import {
  DIAGNOSE_ANSWER,
  DIAGNOSE_BLOCKS,
  DIAGNOSE_MODAL,
  DIAGNOSE_PICK,
  TROUBLESHOOT_CONTACT,
} from '../../src/flows/diagnose/ids';
import { field, type Json, staticSelect, submission, textField } from './payloads';
import { TEST_CHANNEL, type TestBot } from './slack-harness';

/**
 * Drives a diagnosis through each surface the way Slack does, with signed requests:
 * `/crm diagnose <text>` (modal opened prefilled, then submitted as prefilled), an @mention
 * (answer posted in the thread), and the "Troubleshoot contact" message shortcut (modal
 * prefilled from the message, forwarded content in attachments, then submitted).
 */

export type Surface = 'command' | 'mention' | 'shortcut';
export const SURFACES: readonly Surface[] = ['command', 'mention', 'shortcut'];

/** What a person sends. `forwarded`: the content arrives as a forwarded message (attachments), or quoted. */
export type Sent = { text: string; forwarded?: boolean };

export type Answer = {
  /** Everything the answer shows, as one string. */
  text: string;
  blocks: Json[];
  /** "CRM: reason" from the answer's first line, when it answered. */
  header?: string;
  /** action_ids of the "This one" buttons, when it asked. */
  picks: string[];
  /** The modal as the surface prefilled it (command and shortcut). */
  prefilled?: { reason?: string; record?: string; business?: string };
};

export type DiagnoseFields = { crm?: string; business?: string; reason?: string; record?: string };

/** The diagnose modal submitted with these fields (empty ones left empty). */
export function diagnoseSubmission(values: DiagnoseFields, view: { id?: string; private_metadata?: string } = {}) {
  return submission(
    DIAGNOSE_MODAL,
    {
      [DIAGNOSE_BLOCKS.crm]: field(staticSelect(values.crm)),
      [DIAGNOSE_BLOCKS.business]: textField(values.business),
      [DIAGNOSE_BLOCKS.reason]: textField(values.reason),
      [DIAGNOSE_BLOCKS.record]: textField(values.record),
    },
    view,
  );
}

/** Slack escapes these three in message and command text. */
export function slackEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

let sequence = 0;
/** Generous: the suite runs beside others on a loaded 2-core machine; an answer normally comes in milliseconds. */
const WAIT_MS = 10_000;

export async function diagnoseVia(bot: TestBot, surface: Surface, sent: Sent): Promise<Answer> {
  bot.slack.reset();
  sequence += 1;
  const ts = `1700001${String(sequence).padStart(3, '0')}.000100`;
  if (surface === 'mention') {
    const body = sent.forwarded
      ? `<@U0BOT> can you look at this one?\n${slackEscape(sent.text)
          .split('\n')
          .map((line) => `&gt; ${line}`)
          .join('\n')}`
      : `<@U0BOT> ${slackEscape(sent.text)}`;
    const res = await bot.sendEvent({ type: 'app_mention', user: 'U_ALICE', text: body, ts, channel: 'C_SUPPORT' });
    if (res.status !== 200) throw new Error(`mention: HTTP ${res.status}`);
    const call = await bot.slack.waitFor('chat.postMessage', (c) => c.body.thread_ts === ts, WAIT_MS);
    return answerOf(call.body.blocks as Json[]);
  }
  if (surface === 'command') {
    const text = sent.forwarded ? `fwd from the clinic: ${sent.text}` : sent.text;
    const res = await bot.sendCommand(`diagnose ${slackEscape(text)}`);
    if (res.status !== 200) throw new Error(`command: HTTP ${res.status}`);
  } else {
    const message = sent.forwarded
      ? {
          type: 'message',
          user: 'U_OTHER',
          ts,
          text: '',
          attachments: [{ fallback: `[forwarded] ${slackEscape(sent.text)}`, text: slackEscape(sent.text) }],
        }
      : { type: 'message', user: 'U_OTHER', ts, text: slackEscape(sent.text) };
    const res = await bot.sendShortcut({ callback_id: TROUBLESHOOT_CONTACT, message });
    if (res.status !== 200) throw new Error(`shortcut: HTTP ${res.status}`);
  }
  const opened = await bot.slack.waitFor('views.open', (c) => c.body.view.callback_id === DIAGNOSE_MODAL, WAIT_MS);
  const view = opened.body.view as Json;
  const initial = (id: string): string | undefined =>
    view.blocks.find((b: Json) => b.block_id === id)?.element?.initial_value ?? undefined;
  const crm = view.blocks.find((b: Json) => b.block_id === DIAGNOSE_BLOCKS.crm)?.element?.initial_option?.value as
    | string
    | undefined;
  const prefilled = {
    ...(initial(DIAGNOSE_BLOCKS.reason) !== undefined ? { reason: initial(DIAGNOSE_BLOCKS.reason) } : {}),
    ...(initial(DIAGNOSE_BLOCKS.record) !== undefined ? { record: initial(DIAGNOSE_BLOCKS.record) } : {}),
    ...(initial(DIAGNOSE_BLOCKS.business) !== undefined ? { business: initial(DIAGNOSE_BLOCKS.business) } : {}),
  };
  // The person presses Diagnose without changing anything.
  const submitted = await bot.sendViewSubmission(
    diagnoseSubmission(
      { ...prefilled, ...(crm ? { crm } : {}) },
      { id: `V_DIAG_${sequence}`, private_metadata: view.private_metadata ?? JSON.stringify({ c: TEST_CHANNEL }) },
    ),
  );
  if (submitted.status !== 200) throw new Error(`${surface}: submission HTTP ${submitted.status}`);
  const ack = submitted.json() as Json;
  if (ack.response_action === 'errors') throw new Error(`${surface}: modal errors ${JSON.stringify(ack.errors)}`);
  const answer = await bot.slack.waitFor(
    'views.update',
    (c) => c.body.view_id === `V_DIAG_${sequence}` && c.body.view.callback_id === DIAGNOSE_ANSWER,
    WAIT_MS,
  );
  return { ...answerOf(answer.body.view.blocks as Json[]), prefilled };
}

function answerOf(blocks: Json[]): Answer {
  const text = JSON.stringify(blocks);
  const first = blocks[0]?.text?.text as string | undefined;
  const header = first?.startsWith(':stethoscope: ')
    ? first.slice(':stethoscope: '.length).replace(/\*/g, '')
    : undefined;
  const picks = blocks
    .map((b) => b.accessory?.action_id as string | undefined)
    .filter((id): id is string => id?.startsWith(`${DIAGNOSE_PICK}_`) === true)
    .map((id) => id.slice(`${DIAGNOSE_PICK}_`.length));
  return { text, blocks, ...(header ? { header } : {}), picks };
}
