import { execFile } from 'node:child_process';
import path from 'node:path';
import type { BulkRunFigures } from './bulk-run';
import type { BenchResult } from './run';
import { median } from './stats';

/**
 * Bulk onboarding end to end through the Slack path (bulk-run.ts: signed `/crm bulk`, CSV file, dry run,
 * Confirm, mapping PUTs answering in 50 ms as a bare client sees them, progress chat.updates to the Slack
 * stand-in) at 200 and 2,000 rows, concurrency 8, each run in a fresh process so their peak RSS compare,
 * three runs of each size, interleaved, judged on the median. Against, in the same run: the ideal wall time
 * rows × latency / concurrency, Slack's budget of chat.update per message, and the 200-row processes' peak RSS.
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

/** Runs of each size, interleaved; odd, so each figure judged is one run's (the median). */
const ROUNDS = 3;

/**
 * rows × latency / concurrency, with latency the 50 ms asked for, or what a bare client saw per write at the
 * calibrated hold when that was less: the calibration (bulk-run.ts) is a few tenths of a ms off either way,
 * and may only ever make the baseline stricter.
 */
function baselineMs(run: BulkRunFigures): number {
  return (run.rows * Math.min(run.latencyMs, run.bareClientMeanMs)) / run.concurrency;
}

/** The run whose wall / baseline is the median of its size's runs. */
function medianRun(runs: readonly BulkRunFigures[]): BulkRunFigures {
  return [...runs].sort((a, b) => a.runMs / baselineMs(a) - b.runMs / baselineMs(b))[Math.floor(runs.length / 2)]!;
}

export async function benchBulkThroughSlack(): Promise<BenchResult> {
  const runsBySize = new Map<number, BulkRunFigures[]>(SIZES.map((rows) => [rows, []]));
  // Interleaved, so a burst of load from another process lands on both sizes alike.
  for (let round = 0; round < ROUNDS; round++) {
    for (const rows of SIZES) runsBySize.get(rows)!.push(await runChild(rows));
  }
  const figures: Record<string, string | number> = {};
  let pass = true;
  const peakRss = new Map<number, number>();
  for (const [rows, sized] of runsBySize) {
    const run = medianRun(sized);
    const idealMs = baselineMs(run);
    const ratio = run.runMs / idealMs;
    // Slack's budget and the exact count of PUTs hold in every run, not only the median one.
    const rates = sized.map((r) => updateRates(r.updateTimes));
    const maxIn60s = Math.max(...rates.map((r) => r.maxIn60s));
    const perMinute = Math.max(...rates.map((r) => r.perMinute));
    pass &&=
      ratio <= TARGET_WALL_RATIO &&
      sized.every((r) => r.puts === r.rows) &&
      maxIn60s <= MAX_UPDATES_PER_MINUTE &&
      perMinute <= MAX_UPDATES_PER_MINUTE;
    // Peak RSS moves by tens of MB with V8's young-generation sizing from one run to the next: the median.
    peakRss.set(rows, median(sized.map((r) => r.peakRssBytes)));
    const at = `${rows.toLocaleString('en-US')} rows`;
    figures[`${at}: wall ms, Confirm → Finished (the median run)`] = Math.round(run.runMs);
    figures[`${at}: wall ms of each run`] = sized.map((r) => Math.round(r.runMs)).join(', ');
    figures[`${at}: baseline ms (rows × min(${run.latencyMs} ms, bare client's ms) / ${run.concurrency})`] =
      Math.round(idealMs);
    figures[`${at}: wall / baseline (median of ${ROUNDS})`] = Number(ratio.toFixed(3));
    figures[`${at}: wall / baseline of each run`] = sized.map((r) => (r.runMs / baselineMs(r)).toFixed(3)).join(', ');
    figures[`${at}: API hold ms per write, calibrated (each run)`] = sized
      .map((r) => r.apiHoldMs.toFixed(1))
      .join(', ');
    figures[`${at}: ms per write a bare undici client saw at that hold (each run, mean)`] = sized
      .map((r) => r.bareClientMeanMs.toFixed(2))
      .join(', ');
    figures[`${at}: dry run ms (command → summary)`] = Math.round(run.dryRunMs);
    figures[`${at}: mapping PUTs (every run)`] = sized.map((r) => r.puts).join(', ');
    figures[`${at}: chat.update on the progress message`] = run.updateTimes.length;
    figures[`${at}: most chat.update in a 60 s window (any run)`] = maxIn60s;
    figures[`${at}: chat.update per minute, first → last (any run)`] = Number(perMinute.toFixed(1));
    figures[`${at}: peak RSS MB (median of ${ROUNDS})`] = Number((peakRss.get(rows)! / 1048576).toFixed(1));
    figures[`${at}: peak RSS MB of each run`] = sized.map((r) => (r.peakRssBytes / 1048576).toFixed(0)).join(', ');
  }
  const rssRatio = peakRss.get(SIZES[1])! / peakRss.get(SIZES[0])!;
  pass &&= rssRatio <= TARGET_RSS_RATIO;
  figures['peak RSS 2,000 / 200 rows'] = Number(rssRatio.toFixed(2));
  return {
    name: `bulk through Slack: signed /crm bulk → dry run → Confirm → mapping PUTs (50 ms as a bare client sees them, API in its own process) → progress, concurrency 8, ${ROUNDS} runs of each size`,
    target: `wall ≤ ${TARGET_WALL_RATIO} × baseline, ≤ ${MAX_UPDATES_PER_MINUTE} chat.update/min per message, peak RSS 2,000 ≤ ${TARGET_RSS_RATIO} × 200 rows`,
    figures,
    pass,
  };
}
