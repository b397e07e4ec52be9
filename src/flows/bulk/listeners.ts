import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import { matchColumns, templateHeaders } from '../../bulk/columns';
import { parseTable, toCsv } from '../../bulk/csv';
import { loadRun } from '../../bulk/run-record';
import { exampleValue } from '../../bulk/validate';
import { BotError, userMessage } from '../../errors';
import { assertCanWrite } from '../../operations/permissions';
import { auditRefusal } from '../../operations/write';
import { parseBusinessNumber } from '../../planner';
import type { Services } from '../../services';
import type { ListenerRegistry } from '../../slack/listener-table';
import { updateOpenModal } from '../../slack/modal';
import type { Subcommand } from '../../slack/router';
import { BULK_ACTIONS, BULK_BLOCKS, BULK_MODAL } from './ids';
import {
  type BulkIO,
  type CsvFile,
  cancelRun,
  confirmRun,
  discardRun,
  groupOfCrm,
  groupsNote,
  prepareDryRun,
  resumeInterruptedRuns,
  resumeRun,
  retryFailedRows,
} from './service';
import { type BulkModalMetadata, buildBulkModal, buildDryRunMessage, buildProgressMessage } from './views';

type SlackClient = App['client'];

/** Largest CSV file read from Slack. */
const MAX_FILE_BYTES = 2 * 1024 * 1024;

// ------------------------------------------------------------------ slack io

function rateLimitedSeconds(err: unknown): number | undefined {
  const e = err as { code?: string; retryAfter?: number };
  return e?.code === 'slack_webapi_rate_limited_error' ? (e.retryAfter ?? 1) : undefined;
}

/** A Slack call that waits out one `ratelimited` answer (up to 30 s) and tries again. */
export async function slackCall<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    const retryAfter = rateLimitedSeconds(err);
    if (retryAfter === undefined) throw err;
    await new Promise((resolve) => setTimeout(resolve, Math.min(retryAfter, 30) * 1000));
    return call();
  }
}

async function uploadCsv(client: SlackClient, channel: string, threadTs: string | undefined, csv: CsvFile) {
  const file = { filename: csv.filename, title: csv.filename, content: csv.content, initial_comment: csv.comment };
  await slackCall(() =>
    threadTs
      ? client.files.uploadV2({ channel_id: channel, thread_ts: threadTs, ...file })
      : client.files.uploadV2({ channel_id: channel, ...file }),
  );
}

/** The bulk service's reports, on Slack: messages in the run's thread, chat.update for progress, file uploads. */
export function slackBulkIO(client: SlackClient): BulkIO {
  return {
    client,
    postDryRun: async (channel, summary) => {
      const posted = await slackCall(() => client.chat.postMessage({ channel, ...buildDryRunMessage(summary) }));
      return posted.ts;
    },
    markDiscarded: async (channel, ts) => {
      await slackCall(() =>
        client.chat.update({ channel, ts, text: 'Bulk onboarding discarded: nothing was sent.', blocks: [] }),
      );
    },
    uploadCsv: (channel, threadTs, file) => uploadCsv(client, channel, threadTs, file),
    postProgress: async (channel, threadTs, view) => {
      const posted = await slackCall(() =>
        client.chat.postMessage({
          channel,
          ...(threadTs ? { thread_ts: threadTs } : {}),
          ...buildProgressMessage(view),
        }),
      );
      return posted.ts;
    },
    updateProgress: async (channel, ts, view, mustArrive) => {
      const call = () => client.chat.update({ channel, ts, ...buildProgressMessage(view) });
      try {
        await (mustArrive ? slackCall(call) : call());
        return {};
      } catch (err) {
        const retryAfter = rateLimitedSeconds(err);
        if (retryAfter === undefined) throw err;
        return { rateLimitedForSeconds: retryAfter };
      }
    },
  };
}

/** Start-up: bulk runs another replica left unfinished are resumed here (main.ts calls it via register.ts). */
export function resumeBulkRuns(services: Services, client: SlackClient): Promise<string[]> {
  return resumeInterruptedRuns(services, slackBulkIO(client));
}

// ------------------------------------------------------------- /crm bulk

/** `/crm bulk <enterprise id>`: opens the bulk modal at once, then fills in the groups the enterprise has. */
export const bulk: Subcommand = {
  usage: '/crm bulk <enterprise id>',
  description: 'Add many locations (pasted table or CSV file) to an existing integration group, with a dry run first.',
  examples: ['/crm bulk 150051042499080'],
  async run(ctx) {
    // Read like every other business ID: `/crm status 150 051 042 499 080` and the same here both work.
    const enterpriseNumber = parseBusinessNumber(ctx.args.join(''));
    if (enterpriseNumber === undefined) {
      await ctx.respond('Usage: `/crm bulk <enterprise id>` (the 15-digit Enterprise ID from Birdeye).');
      return;
    }
    const enterpriseId = String(enterpriseNumber);
    const crms = ctx.services.catalog.crms.map((crm) => ({ id: crm.id, name: crm.displayName }));
    const metadata = { enterpriseId, channel: ctx.command.channel_id };
    const opened = await ctx.client.views.open({
      trigger_id: ctx.command.trigger_id,
      view: buildBulkModal({ metadata, crms, groupsNote: 'Reading the integration groups of this enterprise…' }),
    });
    const note = await groupsNote(ctx.services, enterpriseId, ctx.logger);
    const viewId = opened.view?.id;
    // The user may submit before the group read lands: then there is nothing left to update.
    if (viewId)
      await updateOpenModal(
        ctx.client,
        { view_id: viewId, view: buildBulkModal({ metadata, crms, groupsNote: note }) },
        ctx.logger,
      );
  },
};

// ------------------------------------------------------------------ modal

interface BulkForm {
  crmId?: string;
  groupId?: string;
  table?: string;
  fileId?: string;
}

// biome-ignore lint/suspicious/noExplicitAny: Slack view state is arbitrary JSON
function readForm(values: Record<string, Record<string, any>>): BulkForm {
  const form: BulkForm = {};
  const crmId = values[BULK_BLOCKS.crm]?.[BULK_ACTIONS.value]?.selected_option?.value;
  const groupId = values[BULK_BLOCKS.group]?.[BULK_ACTIONS.value]?.value;
  const table = values[BULK_BLOCKS.table]?.[BULK_ACTIONS.value]?.value;
  const fileId = values[BULK_BLOCKS.file]?.[BULK_ACTIONS.value]?.files?.[0]?.id;
  if (typeof crmId === 'string') form.crmId = crmId;
  if (typeof groupId === 'string' && groupId.trim()) form.groupId = groupId.trim();
  if (typeof table === 'string' && table.trim()) form.table = table;
  if (typeof fileId === 'string') form.fileId = fileId;
  return form;
}

/** files.info, then url_private_download with the bot token. */
async function downloadFile(services: Services, client: SlackClient, fileId: string): Promise<string> {
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

/** A refused click on a run's button, in the audit trail of the run's enterprise. */
async function auditRunRefusal(
  services: Services,
  client: SlackClient,
  runId: string,
  actionId: string,
  userId: string,
  error: unknown,
): Promise<void> {
  const run = await loadRun(services.store, runId).catch(() => undefined);
  await auditRefusal(
    services,
    client,
    {
      userId,
      businessNumber: run?.enterpriseId ?? 'unknown',
      crmId: run?.crmId ?? 'unknown',
      operation: actionId,
      maskedRequest: { runId, ...(run ? { groupId: run.groupId, rows: run.rows.length } : {}) },
    },
    error,
  );
}

/** The bulk modal (cheap checks in the ack, then group lookup, file download and the dry run) and the run's buttons. */
export function registerBulk(app: ListenerRegistry, services: Services): void {
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
      const groupId = form.groupId ? Number(form.groupId) : await groupOfCrm(services, metadata.enterpriseId, crm);
      const text = form.table ?? (await downloadFile(services, client, form.fileId!));
      await prepareDryRun(services, slackBulkIO(client), {
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

  // Buttons of a run: ack, then hand the run id to the service.
  const onRun = (actionId: string, handle: (runId: string, io: BulkIO) => Promise<unknown>) =>
    app.action<BlockAction<ButtonAction>>(actionId, async ({ ack, action, body, client, respond }) => {
      await ack();
      if (!action.value) return;
      // Anyone in the thread can see these buttons: the person who clicks must be allowed to write.
      try {
        await assertCanWrite(services.config, client, body.user.id);
      } catch (err) {
        await auditRunRefusal(services, client, action.value, actionId, body.user.id, err);
        await respond({ response_type: 'ephemeral', replace_original: false, text: userMessage(err) });
        return;
      }
      await handle(action.value, slackBulkIO(client));
    });
  onRun(BULK_ACTIONS.confirm, (id, io) => confirmRun(services, io, id));
  onRun(BULK_ACTIONS.discard, (id, io) => discardRun(services, io, id));
  onRun(BULK_ACTIONS.cancel, (id) => cancelRun(services, id));
  onRun(BULK_ACTIONS.resume, (id, io) => resumeRun(services, io, id));
  onRun(BULK_ACTIONS.retryFailed, (id, io) => retryFailedRows(services, io, id));

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
    await uploadCsv(client, channel, undefined, {
      filename: `bulk-template-${crm.id}.csv`,
      content: toCsv([headers, example]),
      comment: `Bulk template for ${crm.displayName}: one line per location.`,
    });
  });
}
