import { execFile } from 'node:child_process';
import path from 'node:path';
import type { BulkRunFigures } from './bulk-run';
import type { BenchResult } from './run';

/**
 * Bulk onboarding end to end through the Slack path (bulk-run.ts: signed `/crm bulk`, CSV file, dry run,
 * Confirm, mapping PUTs answering in 50 ms, progress chat.updates to the Slack stand-in) at 200 and 2,000
 * rows, concurrency 8, each size in a fresh process so their peak RSS compare. Against, in the same run:
 * the ideal wall time rows × latency / concurrency, Slack's budget of chat.update per message, and the
 * 200-row process's peak RSS.
 */

const SIZES = [200, 2000] as const;
const TARGET_WALL_RATIO = 1.1;
const MAX_UPDATES_PER_MINUTE = 40;
const TARGET_RSS_RATIO = 1.2;
const MINUTE_MS = 60_000;

function runChild(rows: number): Promise<BulkRunFigures> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', path.join(__dirname, 'bulk-run.ts'), String(rows)],
      { maxBuffer: 16 * 1024 * 1024, timeout: 600_000 },
      (error, stdout, stderr) => {
        if (error)
          reject(new Error(`bulk run of ${rows} rows failed: ${stderr.trim().split('\n').slice(0, 3).join(' ')}`));
        else resolve(JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as BulkRunFigures);
      },
    );
  });
}

/** Most updates in any 60 s window (real time), and the sustained rate between the first and the last. */
function updateRates(times: readonly number[]): { maxIn60s: number; perMinute: number } {
  let maxIn60s = 0;
  for (let i = 0, j = 0; j < times.length; j++) {
    while (times[j]! - times[i]! >= MINUTE_MS) i++;
    maxIn60s = Math.max(maxIn60s, j - i + 1);
  }
  const span = times.length > 1 ? times[times.length - 1]! - times[0]! : 0;
  return { maxIn60s, perMinute: span > 0 ? ((times.length - 1) / span) * MINUTE_MS : 0 };
}

export async function benchBulkThroughSlack(): Promise<BenchResult> {
  const runs: BulkRunFigures[] = [];
  for (const rows of SIZES) runs.push(await runChild(rows));
  const figures: Record<string, string | number> = {};
  let pass = true;
  for (const run of runs) {
    const idealMs = (run.rows * run.latencyMs) / run.concurrency;
    const ratio = run.runMs / idealMs;
    const rates = updateRates(run.updateTimes);
    pass &&=
      ratio <= TARGET_WALL_RATIO &&
      run.puts === run.rows &&
      rates.maxIn60s <= MAX_UPDATES_PER_MINUTE &&
      rates.perMinute <= MAX_UPDATES_PER_MINUTE;
    const at = `${run.rows.toLocaleString('en-US')} rows`;
    figures[`${at}: wall ms, Confirm → Finished`] = Math.round(run.runMs);
    figures[`${at}: baseline ms (rows × ${run.latencyMs} ms / ${run.concurrency})`] = idealMs;
    figures[`${at}: wall / baseline`] = Number(ratio.toFixed(2));
    figures[`${at}: dry run ms (command → summary)`] = Math.round(run.dryRunMs);
    figures[`${at}: mapping PUTs`] = run.puts;
    figures[`${at}: chat.update on the progress message`] = run.updateTimes.length;
    figures[`${at}: most chat.update in a 60 s window`] = rates.maxIn60s;
    figures[`${at}: chat.update per minute (first → last)`] = Number(rates.perMinute.toFixed(1));
    figures[`${at}: peak RSS MB`] = Number((run.peakRssBytes / 1048576).toFixed(1));
  }
  const [small, large] = runs as [BulkRunFigures, BulkRunFigures];
  const rssRatio = large.peakRssBytes / small.peakRssBytes;
  pass &&= rssRatio <= TARGET_RSS_RATIO;
  figures['peak RSS 2,000 / 200 rows'] = Number(rssRatio.toFixed(2));
  return {
    name: `bulk through Slack: signed /crm bulk → dry run → Confirm → mapping PUTs (50 ms) → progress, concurrency 8`,
    target: `wall ≤ ${TARGET_WALL_RATIO} × baseline, ≤ ${MAX_UPDATES_PER_MINUTE} chat.update/min per message, peak RSS 2,000 ≤ ${TARGET_RSS_RATIO} × 200 rows`,
    figures,
    pass,
  };
}
