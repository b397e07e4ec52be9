import type { App, MessageShortcut } from '@slack/bolt';
import { splitPastedMessage } from '../../../handlers/diagnose';
import type { Services } from '../../../services';
import { buildDiagnoseModal } from '../../views/diagnose';
import { diagnoseMetadata } from '../views/diagnose';

/** The message shortcut in manifest.yml (also exported by shortcuts/index.ts). */
const TROUBLESHOOT_CONTACT = 'troubleshoot_contact';

export function registerDiagnoseShortcuts(app: App, services: Services): void {
  app.shortcut<MessageShortcut>(TROUBLESHOOT_CONTACT, async ({ ack, shortcut, client }) => {
    await ack();
    const { reasonText, logRecord } = splitPastedMessage(shortcut.message.text ?? '');
    const threadTs = (shortcut.message.thread_ts as string | undefined) ?? shortcut.message.ts;
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
