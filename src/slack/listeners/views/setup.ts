import type { App } from '@slack/bolt';
import {
  errorView,
  type SetupDeps,
  type SubmissionResult,
  submitAddLocationStart,
  submitCrmStep,
  submitGroupStep,
  submitLocationsStep,
  submitReview,
  submitTriggerUpdate,
  type ViewInput,
} from '../../../handlers/setup/flow';
import type { Services } from '../../../services';
import { SETUP_CALLBACK } from '../../views/setup';

type Step = (deps: SetupDeps, view: ViewInput, userId: string) => Promise<SubmissionResult>;

const STEPS: Array<[string, Step]> = [
  [SETUP_CALLBACK.crm, submitCrmStep],
  [SETUP_CALLBACK.group, submitGroupStep],
  [SETUP_CALLBACK.locations, submitLocationsStep],
  [SETUP_CALLBACK.review, submitReview],
  [SETUP_CALLBACK.addLocation, submitAddLocationStart],
  [SETUP_CALLBACK.triggers, submitTriggerUpdate],
];

/** Setup modal submissions: parse, validate, ack (errors or the next step), then any slow work. */
export function registerSetupViews(app: App, services: Services): void {
  for (const [callbackId, step] of STEPS) {
    app.view(callbackId, async ({ ack, body, view, client }) => {
      const deps = { services, client };
      const input: ViewInput = {
        id: view.id,
        hash: view.hash,
        private_metadata: view.private_metadata,
        state: view.state,
      };
      let result: SubmissionResult;
      try {
        result = await step(deps, input, body.user.id);
      } catch (err) {
        services.logger.warn({ err: { code: (err as { code?: string }).code }, callbackId }, 'setup step failed');
        await ack({ response_action: 'update', view: errorView(err) });
        return;
      }
      await ack(result.ack);
      if (!result.after) return;
      try {
        await result.after();
      } catch (err) {
        services.logger.warn(
          { err: { code: (err as { code?: string }).code }, callbackId },
          'setup work after ack failed',
        );
        await client.views.update({ view_id: view.id, view: errorView(err) }).catch(() => undefined);
      }
    });
  }
}
