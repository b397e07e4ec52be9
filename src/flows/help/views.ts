import type { KnownBlock, SlackMessage } from '../../slack/blocks';
import type { HelpEntry, HelpInput } from './service';

const TITLE = 'CRM integration bot';
// Slack allows 50 blocks per message; header, note, intro, divider, footnotes and footer take 6.
const MAX_SUBCOMMAND_BLOCKS = 43;

/** The `/crm help` message: every subcommand with its usage and examples, and the CRMs the bot knows. */
export function buildHelpMessage(input: HelpInput): SlackMessage {
  return { text: helpFallbackText(input), blocks: helpBlocks(input) };
}

/** Answer for a near-miss such as `/crm stauts`. */
export function buildDidYouMean(typed: string, suggestion: string): SlackMessage {
  const text = `\`/crm ${typed}\` is not a command. Did you mean \`/crm ${suggestion}\`?`;
  return {
    text,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: 'Type `/crm help` to see every command.' }] },
    ],
  };
}

function helpBlocks(input: HelpInput): KnownBlock[] {
  const blocks: KnownBlock[] = [{ type: 'header', text: { type: 'plain_text', text: TITLE } }];
  if (input.note) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: truncate(input.note, 3000) } });
  blocks.push(
    {
      type: 'section',
      text: { type: 'mrkdwn', text: 'Set up and troubleshoot CRM integrations without leaving Slack. Commands:' },
    },
    { type: 'divider' },
  );
  for (const entry of input.subcommands.slice(0, MAX_SUBCOMMAND_BLOCKS)) {
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: truncate(describe(entry), 3000) } });
  }
  if (input.footnotes?.length) {
    blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: truncate(input.footnotes.join('\n'), 3000) }] });
  }
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: truncate(crmLine(input.crms), 3000) }] });
  return blocks;
}

function describe(entry: HelpEntry): string {
  const lines = [`*\`${entry.usage}\`*`, entry.description];
  if (entry.examples?.length) lines.push(`_Example:_ ${entry.examples.map((e) => `\`${e}\``).join(', ')}`);
  return lines.join('\n');
}

function crmLine(crms: readonly string[]): string {
  return crms.length ? `Supported CRMs: ${crms.join(', ')}` : 'No CRMs are configured yet.';
}

function helpFallbackText(input: HelpInput): string {
  const usages = input.subcommands.map((s) => s.usage).join(', ');
  return [input.note, `${TITLE}. Commands: ${usages}.`, crmLine(input.crms)].filter(Boolean).join(' ');
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
