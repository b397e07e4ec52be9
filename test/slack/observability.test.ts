import { EventEmitter, once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { loadCatalog } from '../../src/catalog';
import { type Config, loadConfig } from '../../src/config';
import type { IntegrationClient } from '../../src/integration/client';
import { createLogger } from '../../src/logger';
import { Metrics } from '../../src/metrics';
import { type Bot, createBot } from '../../src/slack/app';
import { MemoryStore } from '../../src/store/memory';
import { IntegrationApiStandin } from '../support/integration-api-standin';
import { SlackApiStandin } from '../support/slack-api-standin';
import { rawRequest, startTestBot, TEST_USER } from '../support/slack-harness';

// biome-ignore lint/suspicious/noExplicitAny: pino lines are arbitrary JSON
type Line = Record<string, any>;

/** A bot built like main.ts builds it, logging into memory; lines are also emitted so a test can wait on one. */
function bareBot(env: Record<string, string>, connection = { retryDelayMs: 20, maxRetryDelayMs: 50 }) {
  const lines: Line[] = [];
  const written = new EventEmitter();
  const logger = createLogger({
    level: 'debug',
    destination: {
      write: (text: string) => {
        const line = JSON.parse(text) as Line;
        lines.push(line);
        written.emit('line', line);
      },
    },
  });
  const config: Config = loadConfig({
    SLACK_BOT_TOKEN: 'xoxb-test-not-a-real-token',
    SLACK_SIGNING_SECRET: 'test-signing-secret-not-real',
    PORT: '0',
    ...env,
  });
  const bot = createBot(
    {
      config,
      catalog: loadCatalog(),
      api: { close: async () => {} } as unknown as IntegrationClient,
      store: new MemoryStore(),
      logger,
      metrics: new Metrics(),
    },
    { port: 0, connection },
  );
  const lineMatching = async (predicate: (line: Line) => boolean): Promise<Line> => {
    for (;;) {
      const seen = lines.find(predicate);
      if (seen) return seen;
      await once(written, 'line');
    }
  };
  return { bot, lines, lineMatching };
}

/** A "Slack" that accepts every connection and never answers a byte. */
async function silentServer(): Promise<{ url: string; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/api/`,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const get = (port: number, path: string) => rawRequest(`http://127.0.0.1:${port}${path}`, 'GET');

describe('start-up cannot hang on Slack', () => {
  it('a Slack that never answers: /healthz answers throughout, one clear line names auth.test, the URL and why, /readyz 503', async () => {
    const slack = await silentServer();
    const { bot, lines, lineMatching } = bareBot({ SLACK_API_URL: slack.url, SLACK_API_TIMEOUT_MS: '200' });
    const started = Date.now();
    let stopBot: Bot | undefined;
    try {
      const { port } = await bot.start();
      stopBot = bot;
      // Listening before Slack answered anything.
      expect((await get(port, '/healthz')).status).toBe(200);
      const pending = await get(port, '/readyz');
      expect(pending.status).toBe(503);
      expect(pending.json().reason).toMatch(/^slack_auth_(pending|failed)$/);

      const failure = await lineMatching((l) => l.call === 'auth.test' && l.level === 'error');
      expect(Date.now() - started).toBeLessThan(15_000);
      expect(failure).toMatchObject({
        call: 'auth.test',
        url: `${slack.url}auth.test`,
        reason: 'no answer before the timeout',
      });
      expect(failure.msg).toBe(
        `Slack auth.test to ${slack.url}auth.test failed: no answer before the timeout; retrying in 0 s`,
      );
      expect(failure.retryInMs).toBe(20);

      expect((await get(port, '/healthz')).status).toBe(200);
      const ready = await get(port, '/readyz');
      expect(ready.status).toBe(503);
      expect(ready.json()).toMatchObject({
        ok: false,
        reason: 'slack_auth_failed',
        detail: 'no answer before the timeout',
      });
      // A Slack request before the token was accepted: 503 (Slack retries), not a hang or a crash.
      const early = await rawRequest(`http://127.0.0.1:${port}/slack/events`, 'POST', 'x=1', {
        'content-type': 'application/x-www-form-urlencoded',
        'x-slack-request-timestamp': String(Math.floor(Date.now() / 1000)),
        'x-slack-signature': 'v0=00',
      });
      expect(early.status).toBe(503);
      // The token never leaks into the failure lines.
      expect(JSON.stringify(lines)).not.toContain('xoxb-test-not-a-real-token');
    } finally {
      await stopBot?.stop();
      await slack.close();
    }
  });

  it('a token Slack rejects is not retried: a fatal line, and `fatal` rejects (main.ts exits 1)', async () => {
    const slack = await SlackApiStandin.start();
    slack.program('auth.test', SlackApiStandin.error('invalid_auth'));
    const { bot, lineMatching } = bareBot({ SLACK_API_URL: slack.apiUrl });
    try {
      const { port } = await bot.start();
      await expect(bot.fatal).rejects.toThrow('Slack auth.test failed: Slack answered invalid_auth');
      const line = await lineMatching((l) => l.call === 'auth.test');
      expect(line).toMatchObject({
        level: 'fatal',
        url: `${slack.apiUrl}auth.test`,
        reason: 'Slack answered invalid_auth',
      });
      expect(slack.callsTo('auth.test')).toHaveLength(1);
      expect((await get(port, '/readyz')).json()).toMatchObject({ reason: 'slack_auth_rejected' });
    } finally {
      await bot.stop();
      await slack.close();
    }
  });

  it('Socket Mode: /readyz is 503 socket_not_connected while no socket is connected, and says so in the log', async () => {
    const slack = await SlackApiStandin.start();
    // Slack hands out a socket URL where nothing listens.
    const nowhere = await silentServer();
    await nowhere.close();
    slack.program('apps.connections.open', { json: { ok: true, url: nowhere.url.replace('http', 'ws') } });
    const { bot, lineMatching } = bareBot({
      SLACK_API_URL: slack.apiUrl,
      SLACK_APP_TOKEN: 'xapp-test-not-a-real-token',
    });
    try {
      const { port } = await bot.start();
      expect((await get(port, '/healthz')).status).toBe(200);
      await lineMatching((l) => l.msg === 'Slack socket connecting');
      const ready = await get(port, '/readyz');
      expect(ready.status).toBe(503);
      expect(ready.json()).toMatchObject({ ok: false, reason: 'socket_not_connected' });
      // Only our server answers on PORT in Socket Mode: no Slack endpoint there.
      expect((await rawRequest(`http://127.0.0.1:${port}/slack/events`, 'POST', '{}')).status).toBe(404);
    } finally {
      await bot.stop();
      await slack.close();
    }
  });
});

describe('every inbound request is logged and counted; GET /metrics', () => {
  it('a slash command: one info line (request id, kind, command, user, ack latency, outcome) and the series move', async () => {
    const api = await new IntegrationApiStandin().start();
    api.always('GET', '/integration/businessintegrationgroup/150051042500001', { json: [] });
    const bot = await startTestBot({ integrationBaseUrl: api.url });
    try {
      const before = await bot.get('/metrics');
      expect(before.status).toBe(200);
      expect(before.headers['content-type']).toContain('text/plain');
      for (const name of [
        'crm_bot_inbound_requests_total',
        'crm_bot_ack_latency_seconds',
        'crm_bot_integration_api_calls_total',
        'crm_bot_integration_api_call_duration_seconds',
        'crm_bot_writes_total',
        'crm_bot_slack_api_errors_total',
        'crm_bot_store_errors_total',
        'crm_bot_bulk_rows_total',
      ])
        expect(before.text).toContain(`# TYPE ${name} `);
      expect(before.text).not.toContain('crm_bot_inbound_requests_total{');

      const res = await bot.sendCommand('status 150051042500001');
      expect(res.status).toBe(200);
      await res.nextResponse();
      const after = (await bot.get('/metrics')).text;
      expect(after).toContain('crm_bot_inbound_requests_total{kind="slash_command",outcome="ok"} 1');
      expect(after).toContain('crm_bot_ack_latency_seconds_count{kind="slash_command"} 1');
      expect(after).toContain(
        'crm_bot_integration_api_calls_total{route="/integration/businessintegrationgroup/{businessNumber}",status="200"} 1',
      );
      expect(after).toContain(
        'crm_bot_integration_api_call_duration_seconds_count{route="/integration/businessintegrationgroup/{businessNumber}"} 1',
      );
      // No business number in any series (routes are templates).
      expect(after).not.toContain('150051042500001');

      const requestLines = bot.logs.filter((l) => l.msg === 'slack request');
      expect(requestLines).toHaveLength(1);
      expect(requestLines[0]).toMatchObject({
        level: 'info',
        kind: 'slash_command',
        command: '/crm',
        user: TEST_USER,
        status: 200,
        outcome: 'ok',
      });
      expect(requestLines[0]?.requestId).toMatch(/^\d{10}-[0-9a-f]{6}$/);
      expect(typeof requestLines[0]?.ackMs).toBe('number');
      // Outbound calls at debug: the integration API (route template) and Slack (method), never ids or tokens.
      expect(bot.logs.find((l) => l.msg === 'integration api call')).toMatchObject({
        level: 'debug',
        path: '/integration/businessintegrationgroup/{businessNumber}',
        status: 200,
      });
      expect(bot.logs.find((l) => l.msg === 'slack api call')).toMatchObject({
        level: 'debug',
        slackMethod: 'auth.test',
        status: 200,
      });
    } finally {
      await bot.stop();
      await api.stop();
    }
  });

  it('a Slack API error is counted by method and Slack error code', async () => {
    const bot = await startTestBot();
    try {
      bot.slack.program('views.open', SlackApiStandin.error('expired_trigger_id'));
      const res = await bot.sendCommand('setup');
      expect(res.status).toBe(200);
      await bot.slack.waitFor('views.open');
      // The user is told; by then the failure is logged and counted.
      await res.nextResponse();
      const metrics = (await bot.get('/metrics')).text;
      expect(metrics).toContain('crm_bot_slack_api_errors_total{method="views.open",code="expired_trigger_id"} 1');
      const line = bot.logs.find((l) => l.msg === 'slack request');
      expect(line).toMatchObject({ kind: 'slash_command', command: '/crm' });
    } finally {
      await bot.stop();
    }
  });
});
