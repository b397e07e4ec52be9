import type { App } from '@slack/bolt';
import { answerContactMention } from '../../../flows/contact/listeners';
import { contactInText } from '../../../flows/contact/service';
import { diagnose } from '../../../handlers/diagnose';
import type { Services } from '../../../services';
import { buildDiagnosisMessage, section } from '../../views/diagnose';

/** Mentions are stripped; what is left is the pasted reason (or log line). */
export function stripMentions(text: string): string {
  return text.replace(/<@[A-Z0-9]+(\|[^>]*)?>/g, ' ').trim();
}

export function registerDiagnoseEvents(app: App, services: Services): void {
  app.event('app_mention', async ({ event, client }) => {
    const threadTs = event.thread_ts ?? event.ts;
    const text = stripMentions(event.text ?? '');
    const suggest = section(
      'For a fuller answer (CRM, business ID, log record) use `/crm diagnose`. `/crm help` lists everything the bot does.',
    );
    if (!text) {
      await client.chat.postMessage({
        channel: event.channel,
        thread_ts: threadTs,
        text: 'Mention me with a restriction reason, or use /crm diagnose.',
        blocks: [section('Mention me with the restriction reason and I will explain it.'), suggest],
      });
      return;
    }
    const contact = contactInText(services, text);
    if (contact && event.user) {
      await answerContactMention(services, client, {
        channelId: event.channel,
        threadTs,
        userId: event.user,
        query: contact,
      });
      return;
    }
    const diagnosis = await diagnose(
      services,
      { reasonText: text },
      { userId: event.user ?? '', channelId: event.channel, threadTs },
    );
    const message = buildDiagnosisMessage(diagnosis);
    await client.chat.postMessage({
      channel: event.channel,
      thread_ts: threadTs,
      text: message.text,
      blocks: diagnosis.kind === 'match' ? message.blocks : [...message.blocks.slice(0, 49), suggest],
    });
  });
}
