import { context, escapeMrkdwn, header, type KnownBlock, LIMITS, type SlackMessage, section } from '../../slack/blocks';
import { STATUS_ACTIONS, STATUS_BLOCKS, type StatusActionValue, statusActionsBlockId, statusGroupBlockId } from './ids';
import type { StatusGroup, StatusReport } from './service';

const MAX_GROUPS = 10;

/** `/crm status` answer: each group with CRM, category, group ID, OAuth, triggers, and next-action buttons. */
export function buildStatusMessage(report: StatusReport): SlackMessage {
  return { text: statusFallback(report), blocks: statusBlocks(report, LIMITS.messageBlocks) };
}

/** The same status as blocks for a modal (App Home "Status"). */
export function statusBlocks(report: StatusReport, maxBlocks: number): KnownBlock[] {
  if (report.groups.length === 0) return noGroupBlocks(report.businessNumber);
  const blocks: KnownBlock[] = [header(`Integration status · ${report.businessNumber}`)];
  const shown = report.groups.slice(0, MAX_GROUPS);
  for (const [i, group] of shown.entries()) {
    const groupBlocks = [...(i > 0 ? [{ type: 'divider' } as KnownBlock] : []), ...groupStatusBlocks(report, group)];
    // Keep one block for the "more groups" note.
    if (blocks.length + groupBlocks.length > maxBlocks - 1) break;
    blocks.push(...groupBlocks);
  }
  const shownCount = blocks.filter((b) => b.block_id?.startsWith(STATUS_BLOCKS.groupPrefix)).length;
  if (shownCount < report.groups.length) {
    blocks.push(
      context(
        `${report.groups.length - shownCount} more group(s) not shown. Group IDs: ${report.groups.map((g) => g.groupId).join(', ')}`,
      ),
    );
  }
  return blocks;
}

function groupStatusBlocks(report: StatusReport, group: StatusGroup): KnownBlock[] {
  const oauth = group.oauth === undefined ? 'not reported' : group.oauth ? 'Yes (OAuth)' : 'No (credentials)';
  const blocks: KnownBlock[] = [
    {
      type: 'section',
      block_id: statusGroupBlockId(group.groupId),
      fields: [
        { type: 'mrkdwn', text: `*CRM*\n${escapeMrkdwn(group.crmName)}` },
        { type: 'mrkdwn', text: `*Category*\n${escapeMrkdwn(group.category ?? 'not reported')}` },
        { type: 'mrkdwn', text: `*Group ID*\n${group.groupId}` },
        { type: 'mrkdwn', text: `*OAuth*\n${oauth}` },
      ],
    },
    section(`*Triggers*\n${triggerLines(group)}`),
  ];
  if (!group.crmId) {
    blocks.push(
      context(
        `${escapeMrkdwn(group.crmName)} (source ${group.sourceId}) is not in the bot's catalog, so the bot cannot change this group.`,
      ),
    );
    return blocks;
  }
  const value = JSON.stringify({
    businessNumber: report.businessNumber,
    crmId: group.crmId,
    groupId: group.groupId,
  } satisfies StatusActionValue);
  const button = (text: string, action_id: string, style?: 'primary') => ({
    type: 'button' as const,
    text: { type: 'plain_text' as const, text },
    action_id,
    value,
    ...(style ? { style } : {}),
  });
  blocks.push({
    type: 'actions',
    block_id: statusActionsBlockId(group.groupId),
    elements: [
      button('Add location', STATUS_ACTIONS.addLocation, 'primary'),
      button('Update triggers', STATUS_ACTIONS.updateTriggers),
      button('Diagnose', STATUS_ACTIONS.diagnose),
      button('Re-authorize', STATUS_ACTIONS.reauth),
    ],
  });
  return blocks;
}

function triggerLines(group: StatusGroup): string {
  if (group.triggers.length === 0) return '_No triggers: use Update triggers to add one._';
  return group.triggers
    .map((t) => {
      const note = t.source === 'api' ? ' _(name from the API)_' : t.source === 'unknown' ? ' _(unknown trigger)_' : '';
      return `• ${escapeMrkdwn(t.name)} (ID ${t.id})${note}`;
    })
    .join('\n');
}

function noGroupBlocks(businessNumber: string): KnownBlock[] {
  return [
    section(`No integration group exists for ${businessNumber} yet.`),
    context('Set up: type `/crm setup` to create the group and connect its first location.'),
  ];
}

function statusFallback(report: StatusReport): string {
  if (report.groups.length === 0)
    return `No integration group exists for ${report.businessNumber} yet. Set up with /crm setup.`;
  const groups = report.groups.map((g) => `${g.crmName} (group ${g.groupId})`).join(', ');
  return `Integration status for ${report.businessNumber}: ${groups}`;
}
