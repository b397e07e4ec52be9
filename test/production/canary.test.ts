import { FIX_FIELDS } from '../../src/flows/diagnose/ids';
import { createLogger, REDACT_PATHS } from '../../src/logger';
import { CANARY_SHAPES, Canaries, fillModal } from '../support/canary';
import { fixture } from '../support/fakes';
import { TEST_BOT_TOKEN, TEST_SIGNING_SECRET } from '../support/slack-harness';
import { useBot } from '../support/use-bot';
import { CREATE_GROUP_PATH, registerTestWriteAction, testWriteClick } from '../support/write-surface';

const BUSINESS = '170000000000801';

/**
 * Plants canary secrets through every flow registered today and asserts none of them shows up in a log
 * line, a Slack API call, a response_url post, an upload or an audit record. Flows are found at run time:
 * the test prints which ones it covered and fails if a listed one cannot be driven (no silent skipping).
 */
describe('canary secrets never leak', () => {
  const canaries = new Canaries();
  const covered: string[] = [];
  const vendorKey = canaries.plant('CARESTACK_VENDOR_KEY');
  const { bot, api } = useBot((api) => ({
    env: { CARESTACK_VENDOR_KEY: vendorKey, CARESTACK_API_BASE_URL: api.url, AUDIT_CHANNEL_ID: 'C0AUDIT' },
    resetBetweenTests: false,
  }));

  beforeAll(() => {
    registerTestWriteAction(bot);
    canaries.watch('signing secret', TEST_SIGNING_SECRET);
    canaries.watch('bot token', TEST_BOT_TOKEN);
  });
  afterAll(async () => {
    console.info(`canary flows covered: ${covered.join('; ')}`);
  });

  it('write pipeline: secure group properties, success and an API error that echoes the secret', async () => {
    const secret = canaries.plant('isSecure group property');
    const properties = [
      { propertyKey: 'account.key', propertyValue: secret, isSecure: true },
      { propertyKey: 'location.id', propertyValue: '12', isSecure: false },
    ];
    // The API quotes the secret back in its error: the client scrubs it before it reaches words or audit.
    api.on('PUT', CREATE_GROUP_PATH, { status: 400, json: { message: `Invalid account key ${secret}` } });
    const failed = await bot.sendBlockAction(testWriteClick({ businessNumber: BUSINESS, nonce: 'c1', properties }));
    expect((await failed.nextResponse()).body.text).toContain('rejected');
    api.on('PUT', CREATE_GROUP_PATH, { json: { groupId: 1 } });
    const ok = await bot.sendBlockAction(testWriteClick({ businessNumber: BUSINESS, nonce: 'c2', properties }));
    expect((await ok.nextResponse()).body.text).toContain('Write done');
    // The API itself must receive the secret: the canary is real, not lost on the way.
    expect(api.requests.filter((r) => r.body.includes(secret))).toHaveLength(2);
    await bot.slack.waitFor('chat.postMessage', (c) => c.body.channel === 'C0AUDIT');
    covered.push('write pipeline (test-only surface) + audit channel');
  });

  it('/crm status with secure values in the API answer', async () => {
    const secret = canaries.plant('secure property in GET answer');
    const group = structuredClone(fixture('group-carestack.json')) as Record<string, unknown>;
    group.integrationGroupProperties = [{ propertyKey: 'accountKey', propertyValue: secret, isSecure: true }];
    api.on('GET', `/integration/businessintegrationgroup/${BUSINESS}`, { json: group });
    const res = await bot.sendCommand(`status ${BUSINESS}`);
    await res.nextResponse();
    covered.push('/crm status');
  });

  // Modals reached from a command; every text input gets a canary (UUID-shaped, so ID validators accept it).
  const MODAL_COMMANDS = [
    'lookup carestack-locations',
    'lookup carestack-statuses',
    'lookup cloud9-locations',
    'lookup nextech-practitioners',
    'lookup nextech-locations',
    'diagnose Appointment status is not on the allowed list',
  ];

  it.each(MODAL_COMMANDS)('`/crm %s` form filled with canaries', async (text) => {
    bot.slack.calls.length = 0;
    const res = await bot.sendCommand(text);
    expect(res.status).toBe(200);
    const opened = await bot.slack.waitFor('views.open');
    const view = opened.body.view;
    // Fill every input with a canary; where the form refuses one shape (inline errors), try the next.
    const planted: string[] = [];
    const shapeOf: Record<string, number> = {};
    let submitted = await submitWith();
    for (let attempt = 1; attempt < CANARY_SHAPES.length && submitted.json()?.response_action === 'errors'; attempt++) {
      for (const blockId of Object.keys(submitted.json().errors)) shapeOf[blockId] = attempt;
      submitted = await submitWith();
    }
    expect(submitted.json()?.errors ?? {}).toEqual({});
    const filled = Object.keys(fillModal(view, () => '')).length;
    async function submitWith() {
      const values = fillModal(view, (blockId, label) => {
        // Diagnose needs a real restriction reason; its log record carries secret-looking fields.
        if (/reason/i.test(label)) return 'Appointment status is not on the allowed list';
        if (/business/i.test(label) || blockId === FIX_FIELDS.business) return BUSINESS;
        const canary = canaries.plant(`${text}: ${label}`, CANARY_SHAPES[shapeOf[blockId] ?? 0]);
        planted.push(canary);
        return /log/i.test(label) ? `appointmentStatus: Cancelled\naccountKey: ${canary}\nclientId: ${canary}` : canary;
      });
      return bot.sendViewSubmission({
        view: { callback_id: view.callback_id, private_metadata: view.private_metadata ?? '', state: { values } },
      });
    }
    expect(submitted.status).toBe(200);
    // Work after the ack (lookups against the scripted API, views.update) finishes shortly.
    await new Promise((r) => setTimeout(r, 300));
    // A lookup really ran with the planted credentials (they reached the API, as they must).
    if (text.startsWith('lookup'))
      expect(api.requests.some((r) => planted.some((c) => JSON.stringify(r).includes(c)))).toBe(true);
    covered.push(`/crm ${text.split(' ').slice(0, 2).join(' ')} (${filled} inputs)`);
  });

  it('no canary in any log line, Slack call, response_url post, upload or audit record', async () => {
    expect(await canaries.scan(bot)).toEqual([]);
  });
});

describe('log redaction', () => {
  it('masks every secret-carrying path in REDACT_PATHS', () => {
    const canaries = new Canaries();
    const lines: string[] = [];
    const logger = createLogger({ level: 'info', destination: { write: (l: string) => void lines.push(l) } });
    for (const path of REDACT_PATHS) {
      // Build the object for this path: '*.x' one level down, 'a.b' nested, a[*].b inside an array.
      const value = canaries.plant(path);
      const parts = path
        .replace(/\[\*\]/g, '.0')
        .replace(/\["([^"]+)"\]/g, '.$1')
        .split('.');
      let node: Record<string, unknown> = {};
      const root = node;
      parts.forEach((part, i) => {
        const key = part === '*' ? 'nested' : part === '0' ? '0' : part;
        if (i === parts.length - 1) node[key] = value;
        else {
          const next: Record<string, unknown> = parts[i + 1] === '0' ? ([] as unknown as Record<string, unknown>) : {};
          node[key] = next;
          node = next;
        }
      });
      logger.info(root, 'redaction probe');
    }
    const text = lines.join('');
    expect(canaries.values.filter((v) => text.includes(v))).toEqual([]);
  });
});
