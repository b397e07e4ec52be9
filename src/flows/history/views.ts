import type { AuditOutcome } from '../../operations/audit';
import {
  context,
  escapeMrkdwn,
  header,
  type KnownBlock,
  LIMITS,
  plain,
  type SlackMessage,
  section,
  truncate,
} from '../../slack/blocks';
import { HISTORY_ACTIONS, HISTORY_BLOCKS } from './ids';
import { cursorOf, type HistoryItem, type HistoryPage, type HistoryTarget } from './service';

export const OUTCOME_ICON: Record<AuditOutcome, string> = {
  attempted: ':outbox_tray:',
  succeeded: ':white_check_mark:',
  failed: ':x:',
  unknown: ':grey_question:',
  refused: ':no_entry:',
};

/** `/crm history`: one page of who did what when, and how it went, with "Older" and "CSV" buttons. */
export function buildHistoryMessage(page: HistoryPage): SlackMessage {
  const whose = plainName(page.target);
  if (page.items.length === 0) {
    const text =
      page.offset === 0 ? `No operations are recorded for ${whose} yet.` : `No older operations for ${whose}.`;
    return {
      text,
      blocks: [section(text), context('The bot records every setup, trigger, mapping and re-authorization it sends.')],
    };
  }
  const title = page.target.kind === 'business' ? `History · ${page.target.businessNumber}` : 'History · one person';
  const blocks: KnownBlock[] = [header(title)];
  // One section per entry; header, footer and buttons take 3 of the 50.
  const shown = page.items.slice(0, LIMITS.messageBlocks - 3);
  const withUser = page.target.kind === 'business';
  for (const item of shown) blocks.push(section(historyLine(item, { withUser, withBusiness: !withUser })));
  const first = page.offset + 1;
  const last = page.offset + shown.length;
  blocks.push(
    context(
      `${page.target.kind === 'user' ? `Changes by <@${page.target.userId}>. ` : ''}Newest first: operations ${first}–${last}${page.older ? '' : ' (the oldest recorded)'}. Times are in your time zone.`,
    ),
  );
  blocks.push({
    type: 'actions',
    block_id: HISTORY_BLOCKS.actions,
    elements: [
      ...(page.older
        ? [
            {
              type: 'button' as const,
              action_id: HISTORY_ACTIONS.older,
              text: plain('Older'),
              value: JSON.stringify(page.older),
            },
          ]
        : []),
      {
        type: 'button' as const,
        action_id: HISTORY_ACTIONS.csv,
        text: plain('CSV'),
        value: JSON.stringify(cursorOf(page.target)),
      },
    ],
  });
  const latest = shown[0]!;
  return {
    text: `History for ${plainName(page.target)}: operations ${first}–${last}, ${page.offset === 0 ? 'latest' : 'newest here'} ${latest.operation} ${latest.outcome}.`,
    blocks,
  };
}

/** The ephemeral note after the CSV was uploaded (or could not be). */
export function historyCsvNote(target: HistoryTarget, entries: number, uploaded: boolean): string {
  if (!uploaded) return `I could not upload the history of ${plainName(target)} as a file. Try again in a minute.`;
  return `The full history of ${plainName(target)} (${entries} operation(s), newest first) is in a CSV file in our direct messages.`;
}

/** The business ID, or the person as a mention (Slack renders their name). */
function plainName(target: HistoryTarget): string {
  return target.kind === 'business' ? target.businessNumber : `<@${target.userId}>`;
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
