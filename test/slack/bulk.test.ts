import { loadRun } from '../../src/bulk/run-record';
import { BULK_ACTIONS, BULK_MODAL } from '../../src/flows/bulk/ids';
import { bulkTiming, stopLocalRuns } from '../../src/flows/bulk/service';
import { saveCreateIntent } from '../../src/operations/create-intents';
import { resumeInterruptedWork } from '../../src/slack/register';
import { MemoryStore } from '../../src/store/memory';
import type { Store } from '../../src/store/types';
import {
  BULK_ENTERPRISE,
  bulkBn as bn,
  click,
  rowsIn as count,
  bulkCsv as csv,
  dryRun,
  mappingApiPerTest,
  settledRun,
  submitBulk,
  waitUntil,
} from '../support/bulk-driver';
import { bulkModalValues } from '../support/flow-forms';
import { SlackApiStandin } from '../support/slack-api-standin';
import { startTestBot, type TestBot } from '../support/slack-harness';

/** A store the harness cannot close, so a second bot can use it after the first "restarts". */
function sharedStore(inner: MemoryStore): Store {
  const view = Object.create(inner) as Store;
  view.close = async () => {};
  return view;
}

function expectedBody(i: number) {
  return {
    businessNumber: bn(i),
    integrationGroupId: 1595,
    active: true,
    integrationProperties: [
      { propertyKey: 'location_name', propertyValue: `Clinic ${i}, Suite "${i}"` },
      { propertyKey: 'appointment_status', propertyValue: 'Checked-Out, Billed' },
    ],
  };
}

// A 210-row run with retries takes seconds alone and far longer on a loaded two-core machine; the waits below
// end as soon as the run settles, so only a failing test ever uses these budgets.
jest.setTimeout(120_000);

describe('/crm bulk end to end over signed Slack requests', () => {
  const api = mappingApiPerTest({ progressIntervalMs: 50, heartbeatMs: 50, leaseMs: 400, defaultRetryAfterMs: 50 });

  it('an unresolved create-group for the enterprise: no group is picked for it (nothing sent); a typed ID, or the create landing, goes ahead', async () => {
    const bot = await startTestBot({ integrationBaseUrl: api().url });
    try {
      const intent = {
        businessNumber: BULK_ENTERPRISE,
        crmId: 'carecloud',
        at: Date.now(),
        userId: 'U_EARLIER',
        idempotencyKey: 'V_EARLIER:createGroup',
      };
      // 1595 was there before the create: the create's own group may still appear next to it.
      await saveCreateIntent(bot.services.store, { ...intent, groupIdsBefore: [1595] });
      await submitBulk(bot, csv(3));
      const refusal = await bot.slack.waitFor('chat.postEphemeral', () => true, 5000);
      expect(refusal.body.text).toContain('Bulk onboarding: Nothing was sent.');
      expect(refusal.body.text).toContain(`sent for business ${BULK_ENTERPRISE}`);
      expect(refusal.body.text).toContain('whether it created a CareCloud group is *unknown*');
      expect(refusal.body.text).toContain('To add the rows to group 1595 anyway, type its ID in the form.');
      expect(bot.slack.callsTo('chat.postMessage')).toHaveLength(0);

      // Typed, the group is the user's choice: the dry run goes ahead.
      const typed = await dryRun(bot, csv(3), '1595');
      expect(typed.text).toContain('3 rows valid, 0 invalid. Nothing has been sent.');

      // The create landed (1595 is new since it was sent): that is the group, no ID needed.
      bot.slack.reset();
      await saveCreateIntent(bot.services.store, { ...intent, groupIdsBefore: [] });
      const landed = await dryRun(bot, csv(3));
      expect(landed.text).toContain('3 rows valid, 0 invalid. Nothing has been sent.');
      expect(bot.slack.callsTo('chat.postEphemeral')).toHaveLength(0);
      expect(api().puts).toHaveLength(0);
    } finally {
      await bot.stop();
    }
  });

  it('210 rows: invalid rows reported and never sent, 500s retried by the button, a 429 pauses and is retried, exact bodies', async () => {
    const bot = await startTestBot({ integrationBaseUrl: api().url, config: { BULK_CONCURRENCY: 4 } });
    try {
      const failing = new Set([bn(5), bn(6), bn(7)]);
      let firstRun = true;
      api().behaviour = (businessNumber, seen) => {
        if (businessNumber === bn(10) && seen === 0) return { status: 429, headers: { 'retry-after': '1' } };
        if (firstRun && failing.has(businessNumber)) return { status: 500 };
        return { status: 200 };
      };
      const table = csv(210, { badId: [20], noName: [30, 31], duplicateOf: { 41: 40 } });
      const { runId, text } = await dryRun(bot, table);
      expect(text).toContain('206 rows valid, 4 invalid. Nothing has been sent.');
      expect(text).toContain('Line 21, business id: Business ID must be the 15-digit number');
      expect(text).toContain('Line 31, Location Name: Location name is required for enterprise CareCloud setups');
      expect(text).toContain(`Line 42, business id: Business ID ${bn(40)} is already on line 41`);
      expect(text).toContain('curl --location --request PUT');
      const errorsCsv = await waitUntil(() => bot.slack.uploads.find((u) => u.content.startsWith('line,column')));
      expect(errorsCsv.content.split('\r\n').filter(Boolean)).toHaveLength(5);
      expect(api().puts).toHaveLength(0); // nothing before confirm

      const started = Date.now();
      await click(bot, BULK_ACTIONS.confirm, runId);
      await click(bot, BULK_ACTIONS.confirm, runId); // a double click starts nothing more
      const run = await settledRun(bot, runId);
      expect(Date.now() - started).toBeGreaterThanOrEqual(900); // everyone waited out Retry-After: 1
      expect(run.status).toBe('finished');
      expect(count(run, 'done')).toBe(203);
      expect(count(run, 'failed')).toBe(3);
      expect(run.rows.find((r) => r.businessNumber === String(bn(5)))?.error).toContain('HTTP 500');

      const valid = [...Array(210).keys()].map((i) => i + 1).filter((i) => ![20, 30, 31, 41].includes(i));
      for (const i of valid) {
        const expected = failing.has(bn(i)) ? 0 : 1;
        expect(api().applied(bn(i))).toBe(expected);
        for (const put of api().putsFor(bn(i))) expect(put.body).toEqual(expectedBody(i));
      }
      expect(
        api()
          .putsFor(bn(10))
          .map((p) => p.status),
      ).toEqual([429, 200]);
      for (const i of [30, 31]) expect(api().putsFor(bn(i))).toHaveLength(0);
      expect(api().puts.some((p) => p.body.businessNumber === 12345)).toBe(false);

      const final = await waitUntil(() =>
        bot.slack.callsTo('chat.update').find((c) => String(c.body.text).startsWith('Finished')),
      );
      expect(JSON.stringify(final.body.blocks)).toContain(BULK_ACTIONS.retryFailed);
      const results = await waitUntil(() => bot.slack.uploads.find((u) => u.content.startsWith('row,business id')));
      expect(results.content).toContain(`${bn(5)},failed,`);

      firstRun = false;
      const before = api().puts.length;
      await click(bot, BULK_ACTIONS.retryFailed, runId);
      const retried = await waitUntil(async () => {
        const r = await loadRun(bot.services.store, runId);
        return r?.status === 'finished' && count(r, 'done') === 206 ? r : undefined;
      });
      expect(
        api()
          .puts.slice(before)
          .map((p) => p.body.businessNumber)
          .sort(),
      ).toEqual([bn(5), bn(6), bn(7)]);
      expect(retried.rows.filter((r) => failing.has(Number(r.businessNumber))).map((r) => r.attempt)).toEqual([
        2, 2, 2,
      ]);
      for (const i of valid) expect(api().applied(bn(i))).toBe(1);
      // Progress updates are throttled: at most one per interval (plus the final ones), however long the run
      // took on this machine; unthrottled it would be one per row.
      const intervals = Math.ceil((Date.now() - started) / bulkTiming.progressIntervalMs);
      expect(bot.slack.callsTo('chat.update').length).toBeLessThanOrEqual(intervals + 4);
    } finally {
      await bot.stop();
    }
  });

  it('a user who submits before the slow group read lands is told nothing false: the closed modal is not an error', async () => {
    const bot = await startTestBot({ integrationBaseUrl: api().url });
    try {
      // The form's group read (the first one) is held; the submission's own read is answered at once.
      let releaseGroups = () => {};
      const groupsHeld = new Promise<void>((resolve) => {
        releaseGroups = resolve;
      });
      api().standin.on('GET', /^\/integration\/businessintegrationgroup\//, {
        json: [{ groupId: 1595, integrationSourceType: { id: 67, integrationSource: 'CARECLOUD' } }],
        until: groupsHeld,
      });
      const command = await bot.sendCommand(`bulk ${BULK_ENTERPRISE}`);
      expect(command.status).toBe(200);
      const opened = await bot.slack.waitFor('views.open');
      await api().standin.waitForRequests(1);
      const res = await bot.sendViewSubmission({
        view: {
          callback_id: BULK_MODAL,
          private_metadata: opened.body.view.private_metadata,
          state: { values: bulkModalValues({ crmId: 'carecloud', table: csv(3) }) },
        },
      });
      expect(res.status).toBe(200);
      await bot.slack.waitFor('chat.postMessage', (c) => String(c.body.text).startsWith('Dry run'));
      // The submitted modal is closed: Slack answers the update of the form with not_found.
      bot.slack.program('views.update', SlackApiStandin.error('not_found'), { times: 1 });
      releaseGroups();
      await bot.slack.waitFor('views.update');
      // Stopping waits for the command's listener to finish, whatever it still posts.
      await bot.stop();
      expect(command.responses()).toEqual([]);
      expect(bot.slack.responsesFor()).toEqual([]);
      expect(bot.slack.callsTo('chat.postEphemeral')).toEqual([]);
      const dryRuns = bot.slack.callsTo('chat.postMessage').filter((c) => String(c.body.text).startsWith('Dry run'));
      expect(dryRuns).toHaveLength(1);
      expect(bot.logs.some((l) => l.msg === 'Slack listener failed')).toBe(false);
    } finally {
      await bot.stop();
    }
  });

  it('the rows do not wait for the progress message: one Slack refuses still writes every row', async () => {
    const bot = await startTestBot({ integrationBaseUrl: api().url, config: { BULK_CONCURRENCY: 4 } });
    try {
      const { runId } = await dryRun(bot, csv(12));
      // The next post is the run's progress message.
      bot.slack.program('chat.postMessage', SlackApiStandin.error('channel_not_found'), { times: 1 });
      await click(bot, BULK_ACTIONS.confirm, runId);
      const run = await settledRun(bot, runId);
      expect(run.status).toBe('finished');
      expect(count(run, 'done')).toBe(12);
      expect(api().puts).toHaveLength(12);
      expect(run.progressTs).toBeUndefined();
      // No update is sent for a message that was never posted.
      expect(bot.slack.callsTo('chat.update')).toHaveLength(0);
    } finally {
      await bot.stop();
    }
  });

  it('Cancel stops after the rows in flight; counts match what the API received', async () => {
    const bot = await startTestBot({ integrationBaseUrl: api().url, config: { BULK_CONCURRENCY: 2 } });
    try {
      api().latencyMs = 15;
      const { runId } = await dryRun(bot, csv(80));
      await click(bot, BULK_ACTIONS.confirm, runId);
      await waitUntil(() => api().puts.length >= 10);
      await click(bot, BULK_ACTIONS.cancel, runId);
      const run = await settledRun(bot, runId);
      expect(run.status).toBe('cancelled');
      const done = count(run, 'done');
      expect(done).toBeGreaterThanOrEqual(10);
      expect(count(run, 'pending')).toBe(80 - done);
      expect(api().puts).toHaveLength(done);
      const final = await waitUntil(() =>
        bot.slack.callsTo('chat.update').find((c) => String(c.body.text).startsWith('Cancelled')),
      );
      expect(final.body.text).toContain(`done ${done} · failed 0 · left ${80 - done} of 80`);
    } finally {
      await bot.stop();
    }
  });

  it('resumes after a restart on the same store: every valid row written exactly once across both instances', async () => {
    // Lease expiry runs on the store's clock, which only moves when the test says so: the first instance's
    // lease stays fresh however slow the machine is, and expires exactly when the test advances past it.
    let now = Date.now();
    const memory = new MemoryStore({ now: () => now });
    const slack = await SlackApiStandin.start();
    const first = await startTestBot({
      integrationBaseUrl: api().url,
      store: sharedStore(memory),
      slack,
      config: { BULK_CONCURRENCY: 3 },
    });
    let second: TestBot | undefined;
    try {
      api().latencyMs = 10;
      // From the 21st put on, the API holds its answers: the crash happens with rows in flight, at a known point.
      api().holdAfter = 20;
      const { runId } = await dryRun(first, csv(90, { noName: [3] }));
      await click(first, BULK_ACTIONS.confirm, runId);
      await waitUntil(() => api().puts.length >= 20);
      // The first instance dies: no new rows, its lease is not released (only expires). The rows in flight
      // get their answers after it stopped taking new ones.
      const stopped = stopLocalRuns({ releaseLeases: false });
      api().releaseHeld();
      await stopped;
      // Its heartbeat (the lease) is still fresh, so nobody may take the run over yet.
      expect(await resumeInterruptedWork(first.services, first.app.client)).toEqual([]);
      await first.stop();
      const atCrash = api().puts.length;
      // At most the 20 answered rows plus the 3 in flight.
      expect(atCrash).toBeGreaterThanOrEqual(20);
      expect(atCrash).toBeLessThanOrEqual(23);
      expect((await loadRun(memory, runId))?.status).toBe('running');

      second = await startTestBot({
        integrationBaseUrl: api().url,
        store: sharedStore(memory),
        slack,
        config: { BULK_CONCURRENCY: 3 },
      });
      // Still inside the lease: the second instance must not take the run either.
      expect(await resumeInterruptedWork(second.services, second.app.client)).toEqual([]);
      now += bulkTiming.leaseMs + 1;
      expect(await resumeInterruptedWork(second.services, second.app.client)).toEqual([runId]);
      const run = await settledRun(second, runId);
      expect(run.status).toBe('finished');
      expect(count(run, 'done')).toBe(89);
      for (let i = 1; i <= 90; i++) expect(api().putsFor(bn(i))).toHaveLength(i === 3 ? 0 : 1);
      expect(api().puts.length).toBeGreaterThan(atCrash);
    } finally {
      await second?.stop();
      await slack.close();
      await memory.close();
    }
  });
});
