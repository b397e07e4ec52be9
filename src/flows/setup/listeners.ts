import type { App, BlockAction } from '@slack/bolt';
import { userMessage } from '../../errors';
import type { Services } from '../../services';
import type { ListenerRegistry } from '../../slack/listener-table';
import type { Subcommand } from '../../slack/router';
import { STATUS_ACTIONS } from '../status/ids';
import { SETUP_ACTION, SETUP_CALLBACK } from './ids';
import {
  changeCrm,
  type FollowUp,
  lookupChoices,
  parseStatusButton,
  replaceTriggers,
  resolveTriggers,
  retryMapping,
  type SetupResult,
  type SetupScreen,
  type StepAction,
  type StepOutcome,
  type SubmittedView,
  startAddLocation,
  startSetup,
  startTriggerUpdate,
  stepAction,
  submitAddLocationStart,
  submitCrmStep,
  submitGroupStep,
  submitLocationsStep,
  submitReview,
  submitTriggerUpdate,
} from './service';
import { readForm } from './state';
import {
  buildErrorView,
  buildLookupOptions,
  buildResultMessage,
  buildSummaryView,
  renderScreen,
  SETUP_LAYOUT,
} from './views';

type Client = App['client'];

/** Said when Slack refuses views.open because the 3 s trigger window passed. */
export const EXPIRED_TRIGGER_MESSAGE = 'That took too long, run the command again.';

function slackError(err: unknown): string | undefined {
  return (err as { data?: { error?: string } } | undefined)?.data?.error;
}

interface OpenedView {
  id: string;
  hash?: string | undefined;
}

/** Opens a screen as a modal; undefined when the trigger expired (Slack's 3 s). */
async function openScreen(client: Client, triggerId: string, screen: SetupScreen): Promise<OpenedView | undefined> {
  try {
    const res = await client.views.open({ trigger_id: triggerId, view: renderScreen(screen) });
    return { id: res.view?.id ?? '', hash: res.view?.hash };
  } catch (err) {
    if (slackError(err) === 'expired_trigger_id') return undefined;
    throw err;
  }
}

async function updateScreen(client: Client, view: OpenedView, screen: SetupScreen) {
  return client.views.update({
    view_id: view.id,
    ...(view.hash ? { hash: view.hash } : {}),
    view: renderScreen(screen),
  });
}

/** Reads the trigger list after the modal is open and shows it when it changes the screen. */
async function resolveTriggersInto(
  services: Services,
  client: Client,
  sessionId: string,
  view: OpenedView,
  note?: string,
) {
  const screen = await resolveTriggers(services, sessionId, note);
  if (screen) await updateScreen(client, view, screen);
}

// ============================================================== /crm setup

/** `/crm setup [crm]` and `/crm setup add-location [business id] [crm]`: open the modal at once. */
export const setup: Subcommand = {
  usage: '/crm setup [crm]',
  description:
    'Sets up a CRM integration in a form: CRM and triggers, group properties, locations, then a review of the exact requests before anything is sent. `/crm setup add-location <business id>` adds locations to an existing group.',
  examples: ['/crm setup', '/crm setup carestack', '/crm setup add-location 155802718182498'],
  run: async (ctx) => {
    const { services, client } = ctx;
    const base = { userId: ctx.command.user_id, channelId: ctx.command.channel_id };
    const [first, ...more] = ctx.args;
    let opened: OpenedView | undefined;
    if (first?.toLowerCase() === 'add-location') {
      const started = await startAddLocation(services, {
        ...base,
        businessNumber: more[0],
        crmId: more.slice(1).join(' ') || undefined,
      });
      opened = await openScreen(client, ctx.command.trigger_id, started.screen);
    } else {
      const started = await startSetup(services, { ...base, crmText: ctx.rest.trim() || undefined });
      opened = await openScreen(client, ctx.command.trigger_id, started.screen);
      if (opened && started.crmKnown)
        await resolveTriggersInto(services, client, started.sessionId, opened, started.note);
    }
    if (!opened) await ctx.respond(EXPIRED_TRIGGER_MESSAGE);
  },
};

// ============================================================ interactions

function submittedView(view: { id: string; private_metadata?: string | undefined; state?: unknown }): SubmittedView {
  return { id: view.id, metadata: view.private_metadata, form: readForm(view.state) };
}

function actionValue(body: BlockAction): string {
  const action = body.actions[0] as { value?: string } | undefined;
  return action?.value ?? '';
}

/** Runs a modal action; a failure replaces the modal with the error in plain words. */
async function inModal(
  services: Services,
  client: Client,
  body: BlockAction,
  work: (view: OpenedView & SubmittedView) => Promise<void>,
) {
  const view = body.view;
  if (!view) return;
  try {
    await work({ ...submittedView(view), hash: view.hash });
  } catch (err) {
    services.logger.warn({ err: { code: (err as { code?: string }).code } }, 'setup action failed');
    await client.views.update({ view_id: view.id, view: buildErrorView(err) }).catch(() => undefined);
  }
}

/** Posts the setup result in the channel; falls back to an ephemeral message, then a DM. Returns where it went, in words. */
async function postResult(
  services: Services,
  client: Client,
  channelId: string | undefined,
  result: SetupResult,
): Promise<string> {
  const message = buildResultMessage(result);
  const userId = result.userId;
  const fallback = (err: unknown) =>
    ['not_in_channel', 'channel_not_found', 'is_archived'].includes(slackError(err) ?? '');
  if (channelId) {
    try {
      await client.chat.postMessage({ channel: channelId, ...message });
      return 'The result is posted in the channel.';
    } catch (err) {
      if (!fallback(err)) services.logger.warn({ err: { code: slackError(err) } }, 'setup result post failed');
    }
    try {
      await client.chat.postEphemeral({ channel: channelId, user: userId, ...message });
      return 'The bot is not in that channel, so the result was posted only to you there.';
    } catch (err) {
      services.logger.warn({ err: { code: slackError(err) } }, 'setup result ephemeral failed');
    }
  }
  try {
    const dm = await client.conversations.open({ users: userId });
    const channel = dm.channel?.id;
    if (!channel) throw new Error('no DM channel');
    await client.chat.postMessage({ channel, ...message });
    return 'The result was sent to you in a direct message.';
  } catch (err) {
    services.logger.warn({ err: { code: slackError(err) } }, 'setup result DM failed');
    return 'The result could not be posted anywhere; this summary is the only copy.';
  }
}

/** The work after an ack: show the next screen, or post a finished setup's result and show its summary. */
async function follow(services: Services, client: Client, viewId: string, next: FollowUp | undefined) {
  if (!next) return;
  if (next.kind !== 'done') {
    await client.views.update({ view_id: viewId, view: renderScreen(next) });
    return;
  }
  const posted = await postResult(services, client, next.channelId, next.result);
  await client.views.update({ view_id: viewId, view: buildSummaryView(next.result, posted) }).catch((err: unknown) => {
    services.logger.warn({ err: { code: slackError(err) } }, 'setup summary view update failed');
  });
}

type Submission = (services: Services, client: Client, view: SubmittedView, userId: string) => Promise<StepOutcome>;

const SUBMISSIONS: Array<[string, Submission]> = [
  [SETUP_CALLBACK.crm, (s, c, v, u) => submitCrmStep(s, SETUP_LAYOUT, v, c, u)],
  [SETUP_CALLBACK.group, (s, _c, v) => submitGroupStep(s, SETUP_LAYOUT, v)],
  [SETUP_CALLBACK.locations, (s, _c, v) => submitLocationsStep(s, SETUP_LAYOUT, v)],
  [SETUP_CALLBACK.review, submitReview],
  [SETUP_CALLBACK.addLocation, (s, _c, v) => submitAddLocationStart(s, SETUP_LAYOUT, v)],
  [SETUP_CALLBACK.triggers, submitTriggerUpdate],
];

/** The setup, add-location and trigger-update modals: submissions, buttons, lookups, and the result's Retry. */
export function registerSetup(app: ListenerRegistry, services: Services): void {
  // Submissions: parse, validate, ack (errors or the next step), then any slow work.
  for (const [callbackId, submit] of SUBMISSIONS) {
    app.view(callbackId, async ({ ack, body, view, client }) => {
      let outcome: StepOutcome;
      try {
        outcome = await submit(services, client, submittedView(view), body.user.id);
      } catch (err) {
        services.logger.warn({ err: { code: (err as { code?: string }).code }, callbackId }, 'setup step failed');
        await ack({ response_action: 'update', view: buildErrorView(err) });
        return;
      }
      if (outcome.kind === 'errors') {
        await ack({ response_action: 'errors', errors: outcome.errors });
        return;
      }
      if (outcome.kind === 'push') {
        await ack({ response_action: 'push', view: renderScreen(outcome.screen) });
        return;
      }
      await ack({ response_action: 'update', view: renderScreen(outcome.screen) });
      if (!outcome.after) return;
      try {
        await follow(services, client, view.id, await outcome.after());
      } catch (err) {
        services.logger.warn(
          { err: { code: (err as { code?: string }).code }, callbackId },
          'setup work after ack failed',
        );
        await client.views.update({ view_id: view.id, view: buildErrorView(err) }).catch(() => undefined);
      }
    });
  }

  app.action<BlockAction>(SETUP_ACTION.crmSelect, async ({ ack, body, client }) => {
    await ack();
    await inModal(services, client, body, async (view) => {
      const changed = await changeCrm(services, view);
      const res = await updateScreen(client, view, changed.screen);
      if (changed.resolveTriggers)
        await resolveTriggersInto(services, client, changed.sessionId, { id: view.id, hash: res.view?.hash });
    });
  });

  const stepButtons: Array<[string, (body: BlockAction) => StepAction]> = [
    [SETUP_ACTION.back, (body) => ({ kind: 'back', target: actionValue(body) })],
    [SETUP_ACTION.addLocation, () => ({ kind: 'add' })],
    [SETUP_ACTION.removeLocation, (body) => ({ kind: 'remove', uid: actionValue(body) })],
    [SETUP_ACTION.useExisting, () => ({ kind: 'useExisting' })],
  ];
  for (const [actionId, actionOf] of stepButtons) {
    app.action<BlockAction>(actionId, async ({ ack, body, client }) => {
      await ack();
      await inModal(services, client, body, async (view) => {
        await updateScreen(client, view, await stepAction(services, SETUP_LAYOUT, view, actionOf(body)));
      });
    });
  }

  app.action<BlockAction>(SETUP_ACTION.replaceTriggers, async ({ ack, body, client }) => {
    await ack();
    await inModal(services, client, body, async (view) => {
      const replaced = await replaceTriggers(services, client, view, body.user.id);
      await client.views.update({ view_id: view.id, view: renderScreen(replaced.screen) });
      if (replaced.run) await client.views.update({ view_id: view.id, view: renderScreen(await replaced.run()) });
    });
  });

  // Selecting in a lookup select sends a block action too; the value is read from view.state on submit.
  app.action<BlockAction>(SETUP_ACTION.lookup, async ({ ack }) => {
    await ack();
  });

  /** Live lookups for location properties (external selects). */
  app.options(SETUP_ACTION.lookup, async ({ ack, body }) => {
    const b = body as { block_id?: string; value?: string; view?: { private_metadata?: string } };
    const choices = await lookupChoices(services, {
      blockId: b.block_id ?? '',
      typed: b.value ?? '',
      metadata: b.view?.private_metadata,
    });
    await ack(buildLookupOptions(choices));
  });

  app.action<BlockAction>(SETUP_ACTION.retryMapping, async ({ ack, body, client, respond }) => {
    await ack();
    const message = body.container as { message_ts?: string; channel_id?: string; is_ephemeral?: boolean } | undefined;
    try {
      const result = await retryMapping(services, client, { value: actionValue(body), userId: body.user.id });
      const updated = buildResultMessage(result);
      if (message?.message_ts && message.channel_id && !message.is_ephemeral) {
        await client.chat.update({ channel: message.channel_id, ts: message.message_ts, ...updated });
      } else {
        await respond({ replace_original: true, ...updated });
      }
    } catch (err) {
      await respond({ response_type: 'ephemeral', replace_original: false, text: userMessage(err) });
    }
  });

  // Buttons on a /crm status message: add a location to that group, or update its triggers.
  for (const [actionId, start] of [
    [STATUS_ACTIONS.addLocation, startAddLocation],
    [STATUS_ACTIONS.updateTriggers, startTriggerUpdate],
  ] as const) {
    app.action<BlockAction>(actionId, async ({ ack, body, client, respond }) => {
      await ack();
      try {
        const started = await start(services, {
          userId: body.user.id,
          channelId: body.channel?.id,
          ...parseStatusButton(actionValue(body)),
        });
        const opened = await openScreen(client, body.trigger_id, started.screen);
        if (!opened) {
          await respond({ response_type: 'ephemeral', replace_original: false, text: EXPIRED_TRIGGER_MESSAGE });
          return;
        }
        if (actionId === STATUS_ACTIONS.updateTriggers)
          await resolveTriggersInto(services, client, started.sessionId, opened);
      } catch (err) {
        await respond({ response_type: 'ephemeral', replace_original: false, text: userMessage(err) });
      }
    });
  }
}
