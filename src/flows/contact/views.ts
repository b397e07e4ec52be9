import { userMessage } from '../../errors';
import { type ContactQuery, describeIdentity } from '../../logsearch/identity';
import { maskIdentity } from '../../logsearch/mask';
import {
  type Button,
  context,
  escapeMrkdwn as esc,
  type KnownBlock,
  LIMITS,
  type ModalView,
  plain,
  type SlackMessage,
  section,
  truncate,
  utcMinute,
} from '../../slack/blocks';
import { FIX_OPEN } from '../diagnose/ids';
import type { Diagnosis } from '../diagnose/service';
import { CONTACT_MODAL } from './ids';
import type { CheckIn, ContactAnswer, Searched } from './service';

export type ContactMessage = SlackMessage;

export const SEARCHING = ':mag: Searching the logs…';

/** The paste path, offered whenever the search cannot answer. */
export function pasteFallback(searched?: Pick<Searched, 'index' | 'fields'>): string {
  const where = searched
    ? ` (Kibana, ${esc(searched.index)}, field ${searched.fields.map((f) => `\`${esc(f)}\``).join(' or ')})`
    : ' from Kibana';
  return `You can still paste the contact's record${where} into \`/crm diagnose\` and the bot explains it.`;
}

function windowText(searched: Searched): string {
  return `the last ${searched.days} day${searched.days === 1 ? '' : 's'}`;
}

function contactLine(checkIn: CheckIn): string | undefined {
  const { name, email, phone, customerId } = checkIn.contact;
  const parts = [name, email, phone, customerId ? `customer ${customerId}` : undefined].filter(Boolean) as string[];
  return parts.length ? parts.map(esc).join(' · ') : undefined;
}

function diagnosisLines(diagnosis: Diagnosis | undefined): { text?: string; button?: Button } {
  if (!diagnosis) return {};
  switch (diagnosis.kind) {
    case 'match': {
      const { explanation: e, fix } = diagnosis;
      const lines = [`*Why:* ${esc(e.meaning)}`];
      for (const finding of e.findings) lines.push(`• ${esc(finding)}`);
      if (fix.kind === 'button') {
        lines.push(`*Fix:* ${esc(fix.text)}`);
        return {
          text: lines.join('\n'),
          button: { type: 'button', action_id: FIX_OPEN, style: 'primary', text: plain(fix.label), value: fix.value },
        };
      }
      lines.push(
        fix.kind === 'clinic'
          ? `*Fix (in the clinic's ${esc(e.crm.displayName)}):* ${esc(fix.text)}`
          : `*Fix (by hand):* ${esc(fix.text)}`,
      );
      return { text: lines.join('\n') };
    }
    case 'ambiguous':
      return { text: 'The reason matches more than one known reason: run `/crm diagnose` with the CRM to pick one.' };
    case 'none':
      return {
        text: 'This is not a restriction reason the bot knows, so it cannot explain it: ask the integrations team.',
      };
    case 'noGroup':
      return {};
  }
}

function checkInBlocks(checkIn: CheckIn): KnownBlock[] {
  const head = [
    `*${esc(utcMinute(checkIn.at))}*`,
    checkIn.businessNumber ? `business ${esc(checkIn.businessNumber)}` : 'business not recorded',
    checkIn.crmName ? esc(checkIn.crmName) : 'CRM not recorded',
  ].join(' · ');
  const outcome = checkIn.restriction
    ? `:no_entry: *Restricted:* ${esc(checkIn.restriction)}`
    : ':white_check_mark: *Not restricted:* the record shows no restriction reason, so the review request was allowed.';
  const lines = [head, outcome];
  const who = contactLine(checkIn);
  if (who) lines.push(`Contact: ${who}`);
  if (checkIn.logValues.length > 0) {
    lines.push(checkIn.logValues.map(({ key, value }) => `\`${esc(key)}\` = ${esc(truncate(value, 200))}`).join(' · '));
  }
  const blocks: KnownBlock[] = [section(lines.join('\n'))];
  const { text, button } = diagnosisLines(checkIn.diagnosis);
  if (text) blocks.push(section(text));
  if (button) blocks.push({ type: 'actions', elements: [button] });
  blocks.push(context(`Found in ${esc(checkIn.index)} · record time ${esc(checkIn.at ?? 'not recorded')}`));
  return blocks;
}

/** The full answer, for the person who asked only (ephemeral message or modal). */
export function contactAnswerBlocks(answer: ContactAnswer, maxBlocks: number = LIMITS.messageBlocks): KnownBlock[] {
  const who = esc(describeIdentity(answer.query.identity));
  const business = answer.searched.businessNumber ? ` at business ${esc(answer.searched.businessNumber)}` : '';
  if (answer.kind === 'none') {
    return [
      section(
        `:grey_question: No check-ins found for *${who}*${business} in ${windowText(answer.searched)}.\n` +
          `Searched index \`${esc(answer.searched.index)}\`, field${answer.searched.fields.length > 1 ? 's' : ''} ${answer.searched.fields.map((f) => `\`${esc(f)}\``).join(', ')}, from now back ${answer.searched.days} days.`,
      ),
      context(
        `The contact may not have checked in within that window, or the documents name the field differently (the bot owners map names in LOG_SEARCH_FIELDS). ${pasteFallback(answer.searched)}`,
      ),
    ];
  }
  const count = answer.checkIns.length;
  const blocks: KnownBlock[] = [
    section(
      `:mag: *${count} check-in${count === 1 ? '' : 's'}* for *${who}*${business} in ${windowText(answer.searched)}, newest first.`,
    ),
  ];
  for (const checkIn of answer.checkIns) {
    const next = checkInBlocks(checkIn);
    if (blocks.length + next.length > maxBlocks - 1) break;
    blocks.push(...next);
  }
  const shown = blocks.filter((b) => b.type === 'context').length;
  const notes = ['Only you can see this: it holds patient data.'];
  if (shown < count) notes.push(`${count - shown} older check-in(s) not shown.`);
  if (answer.partial)
    notes.push('The log store answered before searching everything (it timed out), so older records may be missing.');
  blocks.push(context(notes.join(' ')));
  return blocks;
}

function answerText(answer: ContactAnswer): string {
  const who = describeIdentity(answer.query.identity);
  if (answer.kind === 'none') return `No check-ins found for ${who} in the last ${answer.searched.days} days.`;
  const latest = answer.checkIns[0];
  const outcome = latest?.restriction ? `restricted: ${latest.restriction}` : 'not restricted';
  return `${answer.checkIns.length} check-in(s) for ${who}; the latest was ${outcome}.`;
}

export function buildContactMessage(answer: ContactAnswer): ContactMessage {
  return { text: answerText(answer), blocks: contactAnswerBlocks(answer) };
}

export function buildContactModal(answer: ContactAnswer): ModalView {
  return {
    type: 'modal',
    callback_id: CONTACT_MODAL,
    title: plain('Contact check-ins', 24),
    close: plain('Done'),
    blocks: contactAnswerBlocks(answer, LIMITS.viewBlocks),
  };
}

export function buildContactWorkingModal(text = SEARCHING): ModalView {
  return {
    type: 'modal',
    callback_id: CONTACT_MODAL,
    title: plain('Contact check-ins', 24),
    close: plain('Close'),
    blocks: [section(text)],
  };
}

/** A fault, refusal or bad input, in words, with the paste path. */
export function contactProblemText(err: unknown): string {
  return `:warning: ${userMessage(err)}`;
}

export function buildContactProblemMessage(err: unknown, withFallback: boolean): ContactMessage {
  const text = contactProblemText(err);
  const blocks: KnownBlock[] = [section(text)];
  if (withFallback) blocks.push(context(pasteFallback()));
  return { text: userMessage(err), blocks };
}

/**
 * What may be posted where others read it (a mention's thread): masked identity, counts and the
 * reason texts (which are the CRM's words, not patient data), and a pointer to the private answer.
 */
export function buildMaskedSummary(answer: ContactAnswer, userId: string): ContactMessage {
  const who = maskIdentity(answer.query.identity);
  const text =
    answer.kind === 'none'
      ? `:mag: No check-ins found for ${who} in the last ${answer.searched.days} days. <@${userId}>, the details are in a message only you can see.`
      : (() => {
          const latest = answer.checkIns[0];
          const outcome = latest?.restriction ? `restricted: ${esc(latest.restriction)}` : 'not restricted';
          const where = [latest?.crmName, latest ? utcMinute(latest.at) : undefined].filter(Boolean).join(', ');
          return `:mag: ${answer.checkIns.length} check-in(s) found for ${who}; the latest (${esc(where)}) was ${outcome}. <@${userId}>, the full timeline is in a message only you can see.`;
        })();
  return { text, blocks: [section(text)] };
}

export function searchingMessage(query: ContactQuery): ContactMessage {
  return { text: SEARCHING, blocks: [section(`${SEARCHING} (${esc(describeIdentity(query.identity))})`)] };
}
