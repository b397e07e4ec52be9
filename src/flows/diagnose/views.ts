import { ACCOUNT_TYPE_NAMES } from '../../catalog';
import type { Button, KnownBlock, ModalView } from '../../slack/blocks';
import { escapeMrkdwn, LIMITS, plain, section, truncate } from '../../slack/blocks';
import { STATUS_ACTIONS } from '../status/ids';
import type { FixField, FixStep, MappingConfirm, SecretField } from './fix';
import {
  DIAGNOSE_ANSWER,
  DIAGNOSE_BLOCKS,
  DIAGNOSE_MODAL,
  DIAGNOSE_PICK,
  FIX_CONFIRM,
  FIX_DONE,
  FIX_INPUTS,
  FIX_OPEN,
  VALUE,
} from './ids';
import { type Diagnosis, MODAL_INPUT_MAX, type ReauthTarget, shownInModal } from './service';

const INPUT_MAX = MODAL_INPUT_MAX;
const MESSAGE_MAX_BLOCKS = 50;

export type DiagnoseModalInput = {
  crms: ReadonlyArray<{ id: string; displayName: string }>;
  reasonText?: string;
  logRecord?: string;
  crmId?: string;
  businessNumber?: string;
  /** Small JSON (channel, thread) for the submission. */
  privateMetadata: string;
  /** The paste was longer than the inputs allow and the bot kept the whole of it. */
  longPaste?: boolean;
};

/** The /crm diagnose modal (also opened by the message shortcut). */
export function buildDiagnoseModal(input: DiagnoseModalInput): ModalView {
  const options = input.crms.map((crm) => ({ text: plain(crm.displayName), value: crm.id }));
  const initial = options.find((o) => o.value === input.crmId);
  const text = (value: string | undefined) => (value ? { initial_value: shownInModal(value) } : {});
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
        hint: plain(
          input.longPaste
            ? 'Longer than Slack shows: the bot diagnoses the whole paste. Edit this box to use only what it shows.'
            : "The contact's record from Kibana: JSON or key=value lines.",
          150,
        ),
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

export function buildWorkingModal(title: string, text: string): ModalView {
  return { type: 'modal', title: plain(title, 24), close: plain('Close'), blocks: [section(text)] };
}

/** The answer as a modal (the /crm diagnose submission is updated to it). */
export function buildDiagnosisModal(diagnosis: Diagnosis): ModalView {
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

export function reauthButton(target: ReauthTarget): Button {
  return {
    type: 'button',
    action_id: STATUS_ACTIONS.reauth,
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
        entry.texts.push(`• ${escapeMrkdwn(reason.text)}`);
        byCrm.set(crm.id, entry);
      }
      for (const { name, texts } of byCrm.values()) {
        blocks.push(section(`*Known ${escapeMrkdwn(name)} reasons*\n${texts.join('\n')}`));
      }
      return blocks.slice(0, MESSAGE_MAX_BLOCKS);
    }
    case 'ambiguous': {
      const blocks: KnownBlock[] = [
        section(
          `:twisted_rightwards_arrows: That text matches more than one known reason. Which one is it?\n${escapeMrkdwn(diagnosis.why)}`,
        ),
      ];
      const read = readingLine(diagnosis);
      if (read) blocks.push(section(read));
      for (const candidate of diagnosis.candidates.slice(0, MESSAGE_MAX_BLOCKS - 3)) {
        blocks.push({
          type: 'section',
          text: {
            type: 'mrkdwn',
            text: truncate(
              `*${escapeMrkdwn(candidate.crm.displayName)}*: ${escapeMrkdwn(candidate.reason.text)}`,
              LIMITS.sectionText,
            ),
          },
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
  if (diagnosis.kind === 'match' && diagnosis.crmBy) lines.push(`CRM: ${escapeMrkdwn(diagnosis.crmBy)}.`);
  if (diagnosis.businessNumber) {
    const from = diagnosis.businessFrom ? ` (${BUSINESS_FROM[diagnosis.businessFrom]})` : '';
    lines.push(`Business ${escapeMrkdwn(diagnosis.businessNumber)}${from}.`);
  }
  for (const note of diagnosis.notes) lines.push(escapeMrkdwn(note));
  return lines.length > 0 ? `*How the bot read it*\n${lines.map((line) => `• ${line}`).join('\n')}` : undefined;
}

function matchBlocks(diagnosis: Extract<Diagnosis, { kind: 'match' }>): KnownBlock[] {
  const { explanation: e, fix } = diagnosis;
  const read = readingLine(diagnosis);
  const blocks: KnownBlock[] = [
    section(`:stethoscope: *${escapeMrkdwn(e.crm.displayName)}*: ${escapeMrkdwn(e.reason.text)}`),
    ...(read ? [section(read)] : []),
    section(`*What it means*\n${escapeMrkdwn(e.meaning)}`),
    section(`*Log keys to look up*\n${e.logKeys.map((k) => `\`${escapeMrkdwn(k)}\``).join(', ')}`),
  ];
  if (e.controlledBy) {
    blocks.push(
      section(
        `*Controlled by*\n${escapeMrkdwn(e.controlledBy.label)} (\`${escapeMrkdwn(e.controlledBy.property)}\`, ${e.controlledBy.level} level)`,
      ),
    );
  }
  if (e.findings.length > 0) {
    blocks.push(section(`*What the record shows*\n${e.findings.map((f) => `• ${escapeMrkdwn(f)}`).join('\n')}`));
  }
  const elements: Button[] = [];
  switch (fix.kind) {
    case 'button':
      blocks.push(section(`*Fix*\n${escapeMrkdwn(fix.text)}`));
      elements.push({
        type: 'button',
        action_id: FIX_OPEN,
        style: 'primary',
        text: plain(fix.label),
        value: fix.value,
      });
      break;
    case 'manual':
      blocks.push(section(`*Fix (by hand)*\n${escapeMrkdwn(fix.text)}`));
      break;
    case 'clinic':
      blocks.push(section(`*Fix (in the clinic's ${escapeMrkdwn(e.crm.displayName)})*\n${escapeMrkdwn(fix.text)}`));
      break;
  }
  if (diagnosis.reauth) elements.push(reauthButton(diagnosis.reauth));
  // Slack refuses an actions block without elements.
  if (elements.length > 0) blocks.push({ type: 'actions', elements });
  return blocks;
}

// ------------------------------------------------------------------ fixes

/** One input of a fix-style form (re-auth's mapping form uses them too). */
export function fieldBlock(field: FixField): KnownBlock {
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
          options: field.options.map((o) => ({ text: plain(ACCOUNT_TYPE_NAMES[o].choice), value: o })),
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
          ...(field.initial ? { initial_value: truncate(field.initial, 3000) } : {}),
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
export function buildFixInputsModal(step: Extract<FixStep, { kind: 'inputs' }>): ModalView {
  const blocks: KnownBlock[] = [section(escapeMrkdwn(step.intro))];
  if (step.why)
    blocks.push({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: truncate(escapeMrkdwn(step.why), LIMITS.sectionText) }],
    });
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

/** A mapping re-send's confirm step (the fix's, re-auth's): nothing is written before its submit. */
export function buildMappingConfirmModal(
  step: MappingConfirm,
  modal: { callbackId: string; title: string; submit: string; privateMetadata: string },
): ModalView {
  const blocks: KnownBlock[] = [
    section(escapeMrkdwn(step.summary)),
    section(`*The request* (secrets masked)\n\`\`\`${truncate(step.curl, 2900)}\`\`\``),
    section(`*What the mapping will hold*\n${escapeMrkdwn(step.contents)}`),
  ];
  if (step.warnings.length > 0) {
    blocks.push({
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: truncate(step.warnings.map((w) => `:warning: ${escapeMrkdwn(w)}`).join('\n'), LIMITS.sectionText),
        },
      ],
    });
  }
  for (const field of step.secretFields) blocks.push(secretBlock(field));
  return {
    type: 'modal',
    callback_id: modal.callbackId,
    title: plain(modal.title),
    submit: plain(modal.submit),
    close: plain('Cancel'),
    private_metadata: modal.privateMetadata,
    blocks,
  };
}

/** Step 2: the exact request (secrets masked), secrets to type again, and Send. */
export function buildFixConfirmModal(step: Extract<FixStep, { kind: 'confirm' }>): ModalView {
  return buildMappingConfirmModal(step, {
    callbackId: FIX_CONFIRM,
    title: 'Confirm fix',
    submit: 'Send',
    privateMetadata: step.draftId,
  });
}

/** Nothing the bot can send: say what to do by hand. */
export function buildFixManualModal(text: string): ModalView {
  return {
    type: 'modal',
    callback_id: FIX_DONE,
    title: plain('Fix by hand'),
    close: plain('Close'),
    blocks: [
      section(`:wrench: ${escapeMrkdwn(text)}`),
      { type: 'context', elements: [{ type: 'mrkdwn', text: 'Nothing was sent.' }] },
    ],
  };
}

export function buildFixResultModal(text: string): ModalView {
  return { type: 'modal', callback_id: FIX_DONE, title: plain('Fix'), close: plain('Done'), blocks: [section(text)] };
}
