import { createHmac, randomUUID } from 'node:crypto';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import type { App } from '@slack/bolt';
import { type Catalog, loadCatalog } from '../../src/catalog';
import type { Clock } from '../../src/clock';
import { type Config, loadConfig } from '../../src/config';
import { IntegrationClient, type IntegrationClientOptions } from '../../src/integration/client';
import { createLogger, type Logger } from '../../src/logger';
import { createLogSearch } from '../../src/logsearch/client';
import { Metrics, observeApiAttempt } from '../../src/metrics';
import type { Services } from '../../src/services';
import { type Bot, createBot, SLACK_EVENTS_PATH } from '../../src/slack/app';
import { MemoryStore } from '../../src/store/memory';
import { countStoreErrors } from '../../src/store/observed';
import type { Store } from '../../src/store/types';
import { EVENT_WAIT_MS, type RecordedResponse, SlackApiStandin } from './slack-api-standin';

/**
 * Drives the real bot over signed HTTP, the way Slack does. One per test file (or per test):
 *
 *   const bot = await startTestBot();
 *   afterAll(() => bot.stop());
 *   const res = await bot.sendCommand('status 12345');
 *   const reply = await res.nextResponse();               // what respond() posted to response_url
 *   const modal = await bot.slack.waitFor('views.open');  // a Web API call the bot made
 *   expect(bot.logText()).not.toContain('secret');
 *
 * Integration API calls go to `bot.integrationBaseUrl` (default http://integration.test): intercept with nock.
 */

export const TEST_SIGNING_SECRET = 'test-signing-secret-not-real';
export const TEST_BOT_TOKEN = 'xoxb-test-not-a-real-token';
export const TEST_TEAM = { id: 'T_TEST', domain: 'test-workspace' } as const;
export const TEST_USER = 'U_TEST_USER';
export const TEST_CHANNEL = 'C_TEST_CHANNEL';
export const TEST_APP_ID = 'A_TEST';

export interface TestBotOptions {
  /** Extra environment for loadConfig (strings, as in process.env), e.g. { ALLOWED_USER_IDS: 'U1' }. */
  env?: Record<string, string>;
  /** Applied after loadConfig, for values that are awkward as env strings. */
  config?: Partial<Config>;
  store?: Store;
  catalog?: Catalog;
  /** A fake API client; default is the real IntegrationClient pointed at integrationBaseUrl. */
  api?: IntegrationClient;
  /** Options for the real IntegrationClient (default: short retry delays so retry tests are quick). */
  apiOptions?: Partial<IntegrationClientOptions>;
  integrationBaseUrl?: string;
  /** The clock of the flows and of the real IntegrationClient's deadlines (a ManualClock in tests). */
  clock?: Clock;
  /** Reuse a stand-in across bots; default starts a fresh one (and stops it in stop()). */
  slack?: SlackApiStandin;
}

export interface SendOptions {
  /** 'bad' signs with a wrong secret, 'missing' sends no signature headers. Default 'valid'. */
  signature?: 'valid' | 'bad' | 'missing';
  /** Shifts X-Slack-Request-Timestamp from now: -301 is stale, +301 is from the future. */
  timestampOffsetSeconds?: number;
  /** X-Slack-Retry-Num / X-Slack-Retry-Reason, as Slack sends on redelivery. */
  retryNum?: number;
  retryReason?: string;
  headers?: Record<string, string>;
}

export interface Actor {
  user?: string;
  channel?: string;
}

export interface SlackHttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** The raw HTTP response body (the ack body). */
  text: string;
  /** The ack body parsed as JSON, or undefined when empty or not JSON. */
  // biome-ignore lint/suspicious/noExplicitAny: ack bodies are arbitrary Slack JSON
  json(): any;
}

/** A response for a request that carried a response_url: read what respond() posted to it. */
export interface WithResponseUrl extends SlackHttpResponse {
  responseUrl: string;
  /** Posts made to this request's response_url so far. */
  responses(): RecordedResponse[];
  /** The first (or first matching) post to this request's response_url, waiting up to timeoutMs. */
  nextResponse(predicate?: (r: RecordedResponse) => boolean, timeoutMs?: number): Promise<RecordedResponse>;
}

// biome-ignore lint/suspicious/noExplicitAny: Slack payload fragments are arbitrary JSON
type Json = Record<string, any>;

export interface TestBot {
  bot: Bot;
  app: App;
  services: Services;
  config: Config;
  /** Base URL of the bot, e.g. http://127.0.0.1:51234 */
  url: string;
  /** The Slack Web API stand-in: calls, programmed answers, waitFor. */
  slack: SlackApiStandin;
  integrationBaseUrl: string;
  /** Every log line the bot wrote (pino objects). */
  logs: Json[];
  /** All log lines as one string, for `not.toContain(secret)` checks. */
  logText(): string;

  /** `/crm <text>` (or another command via opts.command), form-encoded like Slack. */
  sendCommand(text: string, opts?: Actor & SendOptions & { command?: string }): Promise<WithResponseUrl>;
  /**
   * block_actions. `actions` items need action_id (value etc. optional). Pass `view` for actions in a modal,
   * or `message` for actions on a message (then a response_url is included).
   */
  sendBlockAction(payload: Json & { actions: Json[] }, opts?: Actor & SendOptions): Promise<WithResponseUrl>;
  /** view_submission. `view` needs callback_id; state.values and private_metadata as the flow expects. */
  sendViewSubmission(payload: Json & { view: Json }, opts?: Actor & SendOptions): Promise<SlackHttpResponse>;
  /** view_closed (modal dismissed; needs notify_on_close: true on the view). */
  sendViewClosed(payload: Json & { view: Json }, opts?: Actor & SendOptions): Promise<SlackHttpResponse>;
  /** block_suggestion for an external select: needs action_id and value (what the user typed). */
  sendOptions(payload: Json & { action_id: string }, opts?: Actor & SendOptions): Promise<SlackHttpResponse>;
  /** An Events API event_callback wrapping `event` (needs type). */
  sendEvent(event: Json & { type: string }, opts?: SendOptions): Promise<SlackHttpResponse>;
  /** Message shortcut by default (`type: 'shortcut'` for a global one). Needs callback_id. */
  sendShortcut(payload: Json & { callback_id: string }, opts?: Actor & SendOptions): Promise<WithResponseUrl>;
  /** Any body to the Slack endpoint, signed per opts: for malformed or unusual requests. */
  sendRaw(
    body: string | Buffer,
    contentType: string,
    opts?: SendOptions & { path?: string },
  ): Promise<SlackHttpResponse>;
  /** A GET on the bot's HTTP server (/healthz, /readyz). */
  get(path: string): Promise<SlackHttpResponse>;

  stop(): Promise<void>;
}

export async function startTestBot(options: TestBotOptions = {}): Promise<TestBot> {
  const slack = options.slack ?? (await SlackApiStandin.start());
  const integrationBaseUrl = options.integrationBaseUrl ?? 'http://integration.test';
  const config: Config = {
    ...loadConfig({
      SLACK_BOT_TOKEN: TEST_BOT_TOKEN,
      SLACK_SIGNING_SECRET: TEST_SIGNING_SECRET,
      SLACK_API_URL: slack.apiUrl,
      INTEGRATION_API_URL: integrationBaseUrl,
      PORT: '0',
      LOG_LEVEL: 'debug',
      ...options.env,
    }),
    ...options.config,
  };
  const logs: Json[] = [];
  const logger = createLogger({
    level: config.LOG_LEVEL,
    destination: { write: (line: string) => void logs.push(JSON.parse(line)) },
  });
  const store = options.store ?? new MemoryStore();
  const metrics = new Metrics();
  const api =
    options.api ??
    realIntegrationClient(config, logger, {
      observe: observeApiAttempt(metrics),
      ...(options.clock ? { clock: options.clock } : {}),
      ...options.apiOptions,
    });
  const logSearch = createLogSearch(config, api);
  const services: Services = {
    config,
    catalog: options.catalog ?? loadCatalog(),
    api,
    store: countStoreErrors(store, metrics),
    logger,
    metrics,
    ...(options.clock ? { clock: options.clock } : {}),
    ...(logSearch ? { logSearch } : {}),
  };
  const bot = createBot(services, { port: 0 });
  const { port } = await bot.start();
  // Tests talk to a bot Slack has accepted (auth.test answered by the stand-in).
  await bot.ready;
  const url = `http://127.0.0.1:${port}`;

  const sign = (body: string | Buffer, opts: SendOptions): Record<string, string> => {
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.retryNum !== undefined) headers['x-slack-retry-num'] = String(opts.retryNum);
    if (opts.retryReason !== undefined) headers['x-slack-retry-reason'] = opts.retryReason;
    if (opts.signature === 'missing') return headers;
    const timestamp = Math.floor(Date.now() / 1000) + (opts.timestampOffsetSeconds ?? 0);
    const secret = opts.signature === 'bad' ? 'not-the-signing-secret' : TEST_SIGNING_SECRET;
    const mac = createHmac('sha256', secret).update(`v0:${timestamp}:`).update(body).digest('hex');
    return { ...headers, 'x-slack-request-timestamp': String(timestamp), 'x-slack-signature': `v0=${mac}` };
  };

  const sendRaw: TestBot['sendRaw'] = (body, contentType, opts = {}) =>
    rawRequest(`${url}${opts.path ?? SLACK_EVENTS_PATH}`, 'POST', body, {
      'content-type': contentType,
      ...sign(body, opts),
    });

  const sendInteractive = (payload: Json, opts: SendOptions) =>
    sendRaw(
      new URLSearchParams({ payload: JSON.stringify(payload) }).toString(),
      'application/x-www-form-urlencoded',
      opts,
    );

  const withResponseUrl = (res: SlackHttpResponse, id: string): WithResponseUrl => ({
    ...res,
    responseUrl: slack.responseUrl(id),
    responses: () => slack.responsesFor(id),
    nextResponse: (predicate = () => true, timeoutMs = EVENT_WAIT_MS) =>
      slack.waitForResponse((r) => r.id === id && predicate(r), timeoutMs),
  });

  const user = (actor: Actor) => ({
    id: actor.user ?? TEST_USER,
    username: (actor.user ?? TEST_USER).toLowerCase(),
    name: (actor.user ?? TEST_USER).toLowerCase(),
    team_id: TEST_TEAM.id,
  });
  const common = (actor: Actor) => ({
    api_app_id: TEST_APP_ID,
    token: 'test-verification-token',
    team: { ...TEST_TEAM },
    user: user(actor),
    enterprise: null,
    is_enterprise_install: false,
  });
  const channel = (actor: Actor) => ({ id: actor.channel ?? TEST_CHANNEL, name: 'crm-support' });
  const triggerId = () => `${Date.now()}.${Math.floor(Math.random() * 1e9)}.${randomUUID().replace(/-/g, '')}`;
  const modal = (view: Json) => ({
    id: 'V_TEST_VIEW',
    team_id: TEST_TEAM.id,
    type: 'modal',
    private_metadata: '',
    state: { values: {} },
    hash: 'test-view-hash',
    title: { type: 'plain_text', text: 'Test' },
    blocks: [],
    app_id: TEST_APP_ID,
    bot_id: 'B_BOT',
    root_view_id: view.id ?? 'V_TEST_VIEW',
    previous_view_id: null,
    ...view,
  });

  return {
    bot,
    app: bot.app,
    services,
    config,
    url,
    slack,
    integrationBaseUrl,
    logs,
    logText: () => logs.map((l) => JSON.stringify(l)).join('\n'),

    async sendCommand(text, opts = {}) {
      const id = randomUUID();
      const form = new URLSearchParams({
        token: 'test-verification-token',
        team_id: TEST_TEAM.id,
        team_domain: TEST_TEAM.domain,
        channel_id: opts.channel ?? TEST_CHANNEL,
        channel_name: 'crm-support',
        user_id: opts.user ?? TEST_USER,
        user_name: (opts.user ?? TEST_USER).toLowerCase(),
        command: opts.command ?? '/crm',
        text,
        api_app_id: TEST_APP_ID,
        is_enterprise_install: 'false',
        response_url: slack.responseUrl(id),
        trigger_id: triggerId(),
      });
      const res = await sendRaw(form.toString(), 'application/x-www-form-urlencoded', opts);
      return withResponseUrl(res, id);
    },

    async sendBlockAction(payload, opts = {}) {
      const id = randomUUID();
      const now = `${Date.now() / 1000}`;
      const { actions, ...rest } = payload;
      const inModal = 'view' in rest;
      const body = {
        type: 'block_actions',
        ...common(opts),
        trigger_id: triggerId(),
        container: inModal
          ? { type: 'view', view_id: rest.view?.id ?? 'V_TEST_VIEW' }
          : {
              type: 'message',
              message_ts: '1700000000.000100',
              channel_id: opts.channel ?? TEST_CHANNEL,
              is_ephemeral: false,
            },
        ...(inModal ? {} : { channel: channel(opts), response_url: slack.responseUrl(id) }),
        ...rest,
        ...(inModal ? { view: modal(rest.view) } : {}),
        actions: actions.map((a) => ({ type: 'button', block_id: 'test_block', action_ts: now, ...a })),
      };
      return withResponseUrl(await sendInteractive(body, opts), id);
    },

    sendViewSubmission(payload, opts = {}) {
      const { view, ...rest } = payload;
      return sendInteractive(
        {
          type: 'view_submission',
          ...common(opts),
          trigger_id: triggerId(),
          response_urls: [],
          ...rest,
          view: modal(view),
        },
        opts,
      );
    },

    sendViewClosed(payload, opts = {}) {
      const { view, ...rest } = payload;
      return sendInteractive(
        { type: 'view_closed', ...common(opts), is_cleared: false, ...rest, view: modal(view) },
        opts,
      );
    },

    sendOptions(payload, opts = {}) {
      const { view, ...rest } = payload;
      return sendInteractive(
        {
          type: 'block_suggestion',
          ...common(opts),
          block_id: 'test_block',
          value: '',
          container: view ? { type: 'view', view_id: view.id ?? 'V_TEST_VIEW' } : { type: 'message' },
          ...rest,
          ...(view ? { view: modal(view) } : {}),
        },
        opts,
      );
    },

    sendEvent(event, opts = {}) {
      const now = Date.now() / 1000;
      const body = {
        token: 'test-verification-token',
        team_id: TEST_TEAM.id,
        api_app_id: TEST_APP_ID,
        event: { event_ts: `${now}`, ...event },
        type: 'event_callback',
        event_id: `Ev${randomUUID().replace(/-/g, '').slice(0, 10).toUpperCase()}`,
        event_time: Math.floor(now),
        authorizations: [
          { enterprise_id: null, team_id: TEST_TEAM.id, user_id: 'U_BOT', is_bot: true, is_enterprise_install: false },
        ],
        is_ext_shared_channel: false,
      };
      return sendRaw(JSON.stringify(body), 'application/json', opts);
    },

    async sendShortcut(payload, opts = {}) {
      const id = randomUUID();
      const global = payload.type === 'shortcut';
      const body = global
        ? { type: 'shortcut', ...common(opts), trigger_id: triggerId(), action_ts: `${Date.now() / 1000}`, ...payload }
        : {
            type: 'message_action',
            ...common(opts),
            trigger_id: triggerId(),
            action_ts: `${Date.now() / 1000}`,
            message_ts: '1700000000.000100',
            channel: channel(opts),
            message: { type: 'message', user: 'U_OTHER', ts: '1700000000.000100', text: 'A message' },
            response_url: slack.responseUrl(id),
            ...payload,
          };
      return withResponseUrl(await sendInteractive(body, opts), id);
    },

    sendRaw,
    get: (path) => rawRequest(`${url}${path}`, 'GET'),

    async stop() {
      await bot.stop();
      await Promise.allSettled([store.close(), closeApi(services.api)]);
      if (!options.slack) await slack.close();
    },
  };
}

/** The real client, as main.ts builds it, but with short retry delays so retry tests stay fast. */
function realIntegrationClient(config: Config, logger: Logger, overrides: Partial<IntegrationClientOptions> = {}) {
  return new IntegrationClient({
    baseUrl: config.INTEGRATION_API_URL,
    timeoutMs: config.INTEGRATION_API_TIMEOUT_MS,
    logger,
    carestack: {
      ...(config.CARESTACK_VENDOR_KEY ? { vendorKey: config.CARESTACK_VENDOR_KEY } : {}),
      ...(config.CARESTACK_API_BASE_URL ? { baseUrlTemplate: config.CARESTACK_API_BASE_URL } : {}),
    },
    retry: { baseDelayMs: 5, maxDelayMs: 20 },
    ...overrides,
  });
}

/** Fakes passed as `api` may not implement close(). */
async function closeApi(api: unknown): Promise<void> {
  const close = (api as { close?: () => unknown }).close;
  if (typeof close === 'function') await close.call(api);
}

/**
 * Plain node:http so tests control every header (content-length, chunked bodies) and still read
 * a response the server sends before it has read the whole body (413).
 */
export function rawRequest(
  url: string,
  method: string,
  body?: string | Buffer,
  headers: Record<string, string> = {},
  options: { chunked?: boolean } = {},
): Promise<SlackHttpResponse> {
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = httpRequest(url, { method, headers, agent: false }, (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          text,
          json: () => {
            try {
              return text ? JSON.parse(text) : undefined;
            } catch {
              return undefined;
            }
          },
        });
      });
    });
    // The server may answer and close before we finish writing (e.g. 413): that is not a failure.
    req.on('error', (error) => {
      if (!answered) reject(error);
    });
    if (body !== undefined && !options.chunked) req.setHeader('content-length', Buffer.byteLength(body));
    if (body !== undefined) req.write(body);
    req.end();
  });
}
