import { loadRun } from '../../src/bulk/run-record';
import { BULK_ACTIONS, BULK_BLOCKS, BULK_LAYOUT_BLOCKS, BULK_MODAL } from '../../src/flows/bulk/ids';
import { bulkTiming } from '../../src/flows/bulk/service';
import { PASTE_MAX_CHARS } from '../../src/flows/bulk/views';
import { bulkModalValues, csvFileInfo } from '../support/flow-forms';
import { API_PATHS, IntegrationApiStandin, type Reply } from '../support/integration-api-standin';
import { pollUntil } from '../support/poll';
import { TEST_BOT_TOKEN, TEST_CHANNEL, TEST_USER, type TestBot } from '../support/slack-harness';
import { useBot } from '../support/use-bot';

/**
 * The two bulk paths bulk.test.ts does not drive: a CSV uploaded through the modal's file_input
 * (files.info, then url_private_download with the bot token) and the "Download template" button.
 * Everything over signed requests; Slack, the file host and the integration API are local stand-ins.
 */

const ENTERPRISE = '150051042499080';
const GROUP_ID = 2024;
const bn = (i: number) => 150051042600000 + i;

/** The enterprise's integration groups, as the API answers them. */
const GROUPS = [
  { groupId: 1595, integrationSourceType: { id: 67, integrationSource: 'CARECLOUD' } },
  { groupId: GROUP_ID, integrationSourceType: { id: 124, integrationSource: 'CARESTACK' } },
];
/** Where url_private_download points: a file it was not given is a 404, as Slack's file host answers. */
const NOT_FOUND: Reply = { status: 404, text: 'not found', headers: { 'content-type': 'text/plain' } };

const HEADER = 'business id,carestack.appointment.status,carestack.location.id,carestack.account.key';
const ROWS = 60;
const BAD_LOCATION = 7;
const BAD_ID = 12;
/** Rows with a (fake) per-location account key override: a secret, kept out of Slack and the store. */
const hasOverride = (i: number) => i % 3 === 1;
const override = (i: number) => `fake-override-${i}`;

/** As a spreadsheet exports it: BOM, CRLF, quoted lists. */
function carestackCsv(): string {
  const lines = [HEADER];
  for (let i = 1; i <= ROWS; i++) {
    const id = i === BAD_ID ? '12345' : String(bn(i));
    const locations = i === BAD_LOCATION ? `"${i}a,19031"` : `"${i},19031"`;
    lines.push(`${id},"Arrived,Scheduled",${locations},${hasOverride(i) ? override(i) : ''}`);
  }
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}

function expectedBody(i: number) {
  return {
    businessNumber: bn(i),
    integrationGroupId: GROUP_ID,
    active: true,
    integrationProperties: [
      { propertyKey: 'carestack.appointment.status', propertyValue: 'Arrived, Scheduled', isSecure: false },
      { propertyKey: 'carestack.location.id', propertyValue: `${i}, 19031`, isSecure: false },
      ...(hasOverride(i) ? [{ propertyKey: 'carestack.account.key', propertyValue: override(i), isSecure: true }] : []),
    ],
    test: false,
    beta: false,
  };
}

/** `/crm bulk`, then the modal as the bot opened it (its private_metadata carries the channel). */
async function openModal(bot: TestBot): Promise<string> {
  const command = await bot.sendCommand(`bulk ${ENTERPRISE}`);
  expect(command.status).toBe(200);
  const opened = await bot.slack.waitFor('views.open');
  expect(opened.body.view.callback_id).toBe(BULK_MODAL);
  await bot.slack.waitFor('views.update');
  return opened.body.view.private_metadata;
}

/** Submits the modal with a file (and nothing pasted), as Slack sends a file_input's state. */
function submitFile(bot: TestBot, privateMetadata: string, fileId: string) {
  return bot.sendViewSubmission({
    view: {
      callback_id: BULK_MODAL,
      private_metadata: privateMetadata,
      state: { values: bulkModalValues({ crmId: 'carestack', fileId }) },
    },
  });
}

/** files.info for `fileId` answers a file whose download URL is on the file host. */
function programFile(bot: TestBot, host: IntegrationApiStandin, fileId: string, file: Record<string, unknown>) {
  bot.slack.program('files.info', (call) =>
    call.body.file === fileId
      ? {
          json: {
            ok: true,
            file: csvFileInfo(
              fileId,
              {
                view: `${host.url}/files-pri/T_TEST-${fileId}/locations.csv`,
                download: `${host.url}/files-pri/T_TEST-${fileId}/download/locations.csv`,
              },
              file,
            ),
          },
        }
      : undefined,
  );
}

const downloadPath = (fileId: string) => `/files-pri/T_TEST-${fileId}/download/locations.csv`;

describe('/crm bulk with a CSV file and the template button, over signed Slack requests', () => {
  let host: IntegrationApiStandin;
  const saved = { ...bulkTiming };

  beforeEach(async () => {
    host = await new IntegrationApiStandin(NOT_FOUND).start();
    Object.assign(bulkTiming, { progressIntervalMs: 50, heartbeatMs: 50, leaseMs: 400, defaultRetryAfterMs: 50 });
  });
  afterEach(async () => {
    Object.assign(bulkTiming, saved);
    await host.stop();
  });
  const { bot, api } = useBot((api) => {
    api.always('GET', /^\/integration\/businessintegrationgroup\//, { json: GROUPS });
    api.always('PUT', API_PATHS.mapping, { json: {} });
    return { config: { BULK_CONCURRENCY: 4 } };
  }, 'each');
  /** The mapping bodies the API received. */
  const puts = () => api.writes().map((r) => r.json());

  it(`a ${ROWS}-row CSV file too long to paste: downloaded with the bot token, dry run counts, exact bodies once each`, async () => {
    const csv = carestackCsv();
    expect(csv.length).toBeGreaterThan(PASTE_MAX_CHARS);
    const fileId = 'F0BULKCSV01';
    host.always('GET', downloadPath(fileId), {
      text: Buffer.from(csv, 'utf8'),
      headers: { 'content-type': 'text/csv' },
    });
    programFile(bot, host, fileId, { size: Buffer.byteLength(csv) });

    const metadata = await openModal(bot);
    const res = await submitFile(bot, metadata, fileId);
    expect(res.status).toBe(200);
    expect(res.text).toBe(''); // a plain ack: no inline errors for a file-only submission

    const summary = await bot.slack.waitFor('chat.postMessage', (c) => String(c.body.text).startsWith('Dry run'), 5000);
    const info = bot.slack.callsTo('files.info');
    expect(info).toHaveLength(1);
    expect(info[0]!.body.file).toBe(fileId);
    expect(info[0]!.token).toBe(TEST_BOT_TOKEN);
    // The download went to url_private_download, authorised as the bot.
    expect(host.requests.map((r) => r.path)).toEqual([downloadPath(fileId)]);
    expect(host.requests[0]!.headers.authorization).toBe(`Bearer ${TEST_BOT_TOKEN}`);

    const text = JSON.stringify(summary.body);
    expect(summary.body.channel).toBe(TEST_CHANNEL);
    expect(summary.body.text).toBe(
      `Dry run for enterprise ${ENTERPRISE} (Carestack, group ${GROUP_ID}): ${ROWS - 2} rows valid, 2 invalid. Nothing has been sent.`,
    );
    expect(text).toContain(`Line ${BAD_LOCATION + 1}, carestack.location.id:`);
    expect(text).toContain(`Line ${BAD_ID + 1}, business id: Business ID must be the 15-digit number`);
    expect(text).toContain('curl --location --request PUT');
    // Row 1 carries an account key override: the preview masks it and no Slack call carries any.
    expect(JSON.stringify(bot.slack.calls)).not.toContain('fake-override-');
    expect(puts()).toHaveLength(0);

    const confirm = summary.body.blocks
      .flatMap((b: { elements?: Array<{ action_id: string; value: string }> }) => b.elements ?? [])
      .find((e: { action_id: string }) => e.action_id === BULK_ACTIONS.confirm);
    const runId: string = confirm.value;
    // The stored draft has the secret's place but not its value.
    const draft = await pollUntil(() => loadRun(bot.services.store, runId));
    expect(draft.status).toBe('draft');
    expect(JSON.stringify(draft)).not.toContain('fake-override-');

    await bot.sendBlockAction({ actions: [{ action_id: BULK_ACTIONS.confirm, value: runId }] });
    const run = await pollUntil(async () => {
      const r = await loadRun(bot.services.store, runId);
      return r?.status === 'finished' ? r : undefined;
    });
    expect(run.rows.filter((r) => r.state === 'done')).toHaveLength(ROWS - 2);
    expect(run.rows.filter((r) => r.state !== 'done')).toHaveLength(0);

    const valid = [...Array(ROWS).keys()].map((i) => i + 1).filter((i) => i !== BAD_LOCATION && i !== BAD_ID);
    expect(puts()).toHaveLength(valid.length);
    for (const i of valid) {
      const sent = puts().filter((p) => p.businessNumber === bn(i));
      expect(sent).toHaveLength(1);
      expect(sent[0]).toEqual(expectedBody(i));
    }
    expect(puts().some((p) => p.businessNumber === bn(BAD_LOCATION) || p.businessNumber === 12345)).toBe(false);
    expect(host.requests).toHaveLength(1); // the file was read once, at the dry run
    const results = await pollUntil(() => bot.slack.uploads.find((u) => u.content.startsWith('row,business id')));
    expect(results.content).not.toContain('fake-override-');
  });

  it('an empty file: the dry run posts that the table cannot be used, and nothing can be confirmed', async () => {
    const fileId = 'F0BULKEMPTY';
    host.always('GET', downloadPath(fileId), { text: Buffer.alloc(0), headers: { 'content-type': 'text/csv' } });
    programFile(bot, host, fileId, { size: 0 });

    const res = await submitFile(bot, await openModal(bot), fileId);
    expect(res.status).toBe(200);
    const posted = await bot.slack.waitFor('chat.postMessage', () => true, 5000);
    expect(host.requests[0]!.headers.authorization).toBe(`Bearer ${TEST_BOT_TOKEN}`);
    expect(posted.body.text).toContain('Bulk onboarding: the table cannot be used.');
    expect(posted.body.text).toContain('The table is empty');
    expect(JSON.stringify(posted.body.blocks)).not.toContain(BULK_ACTIONS.confirm);
    expect(puts()).toHaveLength(0);
  });

  it('a file that is not a CSV (binary content): a clear posted error, no run, nothing sent', async () => {
    const fileId = 'F0BULKXLSX1';
    // What a spreadsheet saved as .xlsx and renamed .csv looks like: a zip archive.
    const zip = Buffer.concat([
      Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00, 0x06, 0x00, 0x08, 0x00, 0x00, 0x00, 0x21, 0x00]),
      Buffer.from('[Content_Types].xml', 'latin1'),
      Buffer.from([0x00, 0xff, 0xfe, 0x9c, 0x00, 0x0a, 0x01, 0x02, 0xc3, 0x28]),
    ]);
    host.always('GET', downloadPath(fileId), { text: zip, headers: { 'content-type': 'application/octet-stream' } });
    programFile(bot, host, fileId, { size: zip.length });

    const res = await submitFile(bot, await openModal(bot), fileId);
    expect(res.status).toBe(200);
    const posted = await bot.slack.waitFor('chat.postEphemeral', () => true, 5000);
    expect(posted.body.user).toBe(TEST_USER);
    expect(posted.body.text).toBe(
      'Bulk onboarding: The file is not a CSV (it looks like a binary file, such as an Excel workbook): save it as CSV (comma-separated) and upload that, or paste the table.',
    );
    expect(host.requests[0]!.headers.authorization).toBe(`Bearer ${TEST_BOT_TOKEN}`);
    // No dry-run message with the file's bytes in it, no draft run.
    expect(bot.slack.callsTo('chat.postMessage')).toHaveLength(0);
    expect(puts()).toHaveLength(0);
  });

  it('a CSV export with hundreds of unknown columns: the posted error fits in a Slack section block', async () => {
    const fileId = 'F0BULKWIDE1';
    const header = ['business id', ...[...Array(200).keys()].map((i) => `Patient chart column ${i + 1}`)];
    const csv = `${header.join(',')}\n${bn(1)},${header
      .slice(1)
      .map(() => 'x')
      .join(',')}\n`;
    host.always('GET', downloadPath(fileId), { text: Buffer.from(csv), headers: { 'content-type': 'text/csv' } });
    programFile(bot, host, fileId, { size: csv.length });

    await submitFile(bot, await openModal(bot), fileId);
    const posted = await bot.slack.waitFor('chat.postMessage', () => true, 5000);
    expect(posted.body.text).toContain('Bulk onboarding: the table cannot be used.');
    expect(posted.body.text).toContain('"Patient chart column 200"');
    for (const block of posted.body.blocks) expect(block.text.text.length).toBeLessThanOrEqual(3000);
    expect(posted.body.blocks[0].text.text).toMatch(/^Bulk onboarding: the table cannot be used\.\n• Unknown columns/);
    expect(puts()).toHaveLength(0);
  });

  it('a file Slack will not give (HTTP 404) or one over 2 MB: an ephemeral error, nothing sent', async () => {
    const missing = 'F0BULKGONE1';
    programFile(bot, host, missing, { size: 100 });
    const metadata = await openModal(bot);
    await submitFile(bot, metadata, missing);
    const gone = await bot.slack.waitFor('chat.postEphemeral', () => true, 5000);
    expect(gone.body.user).toBe(TEST_USER);
    expect(gone.body.text).toBe('Bulk onboarding: Slack did not give the file (HTTP 404); paste the table instead.');
    expect(host.requests[0]!.headers.authorization).toBe(`Bearer ${TEST_BOT_TOKEN}`);

    const big = 'F0BULKHUGE1';
    programFile(bot, host, big, { size: 3 * 1024 * 1024 });
    await submitFile(bot, metadata, big);
    const tooBig = await bot.slack.waitFor('chat.postEphemeral', (c) => c.body.text !== gone.body.text, 5000);
    expect(tooBig.body.text).toBe('Bulk onboarding: The file is larger than 2 MB; split it.');
    expect(host.requests.map((r) => r.path)).toEqual([downloadPath(missing)]); // the big one was not downloaded
    expect(bot.slack.callsTo('chat.postMessage')).toHaveLength(0);
    expect(puts()).toHaveLength(0);
  });

  it('"Download template" uploads the chosen CRM\'s header row (business id + location property keys) to the channel', async () => {
    const metadata = await openModal(bot);
    const opened = await bot.slack.waitFor('views.open');
    const button = opened.body.view.blocks
      .flatMap((b: { elements?: Array<{ action_id?: string }> }) => b.elements ?? [])
      .find((e: { action_id?: string }) => e.action_id === BULK_ACTIONS.template);
    expect(button).toBeDefined();

    const view = (crm?: string) => ({
      id: 'V_BULK',
      callback_id: BULK_MODAL,
      private_metadata: metadata,
      state: {
        values: {
          [BULK_BLOCKS.crm]: {
            [BULK_ACTIONS.value]: { type: 'static_select', selected_option: crm ? { value: crm } : null },
          },
        },
      },
    });

    // No CRM chosen yet: told so, nothing uploaded.
    const early = await bot.sendBlockAction({
      view: view(),
      actions: [{ ...button, block_id: BULK_LAYOUT_BLOCKS.template }],
    });
    expect(early.status).toBe(200);
    const hint = await bot.slack.waitFor('chat.postEphemeral', () => true, 5000);
    expect(hint.body.text).toBe('Choose the CRM first, then download its template.');
    expect(hint.body.channel).toBe(TEST_CHANNEL);
    expect(bot.slack.callsTo('files.getUploadURLExternal')).toHaveLength(0);

    const res = await bot.sendBlockAction({
      view: view('carestack'),
      actions: [{ ...button, block_id: BULK_LAYOUT_BLOCKS.template }],
    });
    expect(res.status).toBe(200);
    const upload = await pollUntil(() => bot.slack.uploads[0], 5000);
    const lines = upload.content.split('\r\n');
    expect(lines[0]).toBe(HEADER);
    expect(upload.content.startsWith(`${HEADER}\r\n`)).toBe(true);
    expect(lines[1]).toMatch(/^123456789012345,/);

    const url = bot.slack.callsTo('files.getUploadURLExternal');
    expect(url).toHaveLength(1);
    expect(url[0]!.body.filename).toBe('bulk-template-carestack.csv');
    const complete = await bot.slack.waitFor('files.completeUploadExternal', () => true, 5000);
    expect(complete.body.channel_id).toBe(TEST_CHANNEL);
    expect(complete.body.files).toEqual([{ id: upload.fileId, title: 'bulk-template-carestack.csv' }]);
    expect(complete.body.initial_comment).toBe('Bulk template for Carestack: one line per location.');
    expect(puts()).toHaveLength(0);
  });
});
