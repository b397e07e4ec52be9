import type { SendOptions, SlackHttpResponse, TestBot } from './slack-harness';

/** Where a message mentioning the bot was posted: its ts, the channel, and the thread when it is a reply. */
export type MentionAt = { ts: string; channel: string; thread_ts?: string };

/** U_ALICE posts `<@U_BOT> text` (an app_mention event); resolves to the HTTP ack. */
export function mentionBot(bot: TestBot, text: string, at: MentionAt, opts?: SendOptions): Promise<SlackHttpResponse> {
  return bot.sendEvent({ type: 'app_mention', user: 'U_ALICE', text: `<@U_BOT> ${text}`, ...at }, opts);
}

/** Mentions the bot and waits for what it posts (the chat.postMessage call). */
export async function replyToMention(bot: TestBot, text: string, at: MentionAt) {
  await mentionBot(bot, text, at);
  return bot.slack.waitFor('chat.postMessage');
}
