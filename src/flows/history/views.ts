import type { AuditOutcome } from '../../operations/audit';
import {
  context,
  escapeMrkdwn,
  header,
  type KnownBlock,
  LIMITS,
  type SlackMessage,
  section,
  truncate,
} from '../../slack/blocks';
import type { BusinessHistory, HistoryItem } from './service';

export const OUTCOME_ICON: Record<AuditOutcome, string> = {
  attempted: ':outbox_tray:',
  succeeded: ':white_check_mark:',
  failed: ':x:',
  unknown: ':grey_question:',
  refused: ':no_entry:',
};

/** `/crm history <business>`: who did what when, and how it went. */
export function buildHistoryMessage(history: BusinessHistory): SlackMessage {
  if (history.items.length === 0) {
    const text = `No operations are recorded for ${history.businessNumber} yet.`;
    return {
      text,
      blocks: [section(text), context('The bot records every setup, trigger, mapping and re-authorization it sends.')],
    };
  }
  const blocks: KnownBlock[] = [header(`History · ${history.businessNumber}`)];
  // One section per entry; header and footer take 2 of the 50.
  const shown = history.items.slice(0, LIMITS.messageBlocks - 2);
  for (const item of shown) blocks.push(section(historyLine(item, { withUser: true })));
  blocks.push(context(`Newest first; the last ${shown.length} operation(s). Times are in your time zone.`));
  return {
    text: `History for ${history.businessNumber}: ${history.items.length} operation(s), latest ${history.items[0]!.operation} ${history.items[0]!.outcome}.`,
    blocks,
  };
}

/** One audit entry: icon, operation, outcome, CRM, business, who, when, error. */
export function historyLine(item: HistoryItem, opts: { withUser?: boolean; withBusiness?: boolean } = {}): string {
  const parts = [
    `${OUTCOME_ICON[item.outcome]} *${escapeMrkdwn(item.operation)}* ${item.outcome}`,
    escapeMrkdwn(item.crmName),
    ...(opts.withBusiness ? [`business ${escapeMrkdwn(item.businessNumber)}`] : []),
    ...(opts.withUser ? [`by <@${item.userId.replace(/[^A-Z0-9_]/gi, '')}>`] : []),
    slackDate(item.at),
  ];
  const line = parts.join(' · ');
  const error = item.error ? `\n> ${escapeMrkdwn(truncate(`${item.error.code}: ${item.error.message}`, 500))}` : '';
  return line + error;
}

/** Slack renders `<!date^…>` in the reader's time zone; the fallback is the ISO time. */
export function slackDate(iso: string): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return escapeMrkdwn(iso);
  return `<!date^${Math.floor(ms / 1000)}^{date_short_pretty} {time}|${new Date(ms).toISOString()}>`;
}
