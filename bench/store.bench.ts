import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCatalog } from '../src/catalog';
import { loadConfig } from '../src/config';
import type { IntegrationClient } from '../src/integration/client';
import { createLogger } from '../src/logger';
import { Metrics } from '../src/metrics';
import { idempotencyKey, performWrite, type WriteClient } from '../src/operations/write';
import type { Services } from '../src/services';
import { MemoryStore, RedisStore, SqliteStore, type Store } from '../src/store';
import { RedisProcess } from '../test/support/redis-process';
import type { BenchResult } from './run';
import { median } from './stats';

/**
 * What the store costs one write: the real pipeline (performWrite: permission check, per-business lock,
 * idempotency record, three audit appends) with the integration call stubbed to answer at once, so the
 * time is the store's and the pipeline's own. SQLite on a file in a temp dir, memory (the baseline) and
 * Redis on a redis-server of its own, side by side in one run; median of several rounds.
 *
 * A pipeline is done when its outcome is durable: for SQLite, when the journal has it (what the bot waits
 * for). The SQLite writer thread applies the journal to the file in the background; the figure "until in
 * the file" adds, per write, the time the writer then still needed after the round's last write.
 * Every round starts with the writer caught up.
 */

const WRITES_PER_ROUND = 1000;
/** Odd, so the median is one round; enough that a round slowed by another process does not move it. */
const ROUNDS = 11;
const WARM_UP_WRITES = 300;
const TARGET_RATIO = 2;
const USER = 'U_BENCH_WRITER';

function servicesOver(store: Store): Services {
  const logger = createLogger({ level: 'silent' });
  return {
    // The user is on ALLOWED_USER_IDS: the permission check runs and needs no Slack call.
    config: loadConfig({
      SLACK_BOT_TOKEN: 'xoxb-bench',
      SLACK_SIGNING_SECRET: 'bench-signing-secret',
      ALLOWED_USER_IDS: USER,
      LOG_LEVEL: 'silent',
    }),
    catalog: loadCatalog(),
    // Never called: each write's send is the stub below.
    api: {} as IntegrationClient,
    store,
    logger,
    metrics: new Metrics(),
  };
}

/** µs per write over `count` sequential writes, each for its own intent and business: answered, and in the file. */
async function timeWrites(
  services: Services,
  label: string,
  count: number,
): Promise<{ answered: number; inFile: number }> {
  const client = {} as WriteClient;
  const { store } = services;
  await settle(store);
  const started = performance.now();
  for (let i = 0; i < count; i++) {
    const businessNumber = String(170000000000000 + (i % 50));
    const body = {
      businessNumber: Number(businessNumber),
      integrationGroupId: 1595,
      active: true,
      integrationProperties: [{ propertyKey: 'location_name', propertyValue: `Clinic ${i}` }],
    };
    const result = await performWrite(services, client, {
      userId: USER,
      idempotencyKey: idempotencyKey('bench', label, i, 1),
      businessNumber,
      crmId: 'carecloud',
      operation: 'createMapping',
      maskedRequest: body,
      // Answers on a later turn of the event loop, as a network answer does.
      send: () => new Promise((resolve) => setImmediate(resolve, { mappingId: i })),
    });
    if (!result.executed) throw new Error(`write ${i} was not executed`);
  }
  const answered = performance.now();
  if (store instanceof SqliteStore) await store.inFile();
  const perWrite = (until: number) => ((until - started) * 1000) / count;
  return { answered: perWrite(answered), inFile: perWrite(performance.now()) };
}

/** The SQLite writer done with earlier rounds before a round starts, so no round pays for another's. */
async function settle(store: Store): Promise<void> {
  if (store instanceof SqliteStore) await store.inFile();
}

type Figures = { answered: number; inFile: number };

/**
 * Rounds interleaved across the stores, so a burst of load from another process hits them alike;
 * µs per write of each store, median over the rounds.
 */
async function measureSideBySide(stores: Record<string, Store>): Promise<Record<string, Figures>> {
  const services = Object.entries(stores).map(([name, store]) => ({ name, services: servicesOver(store) }));
  const rounds = new Map(services.map(({ name }) => [name, [] as Figures[]]));
  for (const { name, services: s } of services) await timeWrites(s, `${name}-warm`, WARM_UP_WRITES);
  for (let round = 0; round < ROUNDS; round++) {
    for (const { name, services: s } of services) {
      rounds.get(name)!.push(await timeWrites(s, `${name}-${round}`, WRITES_PER_ROUND));
    }
  }
  return Object.fromEntries(
    [...rounds].map(([name, values]) => [
      name,
      { answered: median(values.map((v) => v.answered)), inFile: median(values.map((v) => v.inFile)) },
    ]),
  );
}

export async function benchStorePerWrite(): Promise<BenchResult> {
  const dir = mkdtempSync(join(tmpdir(), 'crm-bot-bench-'));
  const redis = await RedisProcess.start();
  const logger = createLogger({ level: 'silent' });
  const redisStore = new RedisStore({ url: redis.url, logger });
  const stores = {
    memory: new MemoryStore(),
    sqlite: new SqliteStore({ path: join(dir, 'state.sqlite') }),
    redis: redisStore,
  };
  try {
    // Connected before the first write: a command issued while the first connect is still going may fail.
    for (let tries = 0; tries < 20 && !(await redisStore.ping()); tries++);
    const us = await measureSideBySide(stores);
    const memory = us.memory!.answered;
    const ratio = us.sqlite!.answered / memory;
    const shown = (value: number | undefined) => Number((value ?? Number.NaN).toFixed(1));
    return {
      name: `store cost per write pipeline (permission, lock, idempotency, audit; API stubbed), ${WRITES_PER_ROUND} writes × ${ROUNDS} rounds, median`,
      target: `SQLite ≤ ${TARGET_RATIO} × memory`,
      figures: {
        'memory µs/write (baseline)': shown(memory),
        'SQLite file µs/write (durable in its journal)': shown(us.sqlite!.answered),
        'SQLite µs/write until in the file (writer thread caught up)': shown(us.sqlite!.inFile),
        'Redis (local redis-server) µs/write': shown(us.redis!.answered),
        'SQLite / memory': Number(ratio.toFixed(2)),
        'SQLite until in the file / memory': Number((us.sqlite!.inFile / memory).toFixed(2)),
        'Redis / memory': Number((us.redis!.answered / memory).toFixed(2)),
      },
      pass: ratio <= TARGET_RATIO,
    };
  } finally {
    await Promise.all(Object.values(stores).map((store) => store.close()));
    await redis.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}
