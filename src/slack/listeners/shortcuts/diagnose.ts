import type { App, MessageShortcut } from '@slack/bolt';
import { answerContactInModal } from '../../../flows/contact/listeners';
import { contactInText } from '../../../flows/contact/service';
import { splitPastedMessage } from '../../../handlers/diagnose';
import type { Services } from '../../../services';
import { buildDiagnoseModal } from '../../views/diagnose';
import { diagnoseMetadata } from '../views/diagnose';

/** The message shortcut in manifest.yml (also exported by shortcuts/index.ts). */
const TROUBLESHOOT_CONTACT = 'troubleshoot_contact';

export function registerDiagnoseShortcuts(app: App, services: Services): void {
  app.shortcut<MessageShortcut>(TROUBLESHOOT_CONTACT, async ({ ack, shortcut, client }) => {
    await ack();
    const text = shortcut.message.text ?? '';
    const threadTs = (shortcut.message.thread_ts as string | undefined) ?? shortcut.message.ts;
    const contact = contactInText(services, text);
    if (contact) {
      await answerContactInModal(services, client, {
        triggerId: shortcut.trigger_id,
        query: contact,
        origin: { userId: shortcut.user.id, channelId: shortcut.channel.id, threadTs },
      });
      return;
    }
    const { reasonText, logRecord } = splitPastedMessage(text);
    await client.views.open({
      trigger_id: shortcut.trigger_id,
      view: buildDiagnoseModal({
        crms: services.catalog.crms,
        reasonText,
        logRecord,
        privateMetadata: diagnoseMetadata(shortcut.channel.id, threadTs),
      }),
    });
  });
}
