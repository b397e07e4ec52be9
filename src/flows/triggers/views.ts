import { context, escapeMrkdwn, header, type KnownBlock, LIMITS, type SlackMessage, section } from '../../slack/blocks';
import type { TriggerRow, TriggersReport } from './service';

const STATUS_NOTE: Record<TriggerRow['status'], string> = {
  documented: 'documented in the catalog',
  resolved: 'named in the catalog, ID resolved from the API',
  api: 'from the API only (not in the catalog)',
  missing: 'named in the catalog, ID not returned by the API',
};

/** `/crm triggers <crm>`: each trigger with name, ID and where the bot knows it from. */
export function buildTriggersMessage(report: TriggersReport): SlackMessage {
  const blocks: KnownBlock[] = [header(`${report.crm.displayName} triggers`)];
  if (report.apiError) {
    blocks.push(
      section(`:warning: Could not read the triggers from the integration API. ${report.apiError}`),
      context('Showing the triggers the catalog documents instead.'),
    );
  }
  // Header, warning, context and the footer take 4; one section per trigger after that.
  const room = LIMITS.messageBlocks - blocks.length - 2;
  for (const row of report.rows.slice(0, room)) blocks.push(section(rowText(row)));
  if (report.rows.length > room) blocks.push(context(`${report.rows.length - room} more not shown.`));
  blocks.push(
    context(
      `Integration source ID ${report.crm.integrationSourceId}. Use the IDs with \`/crm status\` and Update triggers.`,
    ),
  );
  return { text: fallback(report), blocks };
}

function rowText(row: TriggerRow): string {
  const id = row.id === undefined ? 'no ID' : `ID ${row.id}`;
  const seen = row.status === 'documented' && row.inApi === false ? ' — :warning: not returned by the API' : '';
  const lines = [`*${escapeMrkdwn(row.name)}* · ${id} · _${STATUS_NOTE[row.status]}_${seen}`];
  if (row.description) lines.push(escapeMrkdwn(row.description));
  return lines.join('\n');
}

function fallback(report: TriggersReport): string {
  const list = report.rows.map((r) => `${r.name} (${r.id ?? 'no ID'})`).join(', ');
  return `${report.crm.displayName} triggers: ${list}${report.apiError ? ` (API unavailable: ${report.apiError})` : ''}`;
}
