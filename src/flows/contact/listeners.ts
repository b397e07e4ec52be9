import type { App } from '@slack/bolt';
import { BotError } from '../../errors';
import type { ContactQuery } from '../../logsearch/identity';
import { CONTACT_USAGE, parseContactArgs } from '../../logsearch/identity';
import { assertCanSearchContacts } from '../../operations/permissions';
import type { Services } from '../../services';
import { updateOpenModal } from '../../slack/modal';
import type { Subcommand } from '../../slack/router';
import type { Origin } from '../diagnose/service';
import { CONTACT_SEARCH_OFF, type ContactAnswer, lookupContact } from './service';
import {
  buildContactMessage,
  buildContactModal,
  buildContactProblemMessage,
  buildContactWorkingModal,
  buildMaskedSummary,
  contactProblemText,
  pasteFallback,
  searchingMessage,
} from './views';

type SlackClient = App['client'];

/** The answer, or the words for why there is none (refusal, fault). Never throws. */
type Outcome = { ok: true; answer: ContactAnswer } | { ok: false; error: unknown; fallback: boolean };

async function permittedLookup(
  services: Services,
  client: SlackClient,
  query: ContactQuery,
  origin: Origin,
): Promise<Outcome> {
  try {
    await assertCanSearchContacts(services.config, client, origin.userId);
  } catch (error) {
    services.logger.warn({ user: origin.userId }, 'contact search refused');
    return { ok: false, error, fallback: false };
  }
  try {
    return { ok: true, answer: await lookupContact(services, query, origin) };
  } catch (error) {
    // What was searched for is patient data: only the kind of identity is logged.
    services.logger.warn(
      { code: (error as { code?: unknown }).code, identity: query.identity.kind },
      'contact search failed',
    );
    return { ok: false, error, fallback: true };
  }
}

/** `/crm contact <email | phone | name> [business ID]`: "Searching the logs…" at once, then the timeline, ephemerally. */
export const contact: Subcommand = {
  usage: CONTACT_USAGE,
  description:
    "Finds a contact's latest check-ins in the log store (email, phone, or name with the business ID) and explains each one: restricted or not, why, and the fix. Only you see the answer.",
  examples: ['/crm contact jane@example.com', '/crm contact (555) 123-4567', '/crm contact Jane Doe 170000000000011'],
  run: async (ctx) => {
    const { services } = ctx;
    if (!services.logSearch) {
      await ctx.respond(CONTACT_SEARCH_OFF);
      return;
    }
    const parsed = parseContactArgs(ctx.rest);
    if (!parsed.ok) {
      await ctx.respond(parsed.message);
      return;
    }
    await ctx.respond(searchingMessage(parsed.query));
    const origin: Origin = { userId: ctx.command.user_id, channelId: ctx.command.channel_id };
    const outcome = await permittedLookup(services, ctx.client, parsed.query, origin);
    const message = outcome.ok
      ? buildContactMessage(outcome.answer)
      : buildContactProblemMessage(outcome.error, outcome.fallback);
    await ctx.respond({ replace_original: true, ...message });
  },
};

/**
 * A modal surface (/crm diagnose <text>, the message shortcut): the modal opens at once with
 * "Searching the logs…" (trigger_id lasts 3 s) and is updated with the answer.
 */
export async function answerContactInModal(
  services: Services,
  client: SlackClient,
  input: { triggerId: string; query: ContactQuery; origin: Origin },
): Promise<void> {
  const opened = await client.views.open({ trigger_id: input.triggerId, view: buildContactWorkingModal() });
  const viewId = opened.view?.id;
  if (!viewId) throw new BotError('validation_failed', 'Slack did not open the answer window: try again.');
  const outcome = await permittedLookup(services, client, input.query, input.origin);
  const view = outcome.ok
    ? buildContactModal(outcome.answer)
    : buildContactWorkingModal(
        `${contactProblemText(outcome.error)}${outcome.fallback ? `\n\n${pasteFallback()}` : ''}`,
      );
  // The search can take seconds; the user may have closed the window meanwhile.
  await updateOpenModal(client, { view_id: viewId, view }, services.logger);
}

/**
 * A mention: the full answer only to the person who asked (ephemeral, in the thread); the thread
 * itself gets a masked summary, and nothing at all when the search was refused or failed.
 */
export async function answerContactMention(
  services: Services,
  client: SlackClient,
  input: { channelId: string; threadTs: string; userId: string; query: ContactQuery },
): Promise<void> {
  const privately = (message: { text: string; blocks: unknown[] }) =>
    client.chat.postEphemeral({
      channel: input.channelId,
      user: input.userId,
      thread_ts: input.threadTs,
      text: message.text,
      blocks: message.blocks as never,
    });
  await privately(searchingMessage(input.query));
  const origin: Origin = { userId: input.userId, channelId: input.channelId, threadTs: input.threadTs };
  const outcome = await permittedLookup(services, client, input.query, origin);
  if (!outcome.ok) {
    await privately(buildContactProblemMessage(outcome.error, outcome.fallback));
    return;
  }
  await privately(buildContactMessage(outcome.answer));
  const summary = buildMaskedSummary(outcome.answer, input.userId);
  await client.chat.postMessage({
    channel: input.channelId,
    thread_ts: input.threadTs,
    text: summary.text,
    blocks: summary.blocks,
  });
}
