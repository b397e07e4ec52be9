import type { App } from '@slack/bolt';
import { matchColumns } from '../../../bulk/columns';
import { parseTable } from '../../../bulk/csv';
import { prepareDryRun } from '../../../bulk/service';
import { BotError, userMessage } from '../../../errors';
import type { Services } from '../../../services';
import { BULK_BLOCKS, BULK_MODAL, type BulkModalMetadata } from '../../views/bulk';

/** Largest CSV file read from Slack. */
const MAX_FILE_BYTES = 2 * 1024 * 1024;

interface BulkForm {
  crmId?: string;
  groupId?: string;
  table?: string;
  fileId?: string;
}

// biome-ignore lint/suspicious/noExplicitAny: Slack view state is arbitrary JSON
function readForm(values: Record<string, Record<string, any>>): BulkForm {
  const form: BulkForm = {};
  const crmId = values[BULK_BLOCKS.crm]?.value?.selected_option?.value;
  const groupId = values[BULK_BLOCKS.group]?.value?.value;
  const table = values[BULK_BLOCKS.table]?.value?.value;
  const fileId = values[BULK_BLOCKS.file]?.value?.files?.[0]?.id;
  if (typeof crmId === 'string') form.crmId = crmId;
  if (typeof groupId === 'string' && groupId.trim()) form.groupId = groupId.trim();
  if (typeof table === 'string' && table.trim()) form.table = table;
  if (typeof fileId === 'string') form.fileId = fileId;
  return form;
}

/** The modal submission: cheap checks in the ack, then group lookup, file download and the dry run. */
export function registerBulkViews(app: App, services: Services): void {
  app.view(BULK_MODAL, async ({ ack, view, body, client }) => {
    const form = readForm(view.state.values);
    const metadata = JSON.parse(view.private_metadata || '{}') as BulkModalMetadata;
    const errors: Record<string, string> = {};
    const crm = form.crmId ? services.catalog.find(form.crmId) : undefined;
    if (!crm) errors[BULK_BLOCKS.crm] = 'Choose the CRM';
    if (form.groupId && !/^\d+$/.test(form.groupId)) errors[BULK_BLOCKS.group] = 'Group ID is a whole number';
    if (!form.table && !form.fileId) errors[BULK_BLOCKS.table] = 'Paste the locations table or upload a CSV file';
    if (form.table && form.fileId) errors[BULK_BLOCKS.table] = 'Paste a table or upload a file, not both';
    if (crm && form.table && !errors[BULK_BLOCKS.table]) {
      const columns = matchColumns(parseTable(form.table).header, crm);
      if (!columns.ok) errors[BULK_BLOCKS.table] = columns.problems.join(' ').slice(0, 2000);
    }
    if (Object.keys(errors).length > 0 || !crm) {
      await ack({ response_action: 'errors', errors });
      return;
    }
    await ack();
    const userId = body.user.id;
    const channel = metadata.channel;
    try {
      const groupId = form.groupId
        ? Number(form.groupId)
        : await groupOfCrm(services, metadata.enterpriseId, crm.integrationSourceId, crm.displayName);
      const text = form.table ?? (await downloadFile(services, client, form.fileId!));
      await prepareDryRun(services, client, {
        userId,
        channel,
        crmId: crm.id,
        enterpriseId: metadata.enterpriseId,
        groupId,
        text,
      });
    } catch (err) {
      services.logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'bulk: dry run failed');
      await client.chat.postEphemeral({ channel, user: userId, text: `Bulk onboarding: ${userMessage(err)}` });
    }
  });
}

async function groupOfCrm(
  services: Services,
  enterpriseId: string,
  sourceId: number,
  crmName: string,
): Promise<number> {
  const groups = (await services.api.getGroups(enterpriseId)).filter((g) => g.integrationSourceType.id === sourceId);
  if (groups.length === 1) return groups[0]!.groupId;
  if (groups.length === 0) {
    throw new BotError(
      'validation_failed',
      `Enterprise ${enterpriseId} has no ${crmName} integration group. Bulk only adds locations to an existing group: create the group with the setup flow first, then run bulk again.`,
    );
  }
  throw new BotError(
    'validation_failed',
    `Enterprise ${enterpriseId} has ${groups.length} ${crmName} groups (${groups.map((g) => g.groupId).join(', ')}); run bulk again and type the group ID.`,
  );
}

/** files.info, then url_private_download with the bot token. */
async function downloadFile(services: Services, client: App['client'], fileId: string): Promise<string> {
  const info = await client.files.info({ file: fileId });
  const url = info.file?.url_private_download ?? info.file?.url_private;
  if (!url) throw new BotError('validation_failed', 'The uploaded file cannot be downloaded; paste the table instead.');
  if ((info.file?.size ?? 0) > MAX_FILE_BYTES)
    throw new BotError('validation_failed', 'The file is larger than 2 MB; split it.');
  const res = await fetch(url, { headers: { Authorization: `Bearer ${services.config.SLACK_BOT_TOKEN}` } });
  if (!res.ok)
    throw new BotError(
      'validation_failed',
      `Slack did not give the file (HTTP ${res.status}); paste the table instead.`,
    );
  const bytes = new Uint8Array(await res.arrayBuffer());
  // A text table has no NUL bytes; a workbook (.xlsx), PDF or image renamed .csv does.
  if (bytes.includes(0))
    throw new BotError(
      'validation_failed',
      'The file is not a CSV (it looks like a binary file, such as an Excel workbook): save it as CSV (comma-separated) and upload that, or paste the table.',
    );
  return new TextDecoder().decode(bytes);
}
