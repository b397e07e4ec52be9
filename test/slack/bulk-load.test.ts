import { runKey } from '../../src/bulk/run-record';
import { BULK_ACTIONS } from '../../src/flows/bulk/ids';
import { bulkTiming } from '../../src/flows/bulk/service';
import { MemoryStore } from '../../src/store/memory';
import { bulkCsv, click, dryRun, mappingApiPerTest, rowsIn, settledRun, waitUntil } from '../support/bulk-driver';
import { API_PATHS } from '../support/integration-api-standin';
import { ManualClock } from '../support/manual-clock';
import { startTestBot } from '../support/slack-harness';
import { RecordingStore } from '../support/store-dump';

/**
 * What a bulk run through Slack costs the services around it, counted rather than timed: writes of the run
 * record to the store, TCP connections to the integration API, chat.update calls on the progress message.
 * Each bound is one the old code broke by a wide margin (a save and a connection per row, an update a second).
 */

jest.setTimeout(120_000);

describe('/crm bulk: store writes, connections and progress updates stay bounded', () => {
  // The real timings, but for the save interval where a test sets it.
  const api = mappingApiPerTest();

  it('150 rows: the run record is saved once per interval and when the run stops, not after every row', async () => {
    // Longer than this run takes anywhere: saves come from the run's fixed points, hardly ever from the timer.
    bulkTiming.saveIntervalMs = 5_000;
    const rows = 150;
    const store = new RecordingStore(new MemoryStore());
    const bot = await startTestBot({ integrationBaseUrl: api().url, store, config: { BULK_CONCURRENCY: 4 } });
    try {
      const { runId } = await dryRun(bot, bulkCsv(rows));
      await waitUntil(() => store.writesTo(runKey(runId)) === 1); // the draft (stored just after its message)
      const started = Date.now();
      await click(bot, BULK_ACTIONS.confirm, runId);
      const run = await settledRun(bot, runId);
      const elapsedMs = Date.now() - started;
      expect(run.status).toBe('finished');
      expect(rowsIn(run, 'done')).toBe(rows);
      expect(api().puts).toHaveLength(rows);
      // The draft, Confirm's 'running', the rows' states when the rows stop, 'finished'; plus at most one per
      // interval the run lasted, however slow this machine was. Saved per row it would be ~150.
      const fixedSaves = 4;
      expect(store.writesTo(runKey(runId))).toBeLessThanOrEqual(
        fixedSaves + Math.floor(elapsedMs / bulkTiming.saveIntervalMs),
      );
    } finally {
      await bot.stop();
    }
  });

  it('120 rows at concurrency 4: the writes share kept-alive connections, a few per request in flight', async () => {
    const concurrency = 4;
    const rows = 120;
    api().latencyMs = 20;
    const bot = await startTestBot({ integrationBaseUrl: api().url, config: { BULK_CONCURRENCY: concurrency } });
    try {
      const { runId } = await dryRun(bot, bulkCsv(rows));
      await click(bot, BULK_ACTIONS.confirm, runId);
      const run = await settledRun(bot, runId);
      expect(rowsIn(run, 'done')).toBe(rows);
      expect(api().puts).toHaveLength(rows);
      // A write goes out the moment the previous one is answered, sometimes before undici has marked that
      // connection free, and then it opens another: up to two per concurrent write, plus the one the group read
      // before the dry run used. A connection per write would be 120.
      expect(api().standin.connections).toBeGreaterThanOrEqual(1);
      expect(api().standin.connections).toBeLessThanOrEqual(2 * concurrency + 1);
    } finally {
      await bot.stop();
    }
  });

  it('at the real progress interval a minute of steady progress makes at most 40 chat.update calls (Slack Tier 3)', async () => {
    // The publisher ticks on the services' clock, which moves only when the test says: a minute of it passes
    // in 250 ms steps, and between two steps exactly one row is answered, so every tick has news to send.
    const clock = new ManualClock();
    const stepMs = 250;
    const minuteMs = 60_000;
    const steps = minuteMs / stepMs;
    const rows = steps + 20;
    const bot = await startTestBot({ integrationBaseUrl: api().url, clock, config: { BULK_CONCURRENCY: 1 } });
    try {
      const { runId } = await dryRun(bot, bulkCsv(rows));
      api().holdAfter = 0;
      await click(bot, BULK_ACTIONS.confirm, runId);
      await bot.slack.waitFor('chat.postMessage', (c) => String(c.body.text).startsWith('Creating mappings'));
      for (let step = 1; step <= steps; step++) {
        await api().standin.waitForCount('PUT', API_PATHS.mapping, step);
        clock.advance(stepMs);
        api().releaseHeld({ keepHolding: true });
      }
      // The minute is over and the clock stops: the rest of the rows finish without another tick.
      api().releaseHeld();
      const run = await settledRun(bot, runId);
      expect(rowsIn(run, 'done')).toBe(rows);
      await waitUntil(() => bot.slack.callsTo('chat.update').find((c) => String(c.body.text).startsWith('Finished')));

      const updates = bot.slack.callsTo('chat.update');
      const ticked = updates.filter((c) => String(c.body.text).startsWith('Creating mappings'));
      const intervals = minuteMs / bulkTiming.progressIntervalMs;
      // One update per interval that had news (the first may come before the progress message's ts is known).
      expect(ticked.length).toBeLessThanOrEqual(intervals);
      expect(ticked.length).toBeGreaterThanOrEqual(intervals - 1);
      // With the final update, the message's whole minute stays under Slack's limit with room for a retry.
      expect(updates.length).toBeLessThanOrEqual(40);
    } finally {
      await bot.stop();
    }
  });
});
