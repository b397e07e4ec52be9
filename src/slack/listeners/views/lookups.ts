import type { App } from '@slack/bolt';
import { findLookupSpec, performLookup, validateLookupInputs } from '../../../handlers/lookups';
import type { Services } from '../../../services';
import {
  buildLookupResultView,
  buildLookupWorkingView,
  INPUT_ACTION_ID,
  inputBlockId,
  LOOKUP_MODAL,
  type LookupMetadata,
} from '../../views/lookups';

/** The lookup form: inline validation in the ack, then the lookup runs and the modal shows the results. */
export function registerLookupViews(app: App, services: Services): void {
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
