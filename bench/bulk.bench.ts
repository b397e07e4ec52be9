import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { App } from '@slack/bolt';
import { runRows } from '../src/bulk/runner';
import { loadCatalog } from '../src/catalog';
import { loadConfig } from '../src/config';
import { IntegrationClient } from '../src/integration/client';
import { createLogger } from '../src/logger';
import { Metrics } from '../src/metrics';
import { idempotencyKey, performWrite } from '../src/operations/write';
import type { Services } from '../src/services';
import { MemoryStore } from '../src/store/memory';
import type { BenchResult } from './run';

/**
 * 500 mapping PUTs through the real runner, IntegrationClient and performWrite (MemoryStore)
 * against a local API stand-in that answers each PUT after 50 ms, concurrency 8.
 * Ideal = rows × latency / concurrency. Baseline in the same run: concurrency 1 on 40 rows, extrapolated.
 */

const ROWS = 500;
const LATENCY_MS = 50;
const CONCURRENCY = 8;
const BASELINE_ROWS = 40;
const TARGET_RATIO = 1.2;

async function startApi(): Promise<{ url: string; close(): Promise<void>; count(): number }> {
  let requests = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      requests++;
      setTimeout(() => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{}');
      }, LATENCY_MS);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    count: () => requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function timeRun(services: Services, rows: number, concurrency: number, runId: string): Promise<number> {
  const client = {} as App['client'];
  const items = Array.from({ length: rows }, (_, i) => ({ key: String(100000000000000 + i), attempt: 1 }));
  const started = performance.now();
  const summary = await runRows({
    rows: items,
    concurrency,
    send: async (row, attempt) => {
      const body = {
        businessNumber: Number(row.key),
        integrationGroupId: 1595,
        active: true,
        integrationProperties: [{ propertyKey: 'location_name', propertyValue: `Clinic ${row.key}` }],
      };
      await performWrite(services, client, {
        userId: 'U_BENCH',
        idempotencyKey: idempotencyKey('bulk', runId, row.key, attempt),
        businessNumber: row.key,
        crmId: 'carecloud',
        operation: 'createMapping',
        maskedRequest: body,
        send: () => services.api.createMapping(body),
      });
    },
  });
  if (summary.done !== rows) throw new Error(`only ${summary.done}/${rows} rows done (${summary.failed} failed)`);
  return performance.now() - started;
}

export async function benchBulkRun(): Promise<BenchResult> {
  const api = await startApi();
  const logger = createLogger({ level: 'silent' });
  const config = loadConfig({
    SLACK_BOT_TOKEN: 'xoxb-bench',
    SLACK_SIGNING_SECRET: 'bench-signing-secret',
    INTEGRATION_API_URL: api.url,
    LOG_LEVEL: 'silent',
  });
  const store = new MemoryStore();
  const services: Services = {
    config,
    catalog: loadCatalog(),
    api: new IntegrationClient({ baseUrl: api.url, timeoutMs: 10_000, logger }),
    store,
    logger,
    metrics: new Metrics(),
  };
  let peakRss = 0;
  let peakHeap = 0;
  const sample = () => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
  };
  const sampler = setInterval(sample, 50);
  try {
    await timeRun(services, 16, CONCURRENCY, 'warmup');
    const baselineMs = await timeRun(services, BASELINE_ROWS, 1, 'baseline');
    sample();
    const wallMs = await timeRun(services, ROWS, CONCURRENCY, 'measured');
    sample();
    const idealMs = (ROWS * LATENCY_MS) / CONCURRENCY;
    const ratio = wallMs / idealMs;
    return {
      name: `bulk: ${ROWS} mappings, ${LATENCY_MS} ms API latency, concurrency ${CONCURRENCY}`,
      target: `wall ≤ ${TARGET_RATIO} × ideal`,
      figures: {
        'wall ms': Math.round(wallMs),
        'ideal ms (rows × latency / concurrency)': idealMs,
        ratio: Number(ratio.toFixed(3)),
        [`baseline ms (concurrency 1, ${BASELINE_ROWS} rows × ${ROWS / BASELINE_ROWS}, extrapolated)`]: Math.round(
          (baselineMs * ROWS) / BASELINE_ROWS,
        ),
        'speed-up vs baseline': Number(((baselineMs * ROWS) / BASELINE_ROWS / wallMs).toFixed(2)),
        'peak RSS MB': Number((peakRss / 1048576).toFixed(1)),
        'peak heap MB': Number((peakHeap / 1048576).toFixed(1)),
        'API requests': api.count(),
      },
      pass: ratio <= TARGET_RATIO,
    };
  } finally {
    clearInterval(sampler);
    await services.api.close();
    await store.close();
    await api.close();
  }
}
