import { HTTPResponseAck, SocketModeReceiver } from '@slack/bolt';
import { loadCatalog } from '../../src/catalog';
import { loadConfig } from '../../src/config';
import { BotError } from '../../src/errors';
import { BULK_ACTIONS, BULK_MODAL } from '../../src/flows/bulk/ids';
import { TROUBLESHOOT_CONTACT } from '../../src/flows/diagnose/ids';
import { HOME_ACTIONS } from '../../src/flows/home/ids';
import type { IntegrationClient } from '../../src/integration/client';
import { createLogger } from '../../src/logger';
import { Metrics } from '../../src/metrics';
import { createBot, MAX_BODY_BYTES } from '../../src/slack/app';
import { SUBCOMMANDS } from '../../src/slack/register';
import { parseCommandText, type Subcommand } from '../../src/slack/router';
import { MemoryStore } from '../../src/store/memory';
import { levenshtein } from '../../src/text';
import { mentionBot, replyToMention } from '../support/diagnose-messages';
import { SlackApiStandin } from '../support/slack-api-standin';
import { rawRequest, startTestBot, type TestBot } from '../support/slack-harness';

/** Adds registry entries for one test; they are removed afterwards. */
const injected: string[] = [];
function inject(name: string, subcommand: Subcommand): void {
  SUBCOMMANDS[name] = subcommand;
  injected.push(name);
}
afterEach(() => {
  for (const name of injected.splice(0)) delete SUBCOMMANDS[name];
});

/** A hidden subcommand `/crm <name>` for one test, doing `run`. */
function injectHidden(name: string, run: Subcommand['run']): void {
  inject(name, { usage: `/crm ${name}`, description: 'test', hidden: true, run });
}

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** Every mrkdwn/plain text in a message, for loose content assertions. */
// biome-ignore lint/suspicious/noExplicitAny: walking arbitrary Block Kit JSON
function allText(message: any): string {
  return JSON.stringify(message);
}

describe('Slack runtime over signed HTTP', () => {
  let bot: TestBot;
  let store: MemoryStore;

  beforeAll(async () => {
    store = new MemoryStore();
    bot = await startTestBot({ store });
  });
  afterAll(() => bot.stop());
  afterEach(() => {
    bot.slack.reset();
    jest.restoreAllMocks();
  });

  describe('/crm router', () => {
    it('acks /crm help and posts the help with subcommands and catalog CRMs to response_url', async () => {
      const res = await bot.sendCommand('help');
      expect(res.status).toBe(200);
      const reply = await res.nextResponse();
      expect(reply.body.response_type).toBe('ephemeral');
      expect(reply.body.blocks[0]).toMatchObject({ type: 'header' });
      const text = allText(reply.body);
      expect(text).toContain('/crm help');
      for (const crm of bot.services.catalog.crms) expect(text).toContain(crm.displayName);
    });

    it('shows help for empty input and for unknown words, saying what was not understood', async () => {
      const empty = await bot.sendCommand('');
      expect(allText((await empty.nextResponse()).body)).toContain('/crm help');

      const unknown = await bot.sendCommand('frobnicate everything');
      const reply = await unknown.nextResponse();
      expect(reply.body.text).toContain("I don't know `/crm frobnicate`");
      expect(allText(reply.body)).toContain('/crm help');
    });

    it('suggests the closest subcommand for a near miss', async () => {
      if (!SUBCOMMANDS.status) {
        inject('status', {
          usage: '/crm status <business number>',
          description: 'Test stand-in.',
          run: async () => {},
        });
      }
      const res = await bot.sendCommand('stauts 12345');
      const reply = await res.nextResponse();
      expect(reply.body.text).toContain('Did you mean `/crm status`?');

      const typo = await bot.sendCommand('hlep');
      expect((await typo.nextResponse()).body.text).toContain('Did you mean `/crm help`?');
    });

    it('passes args, the command payload and services to the subcommand', async () => {
      const seen = jest.fn();
      injectHidden('echo-test', async (ctx) => {
        seen({
          args: ctx.args,
          rest: ctx.rest,
          user: ctx.command.user_id,
          acked: ctx.acked,
          hasStore: !!ctx.services.store,
        });
        await ctx.respond('echoed');
      });
      const res = await bot.sendCommand('ECHO-TEST one "two words" three', { user: 'U_ALICE' });
      expect((await res.nextResponse()).body).toMatchObject({ text: 'echoed', response_type: 'ephemeral' });
      expect(seen).toHaveBeenCalledWith({
        args: ['one', 'two words', 'three'],
        rest: 'one "two words" three',
        user: 'U_ALICE',
        acked: true,
        hasStore: true,
      });
    });

    it('acks before slow subcommand work finishes', async () => {
      const gate = deferred();
      let workFinished = false;
      injectHidden('slow-test', async (ctx) => {
        await gate.promise;
        workFinished = true;
        await ctx.respond('done');
      });
      const res = await bot.sendCommand('slow-test');
      // The HTTP ack came back while the subcommand is still blocked.
      expect(res.status).toBe(200);
      expect(workFinished).toBe(false);
      gate.resolve();
      expect((await res.nextResponse()).body.text).toBe('done');
      expect(workFinished).toBe(true);
    });

    it('answers a failing subcommand with userMessage text and logs no payload', async () => {
      injectHidden('fail-test', async () => {
        throw new BotError('forbidden', 'Only the integrations team can do that.');
      });
      const res = await bot.sendCommand('fail-test marker-8c1f2a');
      expect(res.status).toBe(200);
      const reply = await res.nextResponse();
      expect(reply.body).toMatchObject({ response_type: 'ephemeral', text: 'Only the integrations team can do that.' });
      expect(bot.logs.some((l) => l.msg === 'Slack listener refused' && l.request?.command === '/crm')).toBe(true);
      expect(bot.logText()).not.toContain('marker-8c1f2a');
      expect(bot.logText()).not.toContain(bot.config.SLACK_BOT_TOKEN);
    });
  });

  describe('request verification', () => {
    it('rejects a bad or missing signature with 401', async () => {
      expect((await bot.sendCommand('help', { signature: 'bad' })).status).toBe(401);
      expect((await bot.sendCommand('help', { signature: 'missing' })).status).toBe(401);
      expect(bot.slack.responses).toHaveLength(0);
    });

    it('rejects timestamps more than 5 minutes old or ahead, and accepts skew inside the window', async () => {
      expect((await bot.sendCommand('help', { timestampOffsetSeconds: -301 })).status).toBe(401);
      expect((await bot.sendCommand('help', { timestampOffsetSeconds: 301 })).status).toBe(401);
      expect((await bot.sendCommand('help', { timestampOffsetSeconds: -240 })).status).toBe(200);
      expect((await bot.sendCommand('help', { timestampOffsetSeconds: 240 })).status).toBe(200);
    });

    it('refuses an oversized body with 413 (declared or streamed) and keeps serving', async () => {
      const big = 'x'.repeat(MAX_BODY_BYTES + 1);
      const declared = await bot.sendRaw(`text=${big}`, 'application/x-www-form-urlencoded');
      expect(declared.status).toBe(413);
      const chunked = await rawRequest(
        `${bot.url}/slack/events`,
        'POST',
        `text=${big}`,
        { 'content-type': 'application/x-www-form-urlencoded', 'transfer-encoding': 'chunked' },
        { chunked: true },
      );
      expect(chunked.status).toBe(413);
      expect((await bot.get('/healthz')).status).toBe(200);
      expect((await bot.sendCommand('help')).status).toBe(200);
    });

    it('accepts Slack retries (X-Slack-Retry-Num) like any other delivery', async () => {
      const res = await mentionBot(
        bot,
        'hi',
        { ts: '1700000001.000200', channel: 'C_TEST_CHANNEL' },
        { retryNum: 1, retryReason: 'http_timeout' },
      );
      expect(res.status).toBe(200);
      await bot.slack.waitFor('chat.postMessage');
    });
  });

  describe('unexpected input', () => {
    it('answers an unknown payload type without a 5xx', async () => {
      const res = await bot.sendRaw(JSON.stringify({ type: 'something_new', token: 'x' }), 'application/json');
      expect(res.status).toBeLessThan(500);
      expect((await bot.get('/healthz')).status).toBe(200);
    });

    it('acks an interaction no listener handles, so Slack shows no error', async () => {
      const res = await bot.sendBlockAction({ actions: [{ action_id: 'nobody_listens_to_this' }], message: {} });
      expect(res.status).toBe(200);
    });

    it('answers malformed JSON with 400 and unknown paths with 404', async () => {
      expect((await bot.sendRaw('{not json', 'application/json')).status).toBe(400);
      expect((await bot.get('/nope')).status).toBe(404);
    });
  });

  describe('health', () => {
    it('GET /healthz is 200 {ok:true}', async () => {
      const res = await bot.get('/healthz');
      expect(res.status).toBe(200);
      expect(res.json()).toEqual({ ok: true });
    });

    it('GET /readyz is 200 when the store answers and 503 with a reason when it does not', async () => {
      expect((await bot.get('/readyz')).status).toBe(200);
      jest.spyOn(store, 'ping').mockResolvedValue(false);
      const down = await bot.get('/readyz');
      expect(down.status).toBe(503);
      expect(down.json()).toEqual({ ok: false, reason: 'store_unavailable' });
    });
  });

  describe('events and shortcuts', () => {
    it('publishes the home tab on app_home_opened', async () => {
      await bot.sendEvent({ type: 'app_home_opened', user: 'U_ALICE', channel: 'D_TEST', tab: 'home' });
      const call = await bot.slack.waitFor('views.publish');
      expect(call.body.user_id).toBe('U_ALICE');
      expect(call.body.view.type).toBe('home');
    });

    it('answers app_mention in the thread', async () => {
      const call = await replyToMention(bot, 'help', { ts: '1700000002.000300', channel: 'C1' });
      expect(call.body).toMatchObject({ channel: 'C1', thread_ts: '1700000002.000300' });
    });

    it('acks the troubleshoot_contact message shortcut and opens the diagnose modal', async () => {
      const res = await bot.sendShortcut({ callback_id: TROUBLESHOOT_CONTACT });
      expect(res.status).toBe(200);
      const open = await bot.slack.waitFor('views.open');
      expect(JSON.stringify(open.body)).toContain('diagnose');
    });
  });

  describe('Web API client', () => {
    it('fails fast on 429 instead of waiting out Retry-After', async () => {
      bot.slack.program('chat.postMessage', SlackApiStandin.rateLimited(1800));
      await expect(bot.app.client.chat.postMessage({ channel: 'C1', text: 'hi' })).rejects.toMatchObject({
        code: 'slack_webapi_rate_limited_error',
      });
      expect(bot.slack.callsTo('chat.postMessage')).toHaveLength(1);
    });

    it('surfaces programmed Slack errors', async () => {
      bot.slack.program('views.open', SlackApiStandin.error('expired_trigger_id'));
      await expect(
        bot.app.client.views.open({
          trigger_id: 't',
          view: { type: 'modal', title: { type: 'plain_text', text: 'x' }, blocks: [] },
        }),
      ).rejects.toMatchObject({
        data: { error: 'expired_trigger_id' },
      });
    });
  });
});

describe('graceful stop', () => {
  it('waits for in-flight listener work before resolving', async () => {
    const bot = await startTestBot();
    const gate = deferred();
    const order: string[] = [];
    injectHidden('drain-test', async (ctx) => {
      await gate.promise;
      order.push('work done');
      await ctx.respond('drained');
    });
    const res = await bot.sendCommand('drain-test');
    expect(res.status).toBe(200);
    const stopping = bot.stop().then(() => order.push('stopped'));
    await new Promise((r) => setTimeout(r, 50));
    order.push('released');
    gate.resolve();
    await stopping;
    expect(order).toEqual(['released', 'work done', 'stopped']);
  });
});

describe('one ack per request', () => {
  it('after a listener acked, nothing acks again, also when it then fails: no ReceiverMultipleAckError for Bolt to build, throw and catch', async () => {
    // Every request gets one HTTPResponseAck from Bolt's receiver; count the calls of each one's ack function.
    const ackCalls = new Map<HTTPResponseAck, number>();
    const bind = HTTPResponseAck.prototype.bind;
    jest.spyOn(HTTPResponseAck.prototype, 'bind').mockImplementation(function (this: HTTPResponseAck) {
      const ack = bind.call(this);
      ackCalls.set(this, 0);
      return (...args: Parameters<typeof ack>) => {
        ackCalls.set(this, (ackCalls.get(this) ?? 0) + 1);
        return ack(...args);
      };
    });
    const bot = await startTestBot();
    try {
      const help = await bot.sendCommand('help');
      expect(help.status).toBe(200);
      await help.nextResponse();
      const shortcut = await bot.sendShortcut({ callback_id: TROUBLESHOOT_CONTACT });
      expect(shortcut.status).toBe(200);
      await bot.slack.waitFor('views.open');
      // A listener that acks, then looks for a run that is not there.
      const action = await bot.sendBlockAction({ actions: [{ action_id: BULK_ACTIONS.discard, value: 'bulk-none' }] });
      expect(action.status).toBe(200);
      // A submission answered in the ack itself (the modal's errors).
      const submission = await bot.sendViewSubmission({ view: { callback_id: BULK_MODAL, state: { values: {} } } });
      expect(submission.json()).toMatchObject({ response_action: 'errors' });
      await bot.sendEvent({ type: 'app_home_opened', user: 'U_ALICE', channel: 'D_TEST', tab: 'home' });
      await bot.slack.waitFor('views.publish');
      // Nobody listens: the error boundary's ack is the one ack.
      const unhandled = await bot.sendBlockAction({ actions: [{ action_id: 'nobody_listens_to_this' }], message: {} });
      expect(unhandled.status).toBe(200);
      // Listeners that ack, then fail: the error boundary tells the user without acking again.
      SUBCOMMANDS.failsaftertheack = {
        usage: '/crm failsaftertheack',
        description: 'test only',
        hidden: true,
        run: async () => {
          throw new Error('boom');
        },
      };
      const failed = await bot.sendCommand('failsaftertheack');
      expect(failed.status).toBe(200);
      expect((await failed.nextResponse()).body.text).toContain('Something went wrong on our side');
      bot.slack.program('views.open', SlackApiStandin.error('expired_trigger_id'), { times: 1 });
      const expired = await bot.sendBlockAction({
        actions: [{ action_id: HOME_ACTIONS.diagnose, value: '{}' }],
        message: {},
      });
      expect(expired.status).toBe(200);
      expect((await expired.nextResponse()).body.text).toContain('within 3 seconds');
    } finally {
      delete SUBCOMMANDS.failsaftertheack;
      // Waits for the listeners, and the middleware after them, to finish.
      await bot.stop();
      jest.restoreAllMocks();
    }
    expect([...ackCalls.values()]).toEqual([1, 1, 1, 1, 1, 1, 1, 1]);
  });
});

describe('Socket Mode', () => {
  it('uses the Socket Mode receiver when SLACK_APP_TOKEN is set (not started: no Slack to connect to)', () => {
    const bot = createBot({
      config: loadConfig({
        SLACK_BOT_TOKEN: 'xoxb-test-not-a-real-token',
        SLACK_SIGNING_SECRET: 'test-signing-secret-not-real',
        SLACK_APP_TOKEN: 'xapp-test-not-a-real-token',
      }),
      catalog: loadCatalog(),
      api: { close: async () => {} } as unknown as IntegrationClient,
      store: new MemoryStore(),
      logger: createLogger({ level: 'silent' }),
      metrics: new Metrics(),
    });
    expect((bot.app as unknown as { receiver: unknown }).receiver).toBeInstanceOf(SocketModeReceiver);
  });
});

describe('command parsing helpers', () => {
  it('splits subcommand and quoted args', () => {
    expect(parseCommandText('  Lookup  "Open Dental"  123 ')).toEqual({
      name: 'lookup',
      args: ['Open Dental', '123'],
      rest: '"Open Dental"  123',
    });
    expect(parseCommandText('')).toEqual({ name: '', args: [], rest: '' });
  });

  it('computes edit distance', () => {
    expect(levenshtein('stauts', 'status')).toBe(2);
    expect(levenshtein('status', 'status')).toBe(0);
    expect(levenshtein('', 'abc')).toBe(3);
    expect(levenshtein('bulk', 'lookup')).toBeGreaterThan(2);
  });
});
