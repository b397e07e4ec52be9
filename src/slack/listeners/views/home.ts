import type { App } from '@slack/bolt';
import { userMessage } from '../../../errors';
import { getStatus, parseBusinessNumber } from '../../../handlers/status';
import type { Services } from '../../../services';
import {
  buildHomeStatusLoading,
  buildHomeStatusResult,
  HOME_STATUS_BLOCK,
  HOME_STATUS_INPUT,
  HOME_STATUS_MODAL,
} from '../../views/home';

/** App Home "Status": business ID checked in the ack, then the status replaces the form. */
export function registerHomeViews(app: App, services: Services): void {
  app.view(HOME_STATUS_MODAL, async ({ ack, body, view, client }) => {
    const typed = view.state.values[HOME_STATUS_BLOCK]?.[HOME_STATUS_INPUT]?.value ?? '';
    let businessNumber: string;
    try {
      businessNumber = parseBusinessNumber(typed, '123456789012345');
    } catch (err) {
      await ack({ response_action: 'errors', errors: { [HOME_STATUS_BLOCK]: userMessage(err) } });
      return;
    }
    await ack({ response_action: 'update', view: buildHomeStatusLoading(businessNumber) });
    let result: Parameters<typeof buildHomeStatusResult>[0];
    try {
      result = { report: await getStatus(services, businessNumber) };
    } catch (err) {
      result = { error: userMessage(err) };
    }
    await client.views.update({ view_id: body.view.id, view: buildHomeStatusResult(result) });
  });
}
