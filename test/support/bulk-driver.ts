import { type BulkRun, loadRun } from '../../src/bulk/run-record';
import { BULK_ACTIONS, BULK_MODAL } from '../../src/flows/bulk/ids';
import { bulkTiming } from '../../src/flows/bulk/service';
import { bulkModalValues } from './flow-forms';
import { API_PATHS, IntegrationApiStandin } from './integration-api-standin';
import { type Check, pollUntil } from './poll';
import type { TestBot } from './slack-harness';

/**
 * A bulk run driven the way a user does it, over signed requests: `/crm bulk`, the modal submitted with a
 * pasted table (the dry run), Confirm clicked, the run record polled until it settles. The integration API
 * is a local stand-in scripted as one CareCloud group of the enterprise, every mapping PUT recorded.
 *
 *   const api = mappingApiPerTest({ progressIntervalMs: 50 });   // in a describe
 *   const bot = await startTestBot({ integrationBaseUrl: api().url });
 *   const { runId } = await dryRun(bot, bulkCsv(100));
 *   await click(bot, BULK_ACTIONS.confirm, runId);
 *   const run = await settledRun(bot, runId);
 */

export const BULK_ENTERPRISE = '150051042499080';
/** The business number of the table's i-th row. */
export const bulkBn = (i: number) => 150051042500000 + i;

type Behaviour = (businessNumber: number, seen: number) => { status: number; headers?: Record<string, string> };

/** The integration API stand-in scripted as one CareCloud group, with every mapping PUT recorded per business. */
export class MappingApi {
  readonly standin = new IntegrationApiStandin();
  // biome-ignore lint/suspicious/noExplicitAny: recorded JSON bodies
  readonly puts: Array<{ body: any; status: number }> = [];
  behaviour: Behaviour = () => ({ status: 200 });
  latencyMs = 0;
  /** Puts past this many are recorded but held unanswered until releaseHeld() (rows frozen in flight). */
  holdAfter = Number.POSITIVE_INFINITY;
  private release = () => {};
  private held = this.nextHold();

  get url(): string {
    return this.standin.url;
  }

  async start(): Promise<void> {
    await this.standin.start();
    this.standin.always('GET', /^\/integration\/businessintegrationgroup\//, {
      json: [{ groupId: 1595, integrationSourceType: { id: 67, integrationSource: 'CARECLOUD' } }],
    });
    this.standin.always('PUT', API_PATHS.mapping, (req) => {
      const body = req.json();
      const reply = this.behaviour(body.businessNumber, this.putsFor(body.businessNumber).length);
      this.puts.push({ body, status: reply.status });
      const timing = this.puts.length > this.holdAfter ? { until: this.held } : { delayMs: this.latencyMs };
      return { ...reply, text: '{}', ...timing };
    });
  }
  stop(): Promise<void> {
    return this.standin.stop();
  }
  /** Answers the held puts; stops holding unless told to hold the puts that arrive next too (one step at a time). */
  releaseHeld(options: { keepHolding?: boolean } = {}): void {
    this.holdAfter = options.keepHolding ? this.puts.length : Number.POSITIVE_INFINITY;
    this.release();
    this.held = this.nextHold();
  }
  putsFor(bn: number) {
    return this.puts.filter((p) => p.body.businessNumber === bn);
  }
  applied(bn: number) {
    return this.putsFor(bn).filter((p) => p.status === 200).length;
  }
  private nextHold(): Promise<void> {
    return new Promise((resolve) => {
      this.release = resolve;
    });
  }
}

/**
 * A started MappingApi for each test of the enclosing describe (the getter gives the current test's), with
 * `timing` applied to bulkTiming for the test; both undone after it.
 */
export function mappingApiPerTest(timing: Partial<typeof bulkTiming> = {}): () => MappingApi {
  let current: MappingApi | undefined;
  const saved = { ...bulkTiming };
  beforeEach(async () => {
    current = new MappingApi();
    await current.start();
    Object.assign(bulkTiming, timing);
  });
  afterEach(async () => {
    Object.assign(bulkTiming, saved);
    await current?.stop();
    current = undefined;
  });
  return () => {
    if (!current) throw new Error('mappingApiPerTest: no test is running');
    return current;
  };
}

/** A CareCloud table of `count` rows (quoted names with commas and quotes), some made invalid on request. */
export function bulkCsv(
  count: number,
  invalid: { badId?: number[]; noName?: number[]; duplicateOf?: Record<number, number> } = {},
) {
  const lines = ['business id,Location Name,appointment_status'];
  for (let i = 1; i <= count; i++) {
    const id = invalid.badId?.includes(i) ? '12345' : String(bulkBn(invalid.duplicateOf?.[i] ?? i));
    const name = invalid.noName?.includes(i) ? '' : `"Clinic ${i}, Suite ""${i}"""`;
    lines.push(`${id},${name},"Checked-Out,Billed"`);
  }
  return lines.join('\n');
}

// A run of hundreds of rows takes seconds alone and far longer on a loaded two-core machine; the waits end
// as soon as the run settles, so only a failing test ever uses this budget.
export const waitUntil = <T>(check: Check<T>) => pollUntil(check, 90_000);

/** `/crm bulk`, then the modal submitted with `table` (and a typed group ID, if any), as Slack sends it. */
export async function submitBulk(bot: TestBot, table: string, groupId?: string): Promise<void> {
  const command = await bot.sendCommand(`bulk ${BULK_ENTERPRISE}`);
  expect(command.status).toBe(200);
  const opened = await bot.slack.waitFor('views.open');
  expect(opened.body.view.callback_id).toBe(BULK_MODAL);
  const updated = await bot.slack.waitFor('views.update');
  expect(JSON.stringify(updated.body.view)).toContain('1595 (CareCloud)');
  const res = await bot.sendViewSubmission({
    view: {
      callback_id: BULK_MODAL,
      private_metadata: opened.body.view.private_metadata,
      state: { values: bulkModalValues({ crmId: 'carecloud', table, ...(groupId ? { groupId } : {}) }) },
    },
  });
  expect(res.status).toBe(200);
}

/** submitBulk, then the dry-run summary's run id (its Confirm button) and text. */
export async function dryRun(bot: TestBot, table: string, groupId?: string): Promise<{ runId: string; text: string }> {
  await submitBulk(bot, table, groupId);
  const summary = await bot.slack.waitFor('chat.postMessage', (c) => String(c.body.text).startsWith('Dry run'), 5000);
  const confirm = summary.body.blocks
    .flatMap((b: { elements?: Array<{ action_id: string; value: string }> }) => b.elements ?? [])
    .find((e: { action_id: string }) => e.action_id === BULK_ACTIONS.confirm);
  return { runId: confirm.value, text: JSON.stringify(summary.body) };
}

/** Clicks a run's button (Confirm, Cancel, Retry failed rows) on the bot's message. */
export const click = (bot: TestBot, action_id: string, runId: string) =>
  bot.sendBlockAction({ actions: [{ action_id, value: runId }] });

/** The run record once the run finished or was cancelled. */
export const settledRun = (bot: TestBot, runId: string) =>
  waitUntil(async () => {
    const run = await loadRun(bot.services.store, runId);
    return run && (run.status === 'finished' || run.status === 'cancelled') ? run : undefined;
  });

/** Rows of the run in a state. */
export const rowsIn = (run: BulkRun, state: string) => run.rows.filter((r) => r.state === state).length;
