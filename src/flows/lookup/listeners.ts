import type { BlockAction, ButtonAction } from '@slack/bolt';
import { BotError } from '../../errors';
import type { Services } from '../../services';
import type { ListenerRegistry } from '../../slack/listener-table';
import type { Subcommand } from '../../slack/router';
import { INPUT_ACTION_ID, inputBlockId, LOOKUP_AGAIN, LOOKUP_MODAL } from './ids';
import {
  findLookupSpec,
  type LookupMatch,
  looksLikeSecret,
  performLookup,
  resolveLookup,
  validateLookupInputs,
} from './service';
import { buildLookupModal, buildLookupResultView, buildLookupWorkingView, type LookupMetadata } from './views';

const SECRET_WARNING =
  'Part of what you typed after `/crm lookup` looked like a credential, so I did not show or use it. ' +
  'Type credentials only into the lookup form; if it was real, it is now in your Slack command history.';

export const lookup: Subcommand = {
  usage: '/crm lookup <what>',
  description:
    'Looks up values in the CRM (nextech-practitioners, nextech-locations, cloud9-locations, carestack-locations, carestack-statuses). Opens a form for the IDs and credentials it needs.',
  examples: ['/crm lookup carestack-locations', '/crm lookup nextech-practitioners'],
  run: async (ctx) => {
    let match: LookupMatch;
    try {
      match = resolveLookup(ctx.services.catalog, ctx.args);
    } catch (err) {
      if (err instanceof BotError && looksLikeSecret(ctx.rest)) {
        throw new BotError(err.code, `${SECRET_WARNING}\n${err.message}`);
      }
      throw err;
    }
    const { spec } = match;
    // trigger_id expires 3 s after the command: open the form before anything else.
    await ctx.client.views.open({
      trigger_id: ctx.command.trigger_id,
      view: buildLookupModal(spec, { lookup: spec.id, crm: spec.crmId, channel: ctx.command.channel_id }),
    });
    const extra = ctx.args.slice(match.words).join(' ');
    if (extra) {
      await ctx.respond(
        looksLikeSecret(extra)
          ? SECRET_WARNING
          : 'I ignored the words after the lookup name: enter the values in the form I opened.',
      );
    }
  },
};

/** The lookup form: inline validation in the ack, then the lookup runs and the modal shows the results. */
export function registerLookup(app: ListenerRegistry, services: Services): void {
  app.view(LOOKUP_MODAL, async ({ ack, body, view, client }) => {
    const meta = parseLookupMetadata(view.private_metadata);
    const spec = meta && findLookupSpec(services.catalog, meta.lookup, meta.crm);
    if (!meta || !spec) {
      await ack({
        response_action: 'errors',
        errors: { [inputBlockId(0)]: 'This form is out of date: close it and run /crm lookup again.' },
      });
      return;
    }
    const values = view.state.values;
    const typed = Object.fromEntries(
      spec.inputs.map((input, index) => {
        const state = values[inputBlockId(index)]?.[INPUT_ACTION_ID];
        return [input.key, state?.value ?? state?.selected_option?.value ?? undefined];
      }),
    );
    const checked = validateLookupInputs(spec, typed);
    if (!checked.ok) {
      const errors = Object.fromEntries(
        spec.inputs.flatMap((input, index) =>
          checked.errors[input.key] ? [[inputBlockId(index), checked.errors[input.key]!]] : [],
        ),
      );
      await ack({ response_action: 'errors', errors });
      return;
    }
    await ack({ response_action: 'update', view: buildLookupWorkingView(spec) });
    const result = await performLookup(services, spec, checked.values);
    await client.views.update({ view_id: body.view.id, view: buildLookupResultView(result, meta) });
  });

  /** "Look up again" on a result: back to an empty form for the same lookup. */
  app.action<BlockAction<ButtonAction>>(LOOKUP_AGAIN, async ({ ack, body, action, client }) => {
    await ack();
    const meta = parseLookupMetadata(action.value);
    const spec = meta && findLookupSpec(services.catalog, meta.lookup, meta.crm);
    if (!meta || !spec || !body.view) return;
    await client.views.update({ view_id: body.view.id, view: buildLookupModal(spec, meta) });
  });
}

export function parseLookupMetadata(text: string | undefined): LookupMetadata | undefined {
  try {
    const meta = JSON.parse(text ?? '') as Partial<LookupMetadata>;
    if (typeof meta.lookup !== 'string' || typeof meta.crm !== 'string') return undefined;
    return {
      lookup: meta.lookup,
      crm: meta.crm,
      ...(typeof meta.channel === 'string' ? { channel: meta.channel } : {}),
    };
  } catch {
    return undefined;
  }
}
