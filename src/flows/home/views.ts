import type { HomeView, KnownBlock, ModalView } from '../../slack/blocks';
import { context, escapeMrkdwn, header, LIMITS, section, truncate } from '../../slack/blocks';
import { historyLine } from '../history/views';
import type { StatusReport } from '../status/service';
import { statusBlocks } from '../status/views';
import {
  HOME_ACTIONS,
  HOME_BLOCKS,
  HOME_SETUP_HINT_MODAL,
  HOME_STATUS_BLOCK,
  HOME_STATUS_INPUT,
  HOME_STATUS_MODAL,
} from './ids';
import type { CrmReference, HomeData } from './service';

/** The App Home tab: quick actions, the user's recent operations and a short reference per CRM, ≤ 100 blocks. */
export function buildHomeTab(data: HomeData): HomeView {
  const top: KnownBlock[] = [
    header('CRM integration bot'),
    section('Set up and troubleshoot CRM integrations. Quick actions:'),
    {
      type: 'actions',
      block_id: HOME_BLOCKS.quickActions,
      elements: [
        button('Set up', HOME_ACTIONS.setup, 'primary'),
        button('Status', HOME_ACTIONS.status),
        button('Diagnose', HOME_ACTIONS.diagnose),
      ],
    },
    { type: 'divider' },
    header('Your recent operations'),
    ...recentBlocks(data),
    { type: 'divider' },
    header('CRM reference'),
  ];
  const footer = context('Type `/crm help` for every command.');
  const blocks = [...top];
  const room = LIMITS.viewBlocks - top.length - 2;
  const reference = data.crms.map(referenceBlocks);
  let used = 0;
  let shownCrms = 0;
  for (const crmBlocks of reference) {
    if (used + crmBlocks.length > room) break;
    blocks.push(...crmBlocks);
    used += crmBlocks.length;
    shownCrms++;
  }
  if (shownCrms < data.crms.length) {
    blocks.push(
      context(
        `Also supported: ${data.crms
          .slice(shownCrms)
          .map((c) => c.displayName)
          .join(', ')}.`,
      ),
    );
  }
  blocks.push(footer);
  return { type: 'home', blocks };
}

function recentBlocks(data: HomeData): KnownBlock[] {
  if (data.recentError) return [context(`:warning: Could not read your recent operations. ${data.recentError}`)];
  if (data.recent.length === 0) return [context('No operations yet. Changes you make with the bot show up here.')];
  return [section(data.recent.map((item) => historyLine(item, { withBusiness: true })).join('\n'))];
}

function referenceBlocks(crm: CrmReference): KnownBlock[] {
  const ask = crm.askClientFor.length
    ? crm.askClientFor.map((a) => `• ${escapeMrkdwn(a)}`).join('\n')
    : '_Nothing listed._';
  const values = crm.values.length
    ? crm.values
        .map((v) => `• *${escapeMrkdwn(v.label)}*${v.secret ? ' :lock:' : ''}: ${escapeMrkdwn(truncate(v.help, 400))}`)
        .join('\n')
    : '_No properties to fill in._';
  const blocks: KnownBlock[] = [
    section(`*${escapeMrkdwn(crm.displayName)}*\n*Ask the client for*\n${ask}`),
    section(`*Where to find each value*\n${values}`),
  ];
  if (crm.notes.length) blocks.push(context(crm.notes.map((n) => `• ${escapeMrkdwn(n)}`).join('\n')));
  blocks.push({ type: 'divider' });
  return blocks;
}

/** Small modal asking for a business ID (App Home "Status"). */
export function buildHomeStatusModal(): ModalView {
  return {
    type: 'modal',
    callback_id: HOME_STATUS_MODAL,
    title: plain('Integration status'),
    submit: plain('Show status'),
    close: plain('Cancel'),
    blocks: [
      {
        type: 'input',
        block_id: HOME_STATUS_BLOCK,
        label: plain('Business ID'),
        hint: plain('The 15-digit business number.'),
        element: {
          type: 'plain_text_input',
          action_id: HOME_STATUS_INPUT,
          placeholder: plain('123456789012345'),
        },
      },
    ],
  };
}

export function buildHomeStatusLoading(businessNumber: string): ModalView {
  return {
    type: 'modal',
    callback_id: `${HOME_STATUS_MODAL}_loading`,
    title: plain('Integration status'),
    close: plain('Close'),
    blocks: [section(`:hourglass_flowing_sand: Reading the integration groups of ${businessNumber}…`)],
  };
}

/** The status (or the failure in words) in the modal. */
export function buildHomeStatusResult(result: { report: StatusReport } | { error: string }): ModalView {
  return {
    type: 'modal',
    callback_id: `${HOME_STATUS_MODAL}_result`,
    title: plain('Integration status'),
    close: plain('Close'),
    blocks:
      'report' in result ? statusBlocks(result.report, LIMITS.viewBlocks) : [section(`:warning: ${result.error}`)],
  };
}

/** Shown by "Set up" when the setup flow is not available: the command does the same. */
export function buildSetupHintModal(): ModalView {
  return {
    type: 'modal',
    callback_id: HOME_SETUP_HINT_MODAL,
    title: plain('Set up'),
    close: plain('OK'),
    blocks: [section('Type `/crm setup` in any channel to start a new integration.')],
  };
}

function button(text: string, action_id: string, style?: 'primary') {
  return {
    type: 'button' as const,
    text: plain(text),
    action_id,
    value: '{}',
    ...(style ? { style } : {}),
  };
}

function plain(text: string) {
  return { type: 'plain_text' as const, text };
}
