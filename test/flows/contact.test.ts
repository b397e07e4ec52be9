import { DIAGNOSE_MODAL, FIX_OPEN } from '../../src/flows/diagnose/ids';
import { clearPermissionCache } from '../../src/operations/permissions';
import { MemoryStore } from '../../src/store/memory';
import { Canaries } from '../support/canary';
import { withModalClosed } from '../support/closed-modal';
import { mentionBot, troubleshootMessage } from '../support/diagnose-messages';
import { LogStoreStandin, type SeededDocument } from '../support/log-store-standin';
import { actionButtons as buttons, type Json } from '../support/payloads';
import { startTestBot, TEST_CHANNEL, TEST_USER, type TestBot } from '../support/slack-harness';
import { useBot, useLogStore, withBot } from '../support/use-bot';

const API_KEY = 'fake-log-api-key-0001';
const NOW = Date.parse('2026-12-01T12:00:00.000Z');
const BUSINESS = '170000000000011';
const OTHER_BUSINESS = '170000000000022';

/** Jane's check-ins: the newest is restricted (CareCloud status), one was sent, one is outside the window. */
const JANE_RESTRICTED: SeededDocument = {
  _index: 'bc-json-logs-2026.11.30',
  _id: 'jane-1',
  _source: {
    '@timestamp': '2026-11-30T14:02:11.000Z',
    businessNumber: BUSINESS,
    integrationSource: 'CareCloud',
    integrationSourceId: 67,
    email: 'Jane.Doe@Example.com',
    phone: '(555) 123-4567',
    firstName: 'Jane',
    lastName: 'Doe',
    customerId: 'C-9001',
    restrictionReason: 'Appointment status is not on the allowed list',
    pms_appointment_status: 'No Show',
    pms_appointment_provider_name: 'Dr Who',
    beta: false,
    'practice.id': 'FAKE-PRACTICE-SECRET-77',
  },
};
const JANE_SENT: SeededDocument = {
  _index: 'bc-json-logs-2026.11.20',
  _id: 'jane-2',
  _source: {
    '@timestamp': '2026-11-20T09:30:00.000Z',
    businessNumber: BUSINESS,
    integrationSource: 'CareCloud',
    integrationSourceId: 67,
    email: 'jane.doe@example.com',
    phone: '+1 555 123 4567',
    firstName: 'Jane',
    lastName: 'Doe',
    pms_appointment_status: 'Checked-Out',
  },
};
const JANE_NEXTECH: SeededDocument = {
  _index: 'bc-json-logs-2026.11.25',
  _id: 'jane-3',
  _source: {
    '@timestamp': '2026-11-25T08:00:00.000Z',
    businessNumber: OTHER_BUSINESS,
    integrationSourceId: 22,
    email: 'jane.doe@example.com',
    phone: '555-123-4567',
    name: 'Jane Doe',
    restrictionReason: '‘Appointment status’ is not in the allowed list',
    additionalParams: { appointment: { status: 'completed', types: 'Consult' } },
  },
};
const JANE_OLD: SeededDocument = {
  _index: 'bc-json-logs-2026.09.01',
  _source: { '@timestamp': '2026-09-01T08:00:00.000Z', email: 'jane.doe@example.com', businessNumber: BUSINESS },
};
const JOHN: SeededDocument = {
  _index: 'bc-json-logs-2026.11.29',
  _source: {
    '@timestamp': '2026-11-29T08:00:00.000Z',
    email: 'john@example.com',
    phone: '(555) 987-6543',
    businessNumber: BUSINESS,
    firstName: 'John',
    lastName: 'Roe',
  },
};
/** Matches the phone's digit groups as a phrase, but is another number: dropped by the digits check. */
const LOOKALIKE_PHONE: SeededDocument = {
  _index: 'bc-json-logs-2026.11.28',
  _source: { '@timestamp': '2026-11-28T08:00:00.000Z', phone: '44 555 123 4567', businessNumber: BUSINESS },
};

const WINDOW = { range: { '@timestamp': { gte: 'now-30d', lte: 'now' } } };
const SORT = [{ '@timestamp': { order: 'desc', unmapped_type: 'date' } }];

function text(blocks: Json[]): string {
  return JSON.stringify(blocks);
}

/** Where a mention in the test channel was posted (by the test user unless told). */
const inTestChannel = (ts: string, user: string = TEST_USER) => ({ user, channel: TEST_CHANNEL, ts });

/** `/crm contact jane.doe@example.com` (as `user`): the answer that replaces "Searching the logs…". */
async function janeSearched(bot: TestBot, user?: string) {
  const res = await bot.sendCommand('contact jane.doe@example.com', user ? { user } : {});
  return res.nextResponse((r) => r.body.replace_original === true);
}

describe('contact search', () => {
  const logs = useLogStore();
  const { bot } = useBot(() => ({
    env: { LOG_SEARCH_URL: logs.url, LOG_SEARCH_API_KEY: API_KEY, LOG_SEARCH_TIMEOUT_MS: '15000' },
  }));
  beforeEach(() => {
    logs.reset();
    logs.now = () => NOW;
    logs.seed(JANE_RESTRICTED, JANE_SENT, JANE_NEXTECH, JANE_OLD, JOHN, LOOKALIKE_PHONE);
  });

  /** `/crm <text>`: the ack, "Searching the logs…" at once, then the answer that replaces it. */
  async function command(commandText: string, opts: { user?: string } = {}) {
    const res = await bot.sendCommand(commandText, opts);
    expect(res.status).toBe(200);
    const searching = await res.nextResponse();
    const answer = await res.nextResponse((r) => r.body.replace_original === true);
    return { res, searching: searching.body, answer: answer.body };
  }

  describe('/crm contact', () => {
    it('by email: one exact search, then the timeline newest first with the diagnosis and fix button', async () => {
      const { searching, answer } = await command('contact jane.doe@example.com');
      expect(searching).toMatchObject({ response_type: 'ephemeral', text: ':mag: Searching the logs…' });

      expect(logs.requests).toHaveLength(1);
      const request = logs.requests[0]!;
      expect(request.method).toBe('POST');
      expect(request.path).toBe('/bc-json-logs*/_search');
      expect(request.headers.authorization).toBe(`ApiKey ${API_KEY}`);
      expect(request.headers['content-type']).toBe('application/json');
      expect(request.body).toEqual({
        size: 20,
        sort: SORT,
        track_total_hits: false,
        query: {
          bool: {
            filter: [WINDOW],
            should: [
              { terms: { email: ['jane.doe@example.com'] } },
              { match_phrase: { email: 'jane.doe@example.com' } },
            ],
            minimum_should_match: 1,
          },
        },
      });

      expect(answer.response_type).toBe('ephemeral');
      const blocks: Json[] = answer.blocks;
      const all = text(blocks);
      expect(blocks[0]!.text.text).toBe(
        ':mag: *3 check-ins* for *jane.doe@example.com* in the last 30 days, newest first.',
      );
      // Newest first: 30 Nov (CareCloud, restricted), 25 Nov (Nextech, restricted), 20 Nov (sent); 1 Sep is outside the window.
      const heads = blocks.filter((b) => b.type === 'section' && /^\*2026/.test(b.text.text)).map((b) => b.text.text);
      expect(heads).toHaveLength(3);
      expect(heads[0]).toBe(
        [
          `*2026-11-30 14:02 UTC* · business ${BUSINESS} · CareCloud`,
          ':no_entry: *Restricted:* Appointment status is not on the allowed list',
          'Contact: Jane Doe · Jane.Doe@Example.com · (555) 123-4567 · customer C-9001',
          '`pms_appointment_status` = No Show · `pms_appointment_provider_name` = Dr Who · `beta` = false',
        ].join('\n'),
      );
      expect(heads[1]).toContain(`*2026-11-25 08:00 UTC* · business ${OTHER_BUSINESS} · Nextech`);
      expect(heads[1]).toContain(
        '`additionalParams.appointment.status` = completed · `additionalParams.appointment.types` = Consult',
      );
      expect(heads[2]).toContain('*2026-11-20 09:30 UTC* · business 170000000000011 · CareCloud');
      expect(heads[2]).toContain(':white_check_mark: *Not restricted:*');

      // The existing diagnostics' explanation and fix for each restricted record.
      expect(all).toContain("*Why:* The appointment's status is not one of the statuses configured for this location");
      expect(all).toContain("appointment status 'No Show' is not in 'Checked-Out, Billed'");
      expect(all).toContain("the integration API documents no call that changes a group's properties");
      const fix = buttons(blocks);
      expect(fix.map((b) => [b.action_id, b.text.text])).toEqual([[FIX_OPEN, 'Add to allowed list']]);
      // Where each record was found, without a link.
      expect(all).toContain('Found in bc-json-logs-2026.11.30 · record time 2026-11-30T14:02:11.000Z');
      expect(all).toContain('Found in bc-json-logs-2026.11.25');
      expect(all).not.toContain('http');
      // Secret-valued properties never shown; the last line says the answer is private.
      expect(all).not.toContain('FAKE-PRACTICE-SECRET-77');
      expect(blocks.at(-1)!.elements[0].text).toContain('Only you can see this');
      expect(blocks.length).toBeLessThanOrEqual(50);
      expect(bot.logText()).not.toContain('jane.doe');
      expect(bot.logText()).not.toContain(API_KEY);
    });

    it('the fix button of a found record opens the existing fix flow for that record', async () => {
      const { answer } = await command('contact jane.doe@example.com');
      const fix = buttons(answer.blocks)[0]!;
      bot.slack.reset();
      await bot.sendBlockAction({ actions: [{ action_id: FIX_OPEN, value: fix.value }] });
      const opened = await bot.slack.waitFor('views.open');
      const modal = JSON.stringify(opened.body.view);
      expect(modal).toContain('No Show');
      expect(modal).not.toContain('FAKE-PRACTICE-SECRET-77');
    });

    it('by phone in any common format: matched on its digits', async () => {
      const { answer } = await command('contact 555.123.4567');
      expect(logs.requests[0]!.body.query.bool.should).toEqual([
        {
          terms: {
            phone: [
              '555.123.4567',
              '5551234567',
              '+5551234567',
              '(555) 123-4567',
              '(555)123-4567',
              '555-123-4567',
              '555 123 4567',
              '15551234567',
              '+15551234567',
              '+1 555-123-4567',
              '+1 (555) 123-4567',
              '+1 555 123 4567',
              '1-555-123-4567',
            ],
          },
        },
        { match_phrase: { phone: '555 123 4567' } },
      ]);
      // (555) 123-4567, +1 555 123 4567 and 555-123-4567 are the same number; 44 555 123 4567 is not.
      expect(answer.blocks[0].text.text).toBe(
        ':mag: *3 check-ins* for *555.123.4567* in the last 30 days, newest first.',
      );
      expect(text(answer.blocks)).not.toContain('44 555');
    });

    it('by name with the business ID: the business is a filter, the name a phrase or first + last', async () => {
      const { answer } = await command(`contact Jane Doe ${BUSINESS}`);
      expect(logs.requests[0]!.body.query).toEqual({
        bool: {
          filter: [WINDOW, { term: { businessNumber: BUSINESS } }],
          should: [
            { match_phrase: { name: 'Jane Doe' } },
            { bool: { must: [{ match: { firstName: 'Jane' } }, { match: { lastName: 'Doe' } }] } },
          ],
          minimum_should_match: 1,
        },
      });
      expect(answer.blocks[0].text.text).toBe(
        `:mag: *2 check-ins* for *Jane Doe* at business ${BUSINESS} in the last 30 days, newest first.`,
      );
    });

    it('a name without a business ID is refused before any search', async () => {
      const res = await bot.sendCommand('contact Jane Doe');
      const reply = await res.nextResponse();
      expect(reply.body.text).toBe(
        'Searching by name needs the business ID too (there are too many namesakes otherwise): `/crm contact Jane Doe 170000000000011`. An email or phone number works without one.',
      );
      expect(logs.requests).toHaveLength(0);
    });

    it('no match: says what was searched (fields, window, index) and offers the paste path', async () => {
      const { answer } = await command(`contact nobody@example.com ${BUSINESS}`);
      expect(logs.requests[0]!.body.query.bool.filter).toEqual([WINDOW, { term: { businessNumber: BUSINESS } }]);
      expect(answer.blocks).toEqual([
        {
          type: 'section',
          text: {
            type: 'mrkdwn',
            text: `:grey_question: No check-ins found for *nobody@example.com* at business ${BUSINESS} in the last 30 days.\nSearched index \`bc-json-logs*\`, field \`email\`, from now back 30 days.`,
          },
        },
        {
          type: 'context',
          elements: [
            {
              type: 'mrkdwn',
              text: "The contact may not have checked in within that window, or the documents name the field differently (the bot owners map names in LOG_SEARCH_FIELDS). You can still paste the contact's record (Kibana, bc-json-logs*, field `email`) into `/crm diagnose` and the bot explains it.",
            },
          ],
        },
      ]);
    });

    it('faults: each gets its own sentence and the paste path, never a crash', async () => {
      // [fault, sentence, requests sent]: reads are retried like the integration client's GETs (connection
      // failures and 5xx, 1 + 3 retries); refusals and unreadable answers are not.
      const cases: Array<[Parameters<LogStoreStandin['fault']>[0], string, number]> = [
        [{ kind: 'reset' }, 'The log store cannot be reached right now, so the bot could not search it.', 4],
        [
          { kind: 'status', status: 401 },
          'The log store refused the bot’s credentials (401): the bot owners need to check LOG_SEARCH_API_KEY (or the user and password in LOG_SEARCH_URL).',
          1,
        ],
        [
          { kind: 'status', status: 403 },
          'The log store does not let the bot read bc-json-logs* (403): the bot owners need to give its API key read access to that index.',
          1,
        ],
        [
          { kind: 'malformed' },
          'The log store sent an answer the bot could not read (not a search response), so nothing is shown from it.',
          1,
        ],
        [
          { kind: 'json', json: { hits: 'none', took: 'soon' } },
          'The log store sent an answer the bot could not read (not a search response), so nothing is shown from it.',
          1,
        ],
        [
          { kind: 'status', status: 503 },
          'The log store had an error on its side (HTTP 503). Try again in a minute.',
          4,
        ],
        [{ kind: 'status', status: 429 }, 'The log store is rate-limiting the bot (429). Try again in a minute.', 4],
        [
          // Elasticsearch echoes the query in a 400's reason: the searched email must not travel on.
          {
            kind: 'status',
            status: 400,
            json: {
              error: { type: 'query_shard_exception', reason: 'failed to create query: jane.doe@example.com' },
              status: 400,
            },
          },
          'The log store rejected the search (HTTP 400); the field names in LOG_SEARCH_FIELDS may not match the documents.',
          1,
        ],
      ];
      for (const [fault, sentence, requests] of cases) {
        logs.reset();
        bot.slack.reset();
        logs.fault(fault);
        const { answer } = await command('contact jane.doe@example.com');
        expect(answer.text).toBe(sentence);
        expect(answer.blocks[0].text.text).toBe(`:warning: ${sentence}`);
        expect(answer.blocks[1].elements[0].text).toBe(
          "You can still paste the contact's record from Kibana into `/crm diagnose` and the bot explains it.",
        );
        expect(logs.requests).toHaveLength(requests);
      }
      expect(bot.logText()).not.toContain('jane.doe');
    });

    it('a read that is retried after one reset answers normally', async () => {
      logs.fault({ kind: 'reset' }, { times: 1 });
      const { answer } = await command('contact jane.doe@example.com');
      expect(logs.requests).toHaveLength(2);
      expect(logs.requests[1]!.body).toEqual(logs.requests[0]!.body);
      expect(answer.blocks[0].text.text).toContain('*3 check-ins*');
    });

    it('an answer the bot cannot parse as JSON is never retried or trusted', async () => {
      logs.fault({ kind: 'malformed', body: '<html>proxy error</html>' });
      const { answer } = await command('contact jane.doe@example.com');
      expect(logs.requests).toHaveLength(1);
      expect(answer.text).toContain('could not read');
    });
  });

  describe('/crm diagnose <text>, mentions and the message shortcut', () => {
    it('/crm diagnose with an email opens "Searching the logs…" at once, then the timeline in the modal', async () => {
      await bot.sendCommand('diagnose why did jane.doe@example.com get nothing?');
      const opened = await bot.slack.waitFor('views.open');
      expect(opened.body.view.callback_id).toBe('contact_answer');
      expect(opened.body.view.blocks[0].text.text).toBe(':mag: Searching the logs…');
      const updated = await bot.slack.waitFor('views.update');
      const blocks: Json[] = updated.body.view.blocks;
      expect(blocks[0]!.text.text).toBe(
        ':mag: *3 check-ins* for *jane.doe@example.com* in the last 30 days, newest first.',
      );
      expect(buttons(blocks).map((b) => b.action_id)).toEqual([FIX_OPEN]);
      expect(logs.requests).toHaveLength(1);
    });

    it('/crm diagnose with a reason and no contact keeps the paste modal', async () => {
      await bot.sendCommand('diagnose Appointment status is not on the allowed list');
      const opened = await bot.slack.waitFor('views.open');
      expect(opened.body.view.callback_id).toBe(DIAGNOSE_MODAL);
      expect(logs.requests).toHaveLength(0);
    });

    it('a mention: the full answer only to the asker, the thread gets a masked summary', async () => {
      await mentionBot(
        bot,
        "why didn't jane.doe@example.com get a review request?",
        inTestChannel('1700000000.000200'),
      );
      const searching = await bot.slack.waitFor('chat.postEphemeral');
      expect(searching.body).toMatchObject({ channel: TEST_CHANNEL, user: TEST_USER, thread_ts: '1700000000.000200' });
      expect(searching.body.text).toBe(':mag: Searching the logs…');
      const summary = await bot.slack.waitFor('chat.postMessage');
      const privateAnswers = bot.slack.callsTo('chat.postEphemeral');
      expect(privateAnswers).toHaveLength(2);
      expect(text(privateAnswers[1]!.body.blocks)).toContain('Jane.Doe@Example.com');
      expect(summary.body.thread_ts).toBe('1700000000.000200');
      expect(summary.body.text).toBe(
        `:mag: 3 check-in(s) found for j***@e***.com; the latest (CareCloud, 2026-11-30 14:02 UTC) was restricted: Appointment status is not on the allowed list. <@${TEST_USER}>, the full timeline is in a message only you can see.`,
      );
      const posted = JSON.stringify(summary.body);
      for (const patientData of ['jane', 'Jane', 'Doe', '4567', '555', 'C-9001', 'No Show']) {
        expect(posted).not.toContain(patientData);
      }
    });

    it('a mention naming a contact by name and business number masks the name to initials', async () => {
      await mentionBot(bot, `Why did Jane Doe at ${BUSINESS} not get a request?`, inTestChannel('1700000000.000300'));
      const summary = await bot.slack.waitFor('chat.postMessage');
      expect(summary.body.text).toContain('found for J. D.;');
      expect(JSON.stringify(summary.body)).not.toMatch(/Jane|Doe/);
      expect(logs.requests[0]!.body.query.bool.filter[1]).toEqual({ term: { businessNumber: BUSINESS } });
    });

    it('the message shortcut on a message that names a phone number searches and answers in a modal', async () => {
      await troubleshootMessage(bot, '1700000000.000400', 'Patient at +1 (555) 123-4567 says no SMS');
      const opened = await bot.slack.waitFor('views.open');
      expect(opened.body.view.blocks[0].text.text).toBe(':mag: Searching the logs…');
      const updated = await bot.slack.waitFor('views.update');
      expect(updated.body.view.blocks[0].text.text).toBe(
        ':mag: *3 check-ins* for *+1 (555) 123-4567* in the last 30 days, newest first.',
      );
      expect(logs.requests[0]!.body.query.bool.should[1]).toEqual({ match_phrase: { phone: '555 123 4567' } });
    });

    it('the shortcut’s window closed before the search answered: nothing false is said, nothing failed', async () => {
      let shortcut: Awaited<ReturnType<typeof troubleshootMessage>> | undefined;
      const logged = await withModalClosed(bot, async () => {
        shortcut = await troubleshootMessage(bot, '1700000000.000401', 'Patient at +1 (555) 123-4567 says no SMS');
      });
      expect(logs.requests).toHaveLength(1);
      expect(shortcut!.responses()).toEqual([]);
      expect(logged.some((line) => line.msg === 'Slack listener failed')).toBe(false);
    });

    it('the shortcut on a pasted record keeps the paste path (no search)', async () => {
      await troubleshootMessage(
        bot,
        '1700000000.000500',
        'Appointment status is not on the allowed list\n{"email":"jane.doe@example.com","pms_appointment_status":"No Show","businessNumber":"170000000000011"}',
      );
      const opened = await bot.slack.waitFor('views.open');
      expect(opened.body.view.callback_id).toBe(DIAGNOSE_MODAL);
      expect(logs.requests).toHaveLength(0);
    });
  });
});

describe('contact search: permission, deadline and basic auth', () => {
  const logs = useLogStore();
  beforeEach(() => {
    logs.reset();
    logs.now = () => NOW;
    logs.seed(JANE_RESTRICTED);
    clearPermissionCache();
  });

  /** A bot for one test that searches the stand-in, with these settings too. */
  const withSearchingBot = <T>(env: Record<string, string>, run: (bot: TestBot) => Promise<T>) =>
    withBot({ env: { LOG_SEARCH_URL: logs.url, ...env } }, run);

  it('only the listed users and user-group members may search; others are told clearly and nothing is searched', async () => {
    await withSearchingBot(
      { LOG_SEARCH_ALLOWED_USER_IDS: 'U_ALLOWED', LOG_SEARCH_ALLOWED_USERGROUP_IDS: 'S_SUPPORT' },
      async (bot) => {
        bot.slack.usergroupMembers.S_SUPPORT = ['U_MEMBER'];
        const reply = await janeSearched(bot, 'U_STRANGER');
        expect(reply.body.text).toBe(
          'Searching the logs for a contact shows patient data, so it is limited to <!subteam^S_SUPPORT>, <@U_ALLOWED>. Ask one of them to look it up, or paste the record into `/crm diagnose` yourself.',
        );
        expect(logs.requests).toHaveLength(0);

        for (const user of ['U_ALLOWED', 'U_MEMBER']) {
          const answer = await janeSearched(bot, user);
          expect(answer.body.blocks[0].text.text).toContain('*1 check-in*');
        }
        expect(logs.requests).toHaveLength(2);
      },
    );
  });

  it('a refused mention gets the refusal privately; nothing is searched or posted in the thread', async () => {
    await withSearchingBot({ LOG_SEARCH_ALLOWED_USER_IDS: 'U_ALLOWED' }, async (bot) => {
      await mentionBot(bot, 'why not jane.doe@example.com?', inTestChannel('1700000000.000700', 'U_STRANGER'));
      const refusal = await bot.slack.waitFor(
        'chat.postEphemeral',
        (c) => typeof c.body.text === 'string' && c.body.text.startsWith('Searching the logs for a contact'),
      );
      expect(refusal.body).toMatchObject({ channel: TEST_CHANNEL, user: 'U_STRANGER', thread_ts: '1700000000.000700' });
      expect(bot.slack.callsTo('chat.postMessage')).toHaveLength(0);
      expect(logs.requests).toHaveLength(0);
    });
  });

  it('a log store slower than LOG_SEARCH_TIMEOUT_MS is stopped at its deadline', async () => {
    await withSearchingBot({ LOG_SEARCH_TIMEOUT_MS: '300' }, async (bot) => {
      logs.fault({ kind: 'hang' });
      const answer = await janeSearched(bot);
      expect(answer.body.text).toBe(
        'The log store did not answer within 0.3 s (LOG_SEARCH_TIMEOUT_MS), so the search was stopped.',
      );
      expect(answer.body.blocks[1].elements[0].text).toContain('paste');
    });
  });

  it('user:password in LOG_SEARCH_URL becomes basic auth, kept out of the URL and the logs', async () => {
    const url = new URL(logs.url);
    url.username = 'bot-reader';
    url.password = 'fake-password-xyz';
    await withBot({ env: { LOG_SEARCH_URL: url.toString() } }, async (bot) => {
      logs.requiredAuthorization = `Basic ${Buffer.from('bot-reader:fake-password-xyz').toString('base64')}`;
      const answer = await janeSearched(bot);
      expect(answer.body.blocks[0].text.text).toContain('*1 check-in*');
      expect(logs.requests[0]!.path).toBe('/bc-json-logs*/_search');
      expect(bot.logText()).not.toContain('fake-password-xyz');
      expect(JSON.stringify(bot.slack.responses)).not.toContain('fake-password-xyz');
    });
  });

  it('a log store that is down (connection refused) gets its sentence', async () => {
    const closed = await LogStoreStandin.start();
    const url = closed.url;
    await closed.close();
    await withBot({ env: { LOG_SEARCH_URL: url } }, async (bot) => {
      const answer = await janeSearched(bot);
      expect(answer.body.text).toBe('The log store cannot be reached right now, so the bot could not search it.');
    });
  });

  it('other field names from LOG_SEARCH_FIELDS are searched and read', async () => {
    await withSearchingBot(
      {
        LOG_SEARCH_CONTACT_INDEX: 'contacts-*',
        LOG_SEARCH_DAYS: '7',
        LOG_SEARCH_FIELDS: JSON.stringify({
          timestamp: 'ts',
          email: 'contact.emailAddress',
          restrictionReason: 'reason',
        }),
      },
      async (bot) => {
        logs.seed({
          _index: 'contacts-1',
          _source: {
            ts: '2026-11-30T10:00:00.000Z',
            contact: { emailAddress: 'jane.doe@example.com' },
            reason: 'Integration is beta',
            integrationSourceId: 124,
            beta: true,
          },
        });
        const answer = await janeSearched(bot);
        expect(logs.requests[0]!.path).toBe('/contacts-*/_search');
        expect(logs.requests[0]!.body).toEqual({
          size: 20,
          sort: [{ ts: { order: 'desc', unmapped_type: 'date' } }],
          track_total_hits: false,
          query: {
            bool: {
              filter: [{ range: { ts: { gte: 'now-7d', lte: 'now' } } }],
              should: [
                { terms: { 'contact.emailAddress': ['jane.doe@example.com'] } },
                { match_phrase: { 'contact.emailAddress': 'jane.doe@example.com' } },
              ],
              minimum_should_match: 1,
            },
          },
        });
        const all = text(answer.body.blocks);
        expect(all).toContain('*2026-11-30 10:00 UTC* · business not recorded · Carestack');
        expect(all).toContain(':no_entry: *Restricted:* Integration is beta');
        expect(buttons(answer.body.blocks).map((b) => b.text.text)).toEqual(['Turn beta off']);
      },
    );
  });
});

describe('contact search off (LOG_SEARCH_URL unset)', () => {
  const { bot } = useBot();

  it('/crm contact says how to turn it on; /crm help says it too', async () => {
    const res = await bot.sendCommand('contact jane.doe@example.com');
    const reply = await res.nextResponse();
    expect(reply.body.text).toBe(
      'Contact search is off: the bot owners can turn it on by setting LOG_SEARCH_URL (and LOG_SEARCH_API_KEY) to the Elasticsearch or OpenSearch behind Kibana. Until then, paste the record into `/crm diagnose`.',
    );
    const help = await (await bot.sendCommand('help')).nextResponse();
    expect(text(help.body.blocks)).toContain(
      '`/crm contact`: Contact search is off: the bot owners can turn it on by setting LOG_SEARCH_URL',
    );
  });

  it('/crm diagnose with an email keeps the paste modal', async () => {
    await bot.sendCommand('diagnose jane.doe@example.com');
    const opened = await bot.slack.waitFor('views.open');
    expect(opened.body.view.callback_id).toBe(DIAGNOSE_MODAL);
  });
});

/** Remembers every value written, so a test can check what reached the store. */
class RecordingStore extends MemoryStore {
  readonly written: string[] = [];
  override async set(key: string, value: unknown, ttlMs: number): Promise<void> {
    this.written.push(`${key} ${JSON.stringify(value)}`);
    await super.set(key, value, ttlMs);
  }
}

describe('contact search: secrets never leave', () => {
  it('the API key and a record’s credential values reach no log, Slack call, response or store write; the store keeps no patient identity', async () => {
    const canaries = new Canaries();
    const apiKey = canaries.plant('log store API key');
    const practiceId = canaries.plant('practice id in a record');
    const clientSecret = canaries.plant('client secret in a record', 'alnum');
    const logs = await LogStoreStandin.start();
    const store = new RecordingStore();
    const bot = await startTestBot({ store, env: { LOG_SEARCH_URL: logs.url, LOG_SEARCH_API_KEY: apiKey } });
    try {
      logs.now = () => NOW;
      logs.seed({
        ...JANE_RESTRICTED,
        _source: {
          ...JANE_RESTRICTED._source,
          'practice.id': practiceId,
          additionalParams: { client_secret: clientSecret },
        },
      });
      const answer = (await janeSearched(bot)).body;
      expect(logs.requests[0]!.headers.authorization).toBe(`ApiKey ${apiKey}`);
      const fix = answer.blocks.flatMap((b: Json) => (b.type === 'actions' ? b.elements : []))[0];
      await bot.sendBlockAction({ actions: [{ action_id: FIX_OPEN, value: fix.value }] });
      await bot.slack.waitFor('views.open');
      await mentionBot(bot, 'jane.doe@example.com?', inTestChannel('1700000000.000900'));
      await bot.slack.waitFor('chat.postMessage');
      logs.fault({ kind: 'status', status: 401, json: { error: `bad key ${apiKey}` } });
      await janeSearched(bot);

      expect(await canaries.scan(bot)).toEqual([]);
      const stored = store.written.join('\n');
      for (const value of canaries.values) expect(stored).not.toContain(value);
      // What the fix buttons keep holds no patient identity either, only that it was there.
      expect(stored).toContain('"email":"[withheld]"');
      for (const patient of ['Jane.Doe@Example.com', '(555) 123-4567', 'C-9001', '"Jane"']) {
        expect(stored).not.toContain(patient);
      }
      // Patient data is not logged either.
      expect(bot.logText()).not.toContain('jane.doe');
      expect(bot.logText()).not.toContain('4567');
    } finally {
      await bot.stop();
      await logs.close();
    }
  });
});
