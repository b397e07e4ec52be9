import type { App, BlockAction, ButtonAction, MessageShortcut } from '@slack/bolt';
import { ForbiddenError, userMessage } from '../../errors';
import type { ContactQuery } from '../../logsearch/identity';
import type { Services } from '../../services';
import { section, viewValues } from '../../slack/blocks';
import type { ListenerRegistry } from '../../slack/listener-table';
import { postOutcome } from '../../slack/post';
import type { Subcommand } from '../../slack/router';
import { contactInText } from '../contact/service';
import { HOME_ACTIONS } from '../home/ids';
import { parseStatusActionValue, STATUS_ACTIONS } from '../status/ids';
import { confirmFix, missingSecrets, startFix, submitFixInputs } from './fix';
import {
  DIAGNOSE_BLOCKS,
  DIAGNOSE_MODAL,
  DIAGNOSE_PICK,
  FIX_CONFIRM,
  FIX_INPUTS,
  FIX_OPEN,
  TROUBLESHOOT_CONTACT,
} from './ids';
import {
  diagnosePicked,
  diagnose as diagnoseText,
  keepLongPaste,
  type Origin,
  prefillFromPaste,
  validateDiagnoseInput,
  withLongPaste,
} from './service';
import {
  buildDiagnoseModal,
  buildDiagnosisMessage,
  buildDiagnosisModal,
  buildFixConfirmModal,
  buildFixInputsModal,
  buildFixManualModal,
  buildFixResultModal,
  buildWorkingModal,
} from './views';

/** `{c: channel, t: thread, p: kept long paste}` in a diagnose modal's private_metadata. */
export function diagnoseMetadata(channelId?: string, threadTs?: string, pasteId?: string): string {
  return JSON.stringify({
    ...(channelId ? { c: channelId } : {}),
    ...(threadTs ? { t: threadTs } : {}),
    ...(pasteId ? { p: pasteId } : {}),
  });
}

function pasteIdFrom(metadata: string): string | undefined {
  try {
    const parsed = JSON.parse(metadata || '{}') as { p?: unknown };
    return typeof parsed.p === 'string' ? parsed.p : undefined;
  } catch {
    return undefined;
  }
}

/** The diagnose modal prefilled from a paste (a long paste kept whole in the store). */
async function prefilledModal(services: Services, text: string, channelId: string, threadTs?: string) {
  const prefill = prefillFromPaste(services.catalog, text);
  const pasteId = await keepLongPaste(services, prefill);
  return buildDiagnoseModal({
    crms: services.catalog.crms,
    ...prefill,
    privateMetadata: diagnoseMetadata(channelId, threadTs, pasteId),
    ...(pasteId ? { longPaste: true } : {}),
  });
}

function originFrom(metadata: string, userId: string): Origin {
  try {
    const parsed = JSON.parse(metadata || '{}') as { c?: unknown; t?: unknown };
    return {
      userId,
      ...(typeof parsed.c === 'string' ? { channelId: parsed.c } : {}),
      ...(typeof parsed.t === 'string' ? { threadTs: parsed.t } : {}),
    };
  } catch {
    return { userId };
  }
}

/** Mentions are stripped; what is left is the pasted reason (or log line). */
export function stripMentions(text: string): string {
  return text.replace(/<@[A-Z0-9]+(\|[^>]*)?>/g, ' ').trim();
}

type SlackClient = App['client'];

/**
 * Where diagnose hands a contact it finds in its input (an email, phone, or name with a business ID):
 * the contact flow's answers, passed in by src/slack/register.ts so that no flow imports another's listeners.
 */
export interface ContactSurfaces {
  inModal(
    services: Services,
    client: SlackClient,
    input: { triggerId: string; query: ContactQuery; origin: Origin },
  ): Promise<void>;
  inMention(
    services: Services,
    client: SlackClient,
    input: { channelId: string; threadTs: string; userId: string; query: ContactQuery },
  ): Promise<void>;
}

export const diagnoseCommand = (contactSurfaces: ContactSurfaces): Subcommand => ({
  usage: '/crm diagnose [restriction reason]',
  description:
    'Explains why a contact got no review request, from the restriction reason (and log record), and offers the fix.',
  examples: ['/crm diagnose Appointment status is not on the allowed list', '/crm diagnose jane@example.com'],
  run: async (ctx) => {
    // An email, phone, or name with a business ID: search the logs for the contact instead of asking for a paste.
    const contact = contactInText(ctx.services, ctx.rest);
    if (contact) {
      await contactSurfaces.inModal(ctx.services, ctx.client, {
        triggerId: ctx.command.trigger_id,
        query: contact,
        origin: { userId: ctx.command.user_id, channelId: ctx.command.channel_id },
      });
      return;
    }
    // trigger_id expires 3 s after Enter: open the modal before anything else (the split is pure and fast).
    await ctx.client.views.open({
      trigger_id: ctx.command.trigger_id,
      view: await prefilledModal(ctx.services, ctx.rest, ctx.command.channel_id),
    });
  },
});

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

const PICK = new RegExp(`^${DIAGNOSE_PICK}`);

/** Diagnose (modal, mention, message shortcut, status button, candidate picks) and its one-click fixes. */
export function registerDiagnose(app: ListenerRegistry, services: Services, contactSurfaces: ContactSurfaces): void {
  /** /crm status's Diagnose button: the diagnose modal with the business and CRM filled in. */
  app.action<BlockAction<ButtonAction>>(STATUS_ACTIONS.diagnose, async ({ ack, action, body, client }) => {
    await ack();
    const target = parseStatusActionValue(action.value);
    const view = buildDiagnoseModal({
      crms: services.catalog.crms,
      ...(target.crmId ? { crmId: target.crmId } : {}),
      ...(target.businessNumber ? { businessNumber: target.businessNumber } : {}),
      privateMetadata: diagnoseMetadata(body.channel?.id),
    });
    if (body.view) await client.views.push({ trigger_id: body.trigger_id, view });
    else await client.views.open({ trigger_id: body.trigger_id, view });
  });

  /** App Home's Diagnose button: the empty diagnose modal; the outcome of a fix goes to the app DM. */
  app.action<BlockAction<ButtonAction>>(HOME_ACTIONS.diagnose, async ({ ack, body, client }) => {
    await ack();
    await client.views.open({
      trigger_id: body.trigger_id,
      view: buildDiagnoseModal({ crms: services.catalog.crms, privateMetadata: diagnoseMetadata() }),
    });
  });

  /** One of several candidate reasons picked: the answer replaces the question. */
  app.action<BlockAction<ButtonAction>>(PICK, async ({ ack, action, body, client, respond }) => {
    await ack();
    const diagnosis = await diagnosePicked(services, action.value ?? '');
    if (body.view) {
      await client.views.update({ view_id: body.view.id, view: buildDiagnosisModal(diagnosis) });
    } else {
      await respond({ replace_original: true, ...buildDiagnosisMessage(diagnosis) });
    }
  });

  /** A fix button: the confirm step opens at once (trigger_id lasts 3 s), then fills in. */
  app.action<BlockAction<ButtonAction>>(FIX_OPEN, async ({ ack, action, body, client }) => {
    await ack();
    let view: ReturnType<typeof buildFixManualModal>;
    try {
      const step = await startFix(services, client, { value: action.value ?? '', userId: body.user.id });
      view =
        step.kind === 'manual'
          ? buildFixManualModal(step.text)
          : step.kind === 'inputs'
            ? buildFixInputsModal(step)
            : buildFixConfirmModal(step);
    } catch (err) {
      view =
        err instanceof ForbiddenError ? buildFixResultModal(userMessage(err)) : buildFixManualModal(userMessage(err));
    }
    if (body.view) await client.views.push({ trigger_id: body.trigger_id, view });
    else await client.views.open({ trigger_id: body.trigger_id, view });
  });

  app.view(DIAGNOSE_MODAL, async ({ ack, view, body, client }) => {
    const values = viewValues(view);
    const typed = {
      reasonText: values[DIAGNOSE_BLOCKS.reason] ?? '',
      ...(values[DIAGNOSE_BLOCKS.crm] ? { crm: values[DIAGNOSE_BLOCKS.crm] } : {}),
      ...(values[DIAGNOSE_BLOCKS.business]?.trim() ? { businessNumber: values[DIAGNOSE_BLOCKS.business]!.trim() } : {}),
      ...(values[DIAGNOSE_BLOCKS.record]?.trim() ? { logRecord: values[DIAGNOSE_BLOCKS.record] } : {}),
    };
    const errors = validateDiagnoseInput(typed);
    if (Object.keys(errors).length > 0) {
      await ack({ response_action: 'errors', errors });
      return;
    }
    let input: typeof typed;
    try {
      input = { ...typed, ...(await withLongPaste(services, pasteIdFrom(view.private_metadata), typed)) };
    } catch {
      // The store is down: diagnose what the modal shows rather than nothing.
      input = typed;
    }
    await ack({
      response_action: 'update',
      view: buildWorkingModal('Diagnosis', ':hourglass_flowing_sand: Working on it…'),
    });
    let answer: ReturnType<typeof buildDiagnosisModal>;
    try {
      answer = buildDiagnosisModal(
        await diagnoseText(services, input, originFrom(view.private_metadata, body.user.id)),
      );
    } catch (err) {
      answer = buildWorkingModal('Diagnosis', `:x: ${userMessage(err)}`);
    }
    await client.views.update({ view_id: view.id, view: answer });
  });

  app.view(FIX_INPUTS, async ({ ack, view }) => {
    const draftId = view.private_metadata;
    const result = await submitFixInputs(services, draftId, viewValues(view));
    if (!result.ok) {
      await ack({ response_action: 'errors', errors: result.errors });
      return;
    }
    if (result.step.kind !== 'confirm') {
      await ack({
        response_action: 'update',
        view: buildFixResultModal(result.step.kind === 'manual' ? result.step.text : ''),
      });
      return;
    }
    await ack({ response_action: 'update', view: buildFixConfirmModal(result.step) });
  });

  app.view(FIX_CONFIRM, async ({ ack, view, body, client }) => {
    const draftId = view.private_metadata;
    const secrets = viewValues(view);
    const missing = await missingSecrets(services, draftId, secrets);
    if (Object.keys(missing).length > 0) {
      await ack({ response_action: 'errors', errors: missing });
      return;
    }
    await ack({ response_action: 'update', view: buildWorkingModal('Fix', ':hourglass_flowing_sand: Sending…') });
    let text: string;
    try {
      const outcome = await confirmFix(services, client, {
        draftId,
        viewId: view.root_view_id ?? view.id,
        userId: body.user.id,
        secrets,
      });
      text = outcome.text;
      if (outcome.executed) await postOutcome(client, outcome.origin, outcome.text);
    } catch (err) {
      text = `:x: ${userMessage(err)}`;
    }
    await client.views.update({ view_id: view.id, view: buildFixResultModal(text) });
  });

  /** A mention: the answer in the thread. */
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
      await contactSurfaces.inMention(services, client, {
        channelId: event.channel,
        threadTs,
        userId: event.user,
        query: contact,
      });
      return;
    }
    const diagnosis = await diagnoseText(
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

  /** The "Troubleshoot contact" message shortcut: the diagnose modal prefilled from the message. */
  app.shortcut<MessageShortcut>(TROUBLESHOOT_CONTACT, async ({ ack, shortcut, client }) => {
    await ack();
    const text = messageText(shortcut.message as ShortcutMessage);
    const threadTs = (shortcut.message.thread_ts as string | undefined) ?? shortcut.message.ts;
    const contact = contactInText(services, text);
    if (contact) {
      await contactSurfaces.inModal(services, client, {
        triggerId: shortcut.trigger_id,
        query: contact,
        origin: { userId: shortcut.user.id, channelId: shortcut.channel.id, threadTs },
      });
      return;
    }
    await client.views.open({
      trigger_id: shortcut.trigger_id,
      view: await prefilledModal(services, text, shortcut.channel.id, threadTs),
    });
  });
}
