import type { CrmDefinition } from '../../src/catalog';
import { BLOCK, parseLocationBlock, SETUP_CALLBACK } from '../../src/flows/setup/ids';
import { setupCrmStep, setupInputs, setupStep } from './flow-forms';
import type { Replay, SetupFixture } from './golden-fixtures';
import type { TestBot } from './slack-harness';

/**
 * Walks `/crm setup <crm>` to its Review step the way a user does: the signed command, then each
 * step's view_submission with the values typed. The integration API calls on the way (the
 * existing-group read after step 1) must be answered by the test's stand-in or nock.
 */

// biome-ignore lint/suspicious/noExplicitAny: Block Kit JSON from the stand-in
type Json = Record<string, any>;

export interface SetupAnswers {
  crmId: string;
  accountType: 'smb' | 'enterprise';
  parent: string;
  groupProperties: Record<string, string>;
  locations: Array<{ businessNumber?: string; properties: Record<string, string>; nextRunTime?: string }>;
  /** The id Slack gives the modal (one per test: confirm claims are per view). */
  viewId: string;
  /** Who runs the setup (default the harness user). */
  user?: string;
}

export interface AtReview {
  /** The Review view the bot showed. */
  review: Json;
  /** The views.update after step 1's existing-group check (its banner, when a group exists). */
  checked: Json;
  metadata: string;
  /** Submits the Review view (Confirm) as `user` (default the setup's own user). */
  confirm(user?: string): ReturnType<TestBot['sendViewSubmission']>;
}

/**
 * A golden fixture's answers as a person types them, into the test's own modal for the test's own
 * business: `values` replace the group properties of the same key (a canary secret, say).
 */
export function goldenAnswers(
  fixture: SetupFixture,
  { parent, values = {}, viewId, user }: Omit<Replay, 'groupId'> & Pick<SetupAnswers, 'viewId' | 'user'>,
): SetupAnswers {
  const { input } = fixture;
  return {
    crmId: input.crmId,
    accountType: input.accountType,
    parent,
    viewId,
    ...(user ? { user } : {}),
    groupProperties: Object.fromEntries(Object.entries(input.groupProperties).map(([k, v]) => [k, values[k] ?? v])),
    locations: input.locations.map(({ businessNumber, properties }) => ({
      ...(businessNumber
        ? { businessNumber: businessNumber === input.parentBusinessNumber ? parent : businessNumber }
        : {}),
      properties,
    })),
  };
}

/** A group of this CRM as the integration API lists it (the existing-group check and the read-back). */
export function groupAnswer(
  crm: Pick<CrmDefinition, 'integrationSourceId' | 'integrationSource'>,
  groupId: number,
): Json {
  return {
    groupId,
    integrationSourceType: { id: crm.integrationSourceId, integrationSource: crm.integrationSource },
    integrationGroupTriggers: [],
  };
}

const { text } = setupInputs;

/** The first block matching `predicate`; fails the test when there is none. */
export function findBlock(blocks: unknown, predicate: (block: Json) => boolean): Json {
  const hit = (blocks as Json[]).find(predicate);
  if (!hit) throw new Error('block not found');
  return hit;
}

/** Location uids of a locations-step view, in order. */
export function locationUids(view: Json): string[] {
  return (view.blocks as Json[])
    .map((b) => String(b.block_id ?? ''))
    .flatMap((id) => {
      const block = parseLocationBlock(id);
      return block && !block.pick && block.field === 'businessNumber' ? [block.uid] : [];
    });
}

/** The group step's state.values: each property typed into its input. */
export function groupValues(properties: Record<string, string>): Json {
  return Object.fromEntries(Object.entries(properties).map(([key, value]) => [BLOCK.group(key), text(value)]));
}

/** The view_submission of the setup modal's group step, each property typed into its input. */
export function groupStep(viewId: string, metadata: string, properties: Record<string, string>): { view: Json } {
  return setupStep(viewId, metadata, SETUP_CALLBACK.group, groupValues(properties));
}

/** The locations step's state.values: each location's answers typed into the inputs the view has. */
export function locationValues(view: Json, locations: SetupAnswers['locations']): Json {
  const ids = new Set((view.blocks as Json[]).map((b) => String(b.block_id ?? '')));
  const values: Json = {};
  locationUids(view).forEach((uid, i) => {
    const location = locations[i];
    if (!location) return;
    values[BLOCK.location(uid, 'businessNumber')] = text(location.businessNumber ?? '');
    const typed = { ...location.properties, ...(location.nextRunTime ? { nextRunTime: location.nextRunTime } : {}) };
    for (const [key, value] of Object.entries(typed)) {
      if (ids.has(BLOCK.location(uid, key))) values[BLOCK.location(uid, key)] = text(value);
    }
  });
  return values;
}

export async function setupToReview(bot: TestBot, answers: SetupAnswers): Promise<AtReview> {
  const actor = answers.user ? { user: answers.user } : {};
  const opened = bot.slack.callsTo('views.open').length;
  await bot.sendCommand(`setup ${answers.crmId}`, actor);
  const open = await bot.slack.waitFor('views.open', (c) => bot.slack.callsTo('views.open').indexOf(c) >= opened);
  const metadata: string = open.body.view.private_metadata;
  const triggers = (open.body.view.blocks as Json[]).find((b) => b.block_id === BLOCK.triggers);
  const preselected = (triggers?.element.initial_options ?? []) as Json[];
  const submit = (callbackId: string, values: Json, user = answers.user) =>
    bot.sendViewSubmission(
      { view: { id: answers.viewId, callback_id: callbackId, private_metadata: metadata, state: { values } } },
      user ? { user } : {},
    );

  const updates = bot.slack.callsTo('views.update').length;
  const triggerValues = preselected.map((o) => String(o.value));
  const step1 = (
    await bot.sendViewSubmission(
      setupCrmStep(answers.viewId, metadata, { ...answers, triggers: triggerValues }),
      answers.user ? { user: answers.user } : {},
    )
  ).json();
  if (step1?.response_action !== 'update') throw new Error(`step 1 refused: ${JSON.stringify(step1)}`);
  // The existing-group check runs after the ack and updates the open step.
  const checked = (
    await bot.slack.waitFor(
      'views.update',
      (c) => c.body.view_id === answers.viewId && bot.slack.callsTo('views.update').indexOf(c) >= updates,
    )
  ).body.view as Json;

  let current = checked;
  if (current.callback_id === SETUP_CALLBACK.group) {
    current = (await submit(SETUP_CALLBACK.group, groupValues(answers.groupProperties))).json().view;
  }
  const review = (await submit(SETUP_CALLBACK.locations, locationValues(current, answers.locations))).json().view;
  if (review?.callback_id !== SETUP_CALLBACK.review) throw new Error(`no review step: ${JSON.stringify(review)}`);
  return {
    review,
    checked,
    metadata,
    confirm: (user) => submit(SETUP_CALLBACK.review, {}, user ?? answers.user),
  };
}
