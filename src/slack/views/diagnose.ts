import type { types } from '@slack/bolt';
import { STATUS_ACTIONS } from '../../flows/status/ids';
import type { Diagnosis, ReauthTarget } from '../../handlers/diagnose';

type KnownBlock = types.KnownBlock;
type View = types.ModalView;

/** Block and action ids the listeners read. */
export const DIAGNOSE_MODAL = 'diagnose_modal';
export const DIAGNOSE_ANSWER = 'diagnose_answer';
export const DIAGNOSE_PICK = 'diagnose_pick';
export const FIX_OPEN = 'fix_open';
export const STATUS_REAUTH = STATUS_ACTIONS.reauth;
export const DIAGNOSE_BLOCKS = { crm: 'crm', business: 'business', reason: 'reason', record: 'record' } as const;
export const VALUE = 'value';

const SECTION_MAX = 3000;
const INPUT_MAX = 3000;
const MESSAGE_MAX_BLOCKS = 50;

export function clip(text: string, max = SECTION_MAX): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** Escapes what mrkdwn would read as markup or a mention. */
export function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function section(text: string): KnownBlock {
  return { type: 'section', text: { type: 'mrkdwn', text: clip(text) } };
}

export function plain(text: string, max = 75) {
  return { type: 'plain_text' as const, text: clip(text, max) };
}

export type DiagnoseModalInput = {
  crms: ReadonlyArray<{ id: string; displayName: string }>;
  reasonText?: string;
  logRecord?: string;
  crmId?: string;
  businessNumber?: string;
  /** Small JSON (channel, thread) for the submission. */
  privateMetadata: string;
};

/** The /crm diagnose modal (also opened by the message shortcut). */
export function buildDiagnoseModal(input: DiagnoseModalInput): View {
  const options = input.crms.map((crm) => ({ text: plain(crm.displayName), value: crm.id }));
  const initial = options.find((o) => o.value === input.crmId);
  const text = (value: string | undefined) => (value ? { initial_value: clip(value, INPUT_MAX) } : {});
  return {
    type: 'modal',
    callback_id: DIAGNOSE_MODAL,
    title: plain('Diagnose a contact'),
    submit: plain('Diagnose'),
    close: plain('Cancel'),
    private_metadata: input.privateMetadata,
    blocks: [
      section(
        'Why did this patient not get a review request? Paste the restriction reason; add the CRM or business ID if you know it.',
      ),
      {
        type: 'input',
        block_id: DIAGNOSE_BLOCKS.crm,
        optional: true,
        label: plain('CRM'),
        element: {
          type: 'static_select',
          action_id: VALUE,
          placeholder: plain('Any CRM'),
          options,
          ...(initial ? { initial_option: initial } : {}),
        },
      },
      {
        type: 'input',
        block_id: DIAGNOSE_BLOCKS.business,
        optional: true,
        label: plain('Business ID'),
        hint: plain('The 15-digit Business ID: the bot reads its integration group to learn the CRM.', 150),
        element: { type: 'plain_text_input', action_id: VALUE, ...text(input.businessNumber) },
      },
      {
        type: 'input',
        block_id: DIAGNOSE_BLOCKS.reason,
        optional: true,
        label: plain('Restriction reason'),
        element: {
          type: 'plain_text_input',
          action_id: VALUE,
          multiline: true,
          max_length: INPUT_MAX,
          placeholder: plain('e.g. Appointment status is not on the allowed list'),
          ...text(input.reasonText),
        },
      },
      {
        type: 'input',
        block_id: DIAGNOSE_BLOCKS.record,
        optional: true,
        label: plain('Log record (optional)'),
        hint: plain("The contact's record from Kibana: JSON or key=value lines.", 150),
        element: {
          type: 'plain_text_input',
          action_id: VALUE,
          multiline: true,
          max_length: INPUT_MAX,
          ...text(input.logRecord),
        },
      },
    ],
  };
}

export function buildWorkingModal(title: string, text: string): View {
  return { type: 'modal', title: plain(title, 24), close: plain('Close'), blocks: [section(text)] };
}

/** The answer as a modal (the /crm diagnose submission is updated to it). */
export function buildDiagnosisModal(diagnosis: Diagnosis): View {
  return {
    type: 'modal',
    callback_id: DIAGNOSE_ANSWER,
    title: plain('Diagnosis'),
    close: plain('Done'),
    blocks: diagnosisBlocks(diagnosis),
  };
}

/** The answer as a message (app_mention thread reply). */
export function buildDiagnosisMessage(diagnosis: Diagnosis): { text: string; blocks: KnownBlock[] } {
  return { text: diagnosisText(diagnosis), blocks: diagnosisBlocks(diagnosis).slice(0, MESSAGE_MAX_BLOCKS) };
}

export function diagnosisText(diagnosis: Diagnosis): string {
  switch (diagnosis.kind) {
    case 'match':
      return `${diagnosis.explanation.crm.displayName}: ${diagnosis.explanation.reason.text}`;
    case 'ambiguous':
      return 'That reason matches more than one known reason: pick one.';
    case 'none':
      return 'No known restriction reason matches that text.';
    case 'noGroup':
      return `Business ${diagnosis.businessNumber} has no integration group of a CRM the bot knows.`;
  }
}

export function reauthButton(target: ReauthTarget): types.Button {
  return {
    type: 'button',
    action_id: STATUS_REAUTH,
    text: plain('Re-authorize'),
    value: JSON.stringify(target),
  };
}

export function diagnosisBlocks(diagnosis: Diagnosis): KnownBlock[] {
  switch (diagnosis.kind) {
    case 'noGroup':
      return [
        section(
          `:mag: Business ${diagnosis.businessNumber} has no integration group of a CRM the bot knows, so the bot cannot tell which CRM to look at. Check the Business ID, or choose the CRM instead.`,
        ),
      ];
    case 'none': {
      const where = diagnosis.crm ? ` for ${diagnosis.crm.displayName}` : '';
      const blocks: KnownBlock[] = [
        section(
          `:grey_question: No known restriction reason${where} matches that text. The bot does not guess: check the exact wording in the log, or ask the integrations team.`,
        ),
      ];
      const byCrm = new Map<string, { name: string; texts: string[] }>();
      for (const { crm, reason } of diagnosis.knownReasons) {
        const entry = byCrm.get(crm.id) ?? { name: crm.displayName, texts: [] };
        entry.texts.push(`• ${esc(reason.text)}`);
        byCrm.set(crm.id, entry);
      }
      for (const { name, texts } of byCrm.values()) {
        blocks.push(section(`*Known ${esc(name)} reasons*\n${texts.join('\n')}`));
      }
      return blocks.slice(0, MESSAGE_MAX_BLOCKS);
    }
    case 'ambiguous': {
      const blocks: KnownBlock[] = [
        section(
          `:twisted_rightwards_arrows: That text matches more than one known reason. Which one is it?\n${esc(diagnosis.why)}`,
        ),
      ];
      const read = readingLine(diagnosis);
      if (read) blocks.push(section(read));
      for (const candidate of diagnosis.candidates.slice(0, MESSAGE_MAX_BLOCKS - 3)) {
        blocks.push({
          type: 'section',
          text: { type: 'mrkdwn', text: clip(`*${esc(candidate.crm.displayName)}*: ${esc(candidate.reason.text)}`) },
          accessory: {
            type: 'button',
            action_id: `${DIAGNOSE_PICK}_${candidate.reason.id}`,
            text: plain('This one'),
            value: candidate.value,
          },
        });
      }
      if (diagnosis.reauth) blocks.push({ type: 'actions', elements: [reauthButton(diagnosis.reauth)] });
      return blocks;
    }
    case 'match':
      return matchBlocks(diagnosis);
  }
}

const BUSINESS_FROM = { typed: 'as given', record: 'from the log record', text: 'from the text' } as const;

/** How the bot read the paste: the CRM's source, the business (and where it was found), notes. */
function readingLine(diagnosis: Extract<Diagnosis, { kind: 'match' | 'ambiguous' }>): string | undefined {
  const lines: string[] = [];
  if (diagnosis.kind === 'match' && diagnosis.crmBy) lines.push(`CRM: ${esc(diagnosis.crmBy)}.`);
  if (diagnosis.businessNumber) {
    const from = diagnosis.businessFrom ? ` (${BUSINESS_FROM[diagnosis.businessFrom]})` : '';
    lines.push(`Business ${esc(diagnosis.businessNumber)}${from}.`);
  }
  for (const note of diagnosis.notes) lines.push(esc(note));
  return lines.length > 0 ? `*How the bot read it*\n${lines.map((line) => `• ${line}`).join('\n')}` : undefined;
}

function matchBlocks(diagnosis: Extract<Diagnosis, { kind: 'match' }>): KnownBlock[] {
  const { explanation: e, fix } = diagnosis;
  const read = readingLine(diagnosis);
  const blocks: KnownBlock[] = [
    section(`:stethoscope: *${esc(e.crm.displayName)}*: ${esc(e.reason.text)}`),
    ...(read ? [section(read)] : []),
    section(`*What it means*\n${esc(e.meaning)}`),
    section(`*Log keys to look up*\n${e.logKeys.map((k) => `\`${esc(k)}\``).join(', ')}`),
  ];
  if (e.controlledBy) {
    blocks.push(
      section(
        `*Controlled by*\n${esc(e.controlledBy.label)} (\`${esc(e.controlledBy.property)}\`, ${e.controlledBy.level} level)`,
      ),
    );
  }
  if (e.findings.length > 0) {
    blocks.push(section(`*What the record shows*\n${e.findings.map((f) => `• ${esc(f)}`).join('\n')}`));
  }
  const elements: types.Button[] = [];
  switch (fix.kind) {
    case 'button':
      blocks.push(section(`*Fix*\n${esc(fix.text)}`));
      elements.push({
        type: 'button',
        action_id: FIX_OPEN,
        style: 'primary',
        text: plain(fix.label),
        value: fix.value,
      });
      break;
    case 'manual':
      blocks.push(section(`*Fix (by hand)*\n${esc(fix.text)}`));
      break;
    case 'clinic':
      blocks.push(section(`*Fix (in the clinic's ${esc(e.crm.displayName)})*\n${esc(fix.text)}`));
      break;
  }
  elements.push(reauthButton(diagnosis.reauth));
  blocks.push({ type: 'actions', elements });
  return blocks;
}
