import type { App, MessageShortcut } from '@slack/bolt';
import { answerContactInModal } from '../../../flows/contact/listeners';
import { contactInText } from '../../../flows/contact/service';
import { prefillFromPaste } from '../../../handlers/diagnose';
import type { Services } from '../../../services';
import { buildDiagnoseModal } from '../../views/diagnose';
import { diagnoseMetadata } from '../views/diagnose';

/** The message shortcut in manifest.yml (also exported by shortcuts/index.ts). */
const TROUBLESHOOT_CONTACT = 'troubleshoot_contact';

type Attachment = { text?: unknown; fallback?: unknown; pretext?: unknown; fields?: unknown };
type ShortcutMessage = { text?: string; attachments?: unknown; blocks?: unknown };

/**
 * Everything a message says: its text, then what forwarded and shared messages carry in
 * `attachments[]` (text, or fallback when there is no text; pretext; field values), else its blocks.
 * A piece already read (a fallback repeating the text) is read once.
 */
export function messageText(message: ShortcutMessage): string {
  const pieces: string[] = [];
  const add = (value: unknown) => {
    if (typeof value !== 'string') return;
    const trimmed = value.trim();
    if (trimmed && !pieces.some((piece) => piece.includes(trimmed))) pieces.push(trimmed);
  };
  add(message.text);
  for (const attachment of Array.isArray(message.attachments) ? (message.attachments as Attachment[]) : []) {
    add(attachment.pretext);
    add(typeof attachment.text === 'string' && attachment.text.trim() ? attachment.text : attachment.fallback);
    if (Array.isArray(attachment.fields))
      for (const field of attachment.fields) add((field as { value?: unknown }).value);
  }
  // Blocks usually repeat the text with different markup: read them only when nothing else says anything.
  if (pieces.length === 0) add(blocksText(message.blocks));
  return pieces.join('\n');
}

/** The text of section, rich_text and context blocks, as typed (links by their URL or label). */
function blocksText(blocks: unknown): string {
  const out: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const child of node) walk(child);
      return;
    }
    if (typeof node !== 'object' || node === null) return;
    const item = node as Record<string, unknown>;
    if (
      (item.type === 'text' || item.type === 'mrkdwn' || item.type === 'plain_text') &&
      typeof item.text === 'string'
    ) {
      out.push(item.text);
    } else if (item.type === 'link' && typeof item.url === 'string') {
      out.push(typeof item.text === 'string' ? item.text : item.url);
    }
    if (
      item.type === 'rich_text_preformatted' ||
      item.type === 'rich_text_section' ||
      item.type === 'rich_text_quote'
    ) {
      walk(item.elements);
      out.push('\n');
      return;
    }
    for (const key of ['text', 'elements', 'fields', 'blocks']) if (typeof item[key] === 'object') walk(item[key]);
  };
  walk(blocks);
  return out.join('');
}

export function registerDiagnoseShortcuts(app: App, services: Services): void {
  app.shortcut<MessageShortcut>(TROUBLESHOOT_CONTACT, async ({ ack, shortcut, client }) => {
    await ack();
    const text = messageText(shortcut.message as ShortcutMessage);
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
    const prefill = prefillFromPaste(services.catalog, text);
    await client.views.open({
      trigger_id: shortcut.trigger_id,
      view: buildDiagnoseModal({
        crms: services.catalog.crms,
        ...prefill,
        privateMetadata: diagnoseMetadata(shortcut.channel.id, threadTs),
      }),
    });
  });
}
