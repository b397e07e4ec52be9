import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BULK_ACTIONS, BULK_BLOCKS, BULK_MODAL } from '../src/flows/bulk/ids';
import { SqliteStore } from '../src/store';
import type { RecordedCall } from '../test/support/slack-api-standin';
import { startTestBot } from '../test/support/slack-harness';
import { BULK_FILE_ID } from './bulk-api';

/**
 * One bulk run through the Slack path, in a process of its own (bulk.bench.ts starts one per size, so
 * each peak RSS is that size's alone): a signed `/crm bulk`, the modal with a CSV file, the dry run,
 * Confirm, every mapping PUT to a local API (its own process: bulk-api.ts) answering after LATENCY_MS, progress as chat.update to the
 * Slack stand-in, until the "Finished" update. The store is SQLite in a temp dir (the default).
 * Prints one JSON line: BulkRunFigures.
 */

export interface BulkRunFigures {
  rows: number;
  concurrency: number;
  latencyMs: number;
  /** From the signed command to the dry-run summary. */
  dryRunMs: number;
  /** From the Confirm click to the "Finished" update. */
  runMs: number;
  puts: number;
  /** chat.update calls on the progress message, with their times (ms since Confirm). */
  updateTimes: number[];
  peakRssBytes: number;
}

export const LATENCY_MS = 50;
export const CONCURRENCY = 8;
const ENTERPRISE = '150051042499080';
const WAIT_MS = 600_000;

/** The integration API in its own process (bulk-api.ts), fed the CSV; resolves once it listens. */
async function startApi(csv: string): Promise<{ url: string; puts: () => Promise<number>; close(): Promise<void> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'bulk-api.ts'), String(LATENCY_MS)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  child.stdin.end(csv);
  const port = await new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`the API process exited with code ${code}`)));
    child.stdout.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim())));
  });
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    puts: async () => ((await (await fetch(`${url}/__puts`)).json()) as { puts: number }).puts,
    close: () =>
      new Promise((resolve) => {
        child.removeAllListeners('exit');
        child.once('exit', () => resolve());
        child.kill();
      }),
  };
}

function locationsCsv(rows: number): string {
  const lines = ['business id,Location Name,appointment_status'];
  for (let i = 1; i <= rows; i++) lines.push(`${150051042500000 + i},"Clinic ${i}","Checked-Out,Billed"`);
  return `${lines.join('\n')}\n`;
}

async function runOnce(rows: number): Promise<BulkRunFigures> {
  const csv = locationsCsv(rows);
  const api = await startApi(csv);
  const dir = mkdtempSync(join(tmpdir(), 'crm-bot-bench-bulk-'));
  const bot = await startTestBot({
    integrationBaseUrl: api.url,
    store: new SqliteStore({ path: join(dir, 'state.sqlite') }),
    // warn: the harness keeps every log line in memory, which production (stdout) does not.
    env: { LOG_LEVEL: 'warn' },
    config: { BULK_CONCURRENCY: CONCURRENCY },
  });
  try {
    bot.slack.program('files.info', () => ({
      json: {
        ok: true,
        file: {
          id: BULK_FILE_ID,
          name: 'locations.csv',
          filetype: 'csv',
          size: Buffer.byteLength(csv),
          url_private: `${api.url}/files/${BULK_FILE_ID}/locations.csv`,
          url_private_download: `${api.url}/files/${BULK_FILE_ID}/locations.csv`,
        },
      },
    }));
    const commandAt = performance.now();
    await bot.sendCommand(`bulk ${ENTERPRISE}`);
    const opened = await bot.slack.waitFor('views.open', () => true, WAIT_MS);
    await bot.slack.waitFor('views.update', () => true, WAIT_MS);
    await bot.sendViewSubmission({
      view: {
        callback_id: BULK_MODAL,
        private_metadata: opened.body.view.private_metadata,
        state: {
          values: {
            [BULK_BLOCKS.crm]: {
              [BULK_ACTIONS.value]: { type: 'static_select', selected_option: { value: 'carecloud' } },
            },
            [BULK_BLOCKS.group]: { [BULK_ACTIONS.value]: { type: 'plain_text_input', value: '' } },
            [BULK_BLOCKS.table]: { [BULK_ACTIONS.value]: { type: 'plain_text_input', value: null } },
            [BULK_BLOCKS.file]: {
              [BULK_ACTIONS.value]: {
                type: 'file_input',
                files: [{ id: BULK_FILE_ID, name: 'locations.csv', filetype: 'csv' }],
              },
            },
          },
        },
      },
    });
    const summary = await bot.slack.waitFor(
      'chat.postMessage',
      (c) => String(c.body.text).startsWith('Dry run'),
      WAIT_MS,
    );
    const dryRunMs = performance.now() - commandAt;
    if (!JSON.stringify(summary.body).includes(`${rows} rows valid, 0 invalid`)) {
      throw new Error(`dry run did not accept the ${rows} rows: ${String(summary.body.text)}`);
    }
    const confirm = (summary.body.blocks as Array<{ elements?: Array<{ action_id: string; value: string }> }>)
      .flatMap((b) => b.elements ?? [])
      .find((e) => e.action_id === BULK_ACTIONS.confirm);
    if (!confirm) throw new Error('the dry run has no Confirm button');

    const confirmedAt = Date.now();
    const started = performance.now();
    await bot.sendBlockAction({ actions: [{ action_id: BULK_ACTIONS.confirm, value: confirm.value }] });
    const finished = await bot.slack.waitFor('chat.update', (c) => String(c.body.text).startsWith('Finished'), WAIT_MS);
    const runMs = performance.now() - started;
    const progressTs = finished.body.ts;
    const updateTimes = bot.slack
      .callsTo('chat.update')
      .filter((c: RecordedCall) => c.body.ts === progressTs)
      .map((c) => c.at - confirmedAt);
    return {
      rows,
      concurrency: CONCURRENCY,
      latencyMs: LATENCY_MS,
      dryRunMs,
      runMs,
      puts: await api.puts(),
      updateTimes,
      // The process's high-water mark (kB on Linux), start-up included: the same for every size.
      peakRssBytes: process.resourceUsage().maxRSS * 1024,
    };
  } finally {
    await bot.stop();
    await api.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  const rows = Number(process.argv[2]);
  runOnce(rows)
    .then((figures) => {
      process.stdout.write(`${JSON.stringify(figures)}\n`);
      process.exit(0);
    })
    .catch((error: unknown) => {
      console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
      process.exit(1);
    });
}
