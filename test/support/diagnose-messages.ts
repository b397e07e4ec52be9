import { TROUBLESHOOT_CONTACT } from '../../src/flows/diagnose/ids';
import type { SendOptions, SlackHttpResponse, TestBot, WithResponseUrl } from './slack-harness';

/** How a message reaches the diagnosis: a mention of the bot, or the message shortcut on it. */

/**
 * Where a message mentioning the bot was posted: its ts, the channel, the thread when it is a reply,
 * and who posted it (U_ALICE unless given).
 */
export type MentionAt = { ts: string; channel: string; thread_ts?: string; user?: string };

/** Someone posts `<@U_BOT> text` (an app_mention event); resolves to the HTTP ack. */
export function mentionBot(bot: TestBot, text: string, at: MentionAt, opts?: SendOptions): Promise<SlackHttpResponse> {
  return bot.sendEvent({ type: 'app_mention', user: 'U_ALICE', text: `<@U_BOT> ${text}`, ...at }, opts);
}

/** Mentions the bot and waits for what it posts (the chat.postMessage call). */
export async function replyToMention(bot: TestBot, text: string, at: MentionAt) {
  await mentionBot(bot, text, at);
  return bot.slack.waitFor('chat.postMessage');
}

/** The "Troubleshoot contact" message shortcut on U_OTHER's message `text` (posted at `ts`); resolves to the ack. */
export function troubleshootMessage(bot: TestBot, ts: string, text: string): Promise<WithResponseUrl> {
  return bot.sendShortcut({
    callback_id: TROUBLESHOOT_CONTACT,
    message: { type: 'message', user: 'U_OTHER', ts, text },
  });
}
