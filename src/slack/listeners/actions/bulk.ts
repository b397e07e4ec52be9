import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import { templateHeaders } from '../../../bulk/columns';
import { toCsv } from '../../../bulk/csv';
import { cancelRun, confirmRun, discardRun, resumeRun, retryFailedRows, uploadCsv } from '../../../bulk/service';
import { exampleValue } from '../../../bulk/validate';
import { userMessage } from '../../../errors';
import { assertCanWrite } from '../../../operations/permissions';
import type { Services } from '../../../services';
import { BULK_ACTIONS, BULK_BLOCKS, type BulkModalMetadata } from '../../views/bulk';

/** Buttons of the bulk flow: ack, then hand the run id to src/bulk/service. */
export function registerBulkActions(app: App, services: Services): void {
  const onRun = (actionId: string, handle: (runId: string, client: App['client']) => Promise<unknown>) =>
    app.action<BlockAction<ButtonAction>>(actionId, async ({ ack, action, body, client, respond }) => {
      await ack();
      if (!action.value) return;
      // Anyone in the thread can see these buttons: the person who clicks must be allowed to write.
      try {
        await assertCanWrite(services.config, client, body.user.id);
      } catch (err) {
        await respond({ response_type: 'ephemeral', replace_original: false, text: userMessage(err) });
        return;
      }
      await handle(action.value, client);
    });
  onRun(BULK_ACTIONS.confirm, (id, client) => confirmRun(services, client, id));
  onRun(BULK_ACTIONS.discard, (id, client) => discardRun(services, client, id));
  onRun(BULK_ACTIONS.cancel, (id) => cancelRun(services, id));
  onRun(BULK_ACTIONS.resume, (id, client) => resumeRun(services, client, id));
  onRun(BULK_ACTIONS.retryFailed, (id, client) => retryFailedRows(services, client, id));

  app.action<BlockAction<ButtonAction>>(BULK_ACTIONS.template, async ({ ack, body, client }) => {
    await ack();
    const metadata = JSON.parse(body.view?.private_metadata || '{}') as Partial<BulkModalMetadata>;
    const crmId = body.view?.state.values[BULK_BLOCKS.crm]?.[BULK_ACTIONS.value]?.selected_option?.value;
    const crm = crmId ? services.catalog.find(crmId) : undefined;
    const channel = metadata.channel ?? body.user.id;
    if (!crm) {
      await client.chat.postEphemeral({
        channel,
        user: body.user.id,
        text: 'Choose the CRM first, then download its template.',
      });
      return;
    }
    const headers = templateHeaders(crm);
    const example = [
      '123456789012345',
      ...headers.slice(1).map((key) => {
        const property = crm.locationProperties.find((p) => p.key === key);
        return property ? exampleValue(property) : '';
      }),
    ];
    await uploadCsv(
      client,
      channel,
      undefined,
      `bulk-template-${crm.id}.csv`,
      toCsv([headers, example]),
      `Bulk template for ${crm.displayName}: one line per location.`,
    );
  });
}
