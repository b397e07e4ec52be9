import type { AllMiddlewareArgs } from '@slack/bolt';

type SlackClient = AllMiddlewareArgs['client'];

/** Where a question was asked, so its outcome can be posted there. */
export interface AskedIn {
  userId: string;
  channelId?: string;
  threadTs?: string;
}

/** Posts an outcome where the question was asked (its thread when there is one); a DM when that fails. */
export async function postOutcome(client: SlackClient, origin: AskedIn, text: string): Promise<void> {
  if (origin.channelId) {
    try {
      await client.chat.postMessage({
        channel: origin.channelId,
        text,
        ...(origin.threadTs ? { thread_ts: origin.threadTs } : {}),
      });
      return;
    } catch {
      // Not in that channel (or it is gone): tell the person directly instead.
    }
  }
  await client.chat.postMessage({ channel: origin.userId, text });
}
