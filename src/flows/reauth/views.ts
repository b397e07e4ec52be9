import { ACCOUNT_TYPE_NAMES } from '../../catalog';
import type { KnownBlock, ModalView } from '../../slack/blocks';
import { escapeMrkdwn, plain, section } from '../../slack/blocks';
import { VALUE } from '../diagnose/ids';
import { buildMappingConfirmModal, fieldBlock } from '../diagnose/views';
import {
  REAUTH_CREDENTIAL_MODAL,
  REAUTH_ENTER_CREDENTIAL,
  REAUTH_FIELDS,
  REAUTH_INFO_MODAL,
  REAUTH_MAPPING_MODAL,
} from './ids';
import type { CredentialConfirm, CredentialForm, CredentialStep, ReauthInfo } from './service';

/** The CRM's re-authorization steps (and, for credential CRMs, which credential from whom). */
export function reauthBlocks(info: ReauthInfo): KnownBlock[] {
  const business = info.businessNumber ? ` for business ${info.businessNumber}` : '';
  const blocks: KnownBlock[] = [
    section(`:key: *Re-authorize ${escapeMrkdwn(info.crm.displayName)}*${business}`),
    section(info.steps.map((step, i) => `${i + 1}. ${escapeMrkdwn(step)}`).join('\n')),
  ];
  if (info.credential) {
    blocks.push(
      section(
        `*Credential*: a new ${escapeMrkdwn(info.credential.label)}, from ${escapeMrkdwn(info.credential.obtainFrom)}. The bot sets it at ${info.credential.level} level.`,
      ),
      {
        type: 'actions',
        elements: [
          {
            type: 'button',
            action_id: REAUTH_ENTER_CREDENTIAL,
            style: 'primary',
            text: plain('Enter new credential'),
            value: info.credential.value,
          },
        ],
      },
    );
  }
  return blocks;
}

export function buildReauthMessage(info: ReauthInfo): { text: string; blocks: KnownBlock[] } {
  return { text: `Re-authorize ${info.crm.displayName}`, blocks: reauthBlocks(info) };
}

export function buildReauthModal(info: ReauthInfo): ModalView {
  return {
    type: 'modal',
    callback_id: REAUTH_INFO_MODAL,
    title: plain('Re-authorize'),
    close: plain('Close'),
    blocks: reauthBlocks(info),
  };
}

/** Step 1: the location's business number (and, without a record, its account type and current values). */
export function buildCredentialModal(form: CredentialForm): ModalView {
  const blocks: KnownBlock[] = [
    section(
      `New ${escapeMrkdwn(form.credentialLabel)} for ${escapeMrkdwn(form.crmName)}. Get it from ${escapeMrkdwn(form.obtainFrom)}: you enter it on the next step, below the exact request.`,
    ),
    {
      type: 'input',
      block_id: REAUTH_FIELDS.business,
      label: plain('Business ID of the location'),
      element: {
        type: 'plain_text_input',
        action_id: VALUE,
        ...(form.businessNumber ? { initial_value: form.businessNumber } : {}),
      },
    },
  ];
  if (form.why) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: escapeMrkdwn(form.why) }] });
  if (form.accountTypes) {
    blocks.push({
      type: 'input',
      block_id: REAUTH_FIELDS.accountType,
      optional: true,
      label: plain('Account type'),
      element: {
        type: 'static_select',
        action_id: VALUE,
        options: form.accountTypes.map((o) => ({ text: plain(ACCOUNT_TYPE_NAMES[o].choice), value: o })),
      },
    });
  }
  for (const field of form.currentFields) blocks.push(fieldBlock(field));
  return {
    type: 'modal',
    callback_id: REAUTH_MAPPING_MODAL,
    title: plain('New credential'),
    submit: plain('Preview'),
    close: plain('Cancel'),
    private_metadata: form.stateId,
    blocks,
  };
}

/** The confirm step: nothing is written before "Set credential"; the credential is never prefilled or echoed. */
export function buildCredentialConfirmModal(confirm: CredentialConfirm): ModalView {
  return buildMappingConfirmModal(confirm, {
    callbackId: REAUTH_CREDENTIAL_MODAL,
    title: 'Confirm credential',
    submit: 'Set credential',
    privateMetadata: confirm.stateId,
  });
}

/** Whichever step "Enter new credential" opens. */
export function buildCredentialStepModal(step: CredentialStep): ModalView {
  return step.kind === 'form' ? buildCredentialModal(step.form) : buildCredentialConfirmModal(step.confirm);
}
