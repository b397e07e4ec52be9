import type { types } from '@slack/bolt';
import { escapeMrkdwn, plain, section } from '../../slack/blocks';
import { ACCOUNT_TYPE_LABELS } from '../../slack/blocks/account-types';
import { VALUE } from '../diagnose/ids';
import { REAUTH_CREDENTIAL_MODAL, REAUTH_ENTER_CREDENTIAL, REAUTH_FIELDS, REAUTH_INFO_MODAL } from './ids';
import type { CredentialForm, ReauthInfo } from './service';

type KnownBlock = types.KnownBlock;
type View = types.ModalView;

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

export function buildReauthModal(info: ReauthInfo): View {
  return {
    type: 'modal',
    callback_id: REAUTH_INFO_MODAL,
    title: plain('Re-authorize'),
    close: plain('Close'),
    blocks: reauthBlocks(info),
  };
}

/** Takes the new credential (never prefilled, never echoed) and the location's business number. */
export function buildCredentialModal(form: CredentialForm): View {
  const blocks: KnownBlock[] = [
    section(
      `New ${escapeMrkdwn(form.credentialLabel)} for ${escapeMrkdwn(form.crmName)}. Get it from ${escapeMrkdwn(form.obtainFrom)}.`,
    ),
    {
      type: 'input',
      block_id: REAUTH_FIELDS.credential,
      label: plain(`New ${form.credentialLabel}`),
      hint: plain('Used for this one request: not shown again, not stored, not logged.', 150),
      element: { type: 'plain_text_input', action_id: VALUE },
    },
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
        options: form.accountTypes.map((o) => ({ text: plain(ACCOUNT_TYPE_LABELS[o]), value: o })),
      },
    });
  }
  for (const field of form.currentFields) {
    blocks.push({
      type: 'input',
      block_id: field.blockId,
      optional: true,
      label: plain(field.label),
      hint: plain(field.hint, 150),
      element: { type: 'plain_text_input', action_id: VALUE },
    });
  }
  return {
    type: 'modal',
    callback_id: REAUTH_CREDENTIAL_MODAL,
    title: plain('New credential'),
    submit: plain('Set credential'),
    close: plain('Cancel'),
    private_metadata: form.stateId,
    blocks,
  };
}
