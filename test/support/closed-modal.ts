import { pollUntil } from './poll';
import { SlackApiStandin } from './slack-api-standin';
import type { TestBot } from './slack-harness';

// biome-ignore lint/suspicious/noExplicitAny: pino log lines
type LogLine = Record<string, any>;

/** What the bot logs (debug) when the modal it meant to update was closed meanwhile (src/slack/modal.ts). */
export const MODAL_GONE_LOG = 'The modal was closed before its answer came; not updated';

/**
 * The user closes the modal before the bot's answer comes: Slack answers the next views.update with
 * not_found. Runs `act`, waits until the bot has dropped that update, and returns the log lines written
 * meanwhile.
 */
export async function withModalClosed(bot: TestBot, act: () => Promise<unknown>): Promise<LogLine[]> {
  const before = bot.logs.length;
  bot.slack.program('views.update', SlackApiStandin.error('not_found'), { times: 1 });
  await act();
  await pollUntil(() => bot.logs.slice(before).find((line) => line.msg === MODAL_GONE_LOG));
  return bot.logs.slice(before);
}
