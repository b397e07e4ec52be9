import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { DIAGNOSE_MODAL, FIX_CONFIRM, TROUBLESHOOT_CONTACT } from '../../src/flows/diagnose/ids';
import { LOOKUP_MODAL } from '../../src/flows/lookup/ids';
import { STATUS_ACTIONS } from '../../src/flows/status/ids';
import type { SendOptions } from '../support/slack-harness';
import { useBot } from '../support/use-bot';
import { registerTestWriteAction, registerTestWriteSubcommand } from '../support/write-surface';

/**
 * 1,000 malformed or random requests at the HTTP receiver, all to 127.0.0.1: no 5xx from our code,
 * no unhandled rejection, heap flat. Seeded, so a failure replays exactly (FUZZ_SEED=... to vary).
 */
const CASES = 1000;
const CONCURRENCY = 100;
const MAX_HEAP_GROWTH_MB = 30;
const SEED = Number(process.env.FUZZ_SEED ?? 20261121);

/** mulberry32: small, seedable, good enough to pick shapes. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)]!;
  return { next, int, pick, chance: (p: number) => next() < p };
}
type Rng = ReturnType<typeof prng>;

const UNICODE = ['é', 'ß', '中文', '🙂', '\u202e', '\u0000', '\ud800', 'ｆｕｌｌ', '\n', '"', "'", '\\', '<@U1>', '`'];
const TYPES = [
  'block_actions',
  'view_submission',
  'view_closed',
  'block_suggestion',
  'shortcut',
  'message_action',
  'interactive_message',
  'dialog_submission',
  'workflow_step_edit',
  'event_callback',
  'url_verification',
  'app_rate_limited',
  'nonsense',
  '',
];
/** Callback and action ids the bot registers, so random payloads reach real listeners too. */
const KNOWN_IDS = [
  'prodtest_write',
  'setup_modal',
  STATUS_ACTIONS.updateTriggers,
  STATUS_ACTIONS.diagnose,
  STATUS_ACTIONS.reauth,
  STATUS_ACTIONS.addLocation,
  DIAGNOSE_MODAL,
  LOOKUP_MODAL,
  TROUBLESHOOT_CONTACT,
  'reauth_modal',
  FIX_CONFIRM,
  'bulk',
];

function randomString(rng: Rng, max = 40, allowHuge = true): string {
  if (allowHuge && rng.chance(0.02)) return 'x'.repeat(50_000 + rng.int(200_000)); // huge
  let s = '';
  const n = rng.int(max);
  for (let i = 0; i < n; i++) s += rng.chance(0.2) ? rng.pick(UNICODE) : String.fromCharCode(32 + rng.int(95));
  return s;
}

function randomValue(rng: Rng, depth = 0): unknown {
  const kind = rng.int(depth > 3 ? 5 : 8);
  switch (kind) {
    case 0:
      return null;
    case 1:
      return rng.chance(0.5);
    case 2:
      return rng.pick([0, -1, 1e308, Number.MAX_SAFE_INTEGER + 2, 3.14, 170000000000001]);
    case 3:
    case 4:
      return rng.chance(0.3) ? rng.pick(KNOWN_IDS) : randomString(rng);
    case 5:
      return Array.from({ length: rng.int(4) }, () => randomValue(rng, depth + 1));
    default: {
      const o: Record<string, unknown> = {};
      for (let i = rng.int(5); i > 0; i--)
        o[rng.pick(['type', 'value', 'id', 'action_id', randomString(rng, 8)])] = randomValue(rng, depth + 1);
      return o;
    }
  }
}

/** A Slack-like payload with some fields right, some wrong, some missing. */
function randomPayload(rng: Rng, localResponseUrl: string): Record<string, unknown> {
  const maybe = (value: () => unknown) => (rng.chance(0.75) ? value() : randomValue(rng));
  const payload: Record<string, unknown> = {
    type: rng.pick(TYPES),
    team: maybe(() => ({ id: 'T_TEST', domain: 'test' })),
    user: maybe(() => ({ id: rng.pick(['U_FUZZ', 'U_OTHER', '']), team_id: 'T_TEST' })),
    api_app_id: 'A_TEST',
    trigger_id: maybe(() => `${Date.now()}.1.${rng.int(1e9)}`),
    callback_id: maybe(() => rng.pick(KNOWN_IDS)),
    // Only ever our own stand-in, or a value that is not a URL: the fuzz must never reach the network.
    response_url: rng.pick([localResponseUrl, undefined, 'not a url', '']),
    actions: maybe(() => [
      { action_id: rng.pick(KNOWN_IDS), block_id: 'b', type: 'button', value: String(randomValue(rng)) },
    ]),
    view: maybe(() => ({
      id: 'V1',
      callback_id: rng.pick(KNOWN_IDS),
      type: 'modal',
      private_metadata: rng.chance(0.5) ? JSON.stringify(randomValue(rng)) : randomString(rng),
      state: { values: { b: { a: randomValue(rng) } } },
    })),
    action_id: maybe(() => rng.pick(KNOWN_IDS)),
    value: maybe(() => randomString(rng)),
    event: maybe(() => ({ type: rng.pick(['app_home_opened', 'message', 'app_mention', 'made_up']), user: 'U_FUZZ' })),
    challenge: maybe(() => randomString(rng)),
  };
  for (const key of Object.keys(payload)) if (rng.chance(0.15)) delete payload[key];
  return payload;
}

interface FuzzCase {
  body: string | Buffer;
  contentType: string;
  opts: SendOptions;
}

function randomCase(rng: Rng, localResponseUrl: string): FuzzCase {
  const signature = rng.chance(0.8) ? ('valid' as const) : rng.pick(['bad', 'missing'] as const);
  const opts: SendOptions = {
    signature,
    ...(rng.chance(0.1)
      ? { retryNum: rng.int(4), retryReason: randomString(rng, 10, false).replace(/[^\x20-\x7e]/g, '') }
      : {}),
  };
  const form = 'application/x-www-form-urlencoded';
  switch (rng.int(7)) {
    case 0: // random bytes
      return {
        body: Buffer.from(Array.from({ length: rng.int(4096) }, () => rng.int(256))),
        contentType: rng.pick([form, 'application/json', 'application/octet-stream']),
        opts,
      };
    case 1: {
      // truncated JSON
      const full = JSON.stringify(randomPayload(rng, localResponseUrl));
      return { body: full.slice(0, rng.int(full.length)), contentType: 'application/json', opts };
    }
    case 2: // wrong content type for a good-looking body
      return {
        body: new URLSearchParams({ payload: JSON.stringify(randomPayload(rng, localResponseUrl)) }).toString(),
        contentType: rng.pick(['text/plain', 'multipart/form-data; boundary=x', 'application/xml', '']),
        opts,
      };
    case 3: // slash command form with random fields
      return {
        body: new URLSearchParams({
          command: rng.pick(['/crm', '/other', '', randomString(rng, 10)]),
          text: rng.chance(0.5)
            ? `${rng.pick(['status', 'history', 'triggers', 'lookup', 'diagnose', 'reauth', 'help', 'prodtest-write'])} ${randomString(rng)}`
            : randomString(rng),
          user_id: rng.pick(['U_FUZZ', '', randomString(rng, 5)]),
          team_id: 'T_TEST',
          channel_id: rng.pick(['C1', '']),
          trigger_id: `${Date.now()}.1.1`,
          response_url: rng.pick([localResponseUrl, 'not a url']),
          api_app_id: 'A_TEST',
        }).toString(),
        contentType: form,
        opts,
      };
    case 4: // event callbacks as JSON
      return {
        body: JSON.stringify({
          ...randomPayload(rng, localResponseUrl),
          type: rng.pick(['event_callback', 'url_verification', 'app_rate_limited']),
        }),
        contentType: 'application/json',
        opts,
      };
    case 5: // payload= that is not JSON, or JSON that is not an object
      return {
        body: new URLSearchParams({
          payload: rng.pick([randomString(rng), '[]', 'null', ' null ', '42', '"str"', '{"type":']),
        }).toString(),
        contentType: form,
        opts,
      };
    default: // payload= with random shapes of every interactive type
      return {
        body: new URLSearchParams({ payload: JSON.stringify(randomPayload(rng, localResponseUrl)) }).toString(),
        contentType: form,
        opts,
      };
  }
}

function gcFunction(): () => void {
  const existing = (globalThis as { gc?: () => void }).gc;
  if (existing) return existing;
  // Without --expose-gc on the command line: enable it at runtime and fetch gc from a fresh context.
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

function heapAfterGc(gc: () => void): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

describe('fuzzing the HTTP receiver', () => {
  let removeSubcommand: () => void;
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  // Lookups call Carestack at https://<domain>.carestack.com by default: keep every call local.
  const { bot } = useBot((api) => ({ env: { CARESTACK_API_BASE_URL: api.url, LOG_LEVEL: 'warn' } }));

  beforeAll(() => {
    registerTestWriteAction(bot);
    removeSubcommand = registerTestWriteSubcommand();
    process.on('unhandledRejection', onUnhandled);
  });
  afterAll(async () => {
    process.off('unhandledRejection', onUnhandled);
    removeSubcommand();
  });

  it(`${CASES} malformed or random requests: no 5xx, no unhandled rejection, heap flat`, async () => {
    const rng = prng(SEED);
    const localResponseUrl = bot.slack.responseUrl('fuzz');
    // A pool, not batches: a request Bolt leaves unanswered for 3 s (unknown type) holds one slot, not a batch.
    const runBatch = async (cases: FuzzCase[]) => {
      const statuses: number[] = new Array(cases.length);
      let next = 0;
      const worker = async () => {
        while (next < cases.length) {
          const index = next++;
          const c = cases[index]!;
          // -1: the connection failed without an HTTP answer (counted as a failure below).
          statuses[index] = await bot.sendRaw(c.body, c.contentType, c.opts).then(
            (r) => r.status,
            () => -1,
          );
        }
      };
      await Promise.all(Array.from({ length: CONCURRENCY }, worker));
      return statuses;
    };
    const gc = gcFunction();

    // Warm-up: lazy modules, JIT, connection pools.
    await runBatch(Array.from({ length: 100 }, () => randomCase(rng, localResponseUrl)));
    await new Promise((r) => setTimeout(r, 200));
    bot.slack.reset();
    bot.logs.length = 0;
    const heapBefore = heapAfterGc(gc);

    const started = Date.now();
    const statuses = await runBatch(Array.from({ length: CASES }, () => randomCase(rng, localResponseUrl)));
    const elapsedMs = Date.now() - started;
    // Let work that continues after the ack finish before counting and measuring.
    await new Promise((r) => setTimeout(r, 500));

    const serverErrors = statuses.filter((s) => s >= 500);
    expect(serverErrors).toEqual([]);
    expect(statuses.filter((s) => s === -1)).toEqual([]);
    expect(statuses).toHaveLength(CASES);
    expect(unhandled).toEqual([]);
    expect((await bot.get('/healthz')).status).toBe(200);

    bot.slack.reset();
    const capturedLogLines = bot.logs.length;
    bot.logs.length = 0;
    const growthMb = (heapAfterGc(gc) - heapBefore) / 1024 / 1024;
    const byStatus = statuses.reduce<Record<number, number>>((acc, s) => {
      acc[s] = (acc[s] ?? 0) + 1;
      return acc;
    }, {});
    // Figures for the report (visible with --verbose).
    console.info(
      `fuzz: ${CASES} cases in ${elapsedMs} ms, statuses ${JSON.stringify(byStatus)}, heap growth ${growthMb.toFixed(1)} MB, ${capturedLogLines} warn+ log lines`,
    );
    expect(growthMb).toBeLessThan(MAX_HEAP_GROWTH_MB);
    // 1,000 requests take about 7 s alone; a loaded two-core machine can take many times that.
  }, 240_000);
});
