import { createRun } from '../../src/bulk/run-record';
import { BULK_ACTIONS } from '../../src/flows/bulk/ids';
import { readAudit } from '../../src/operations/audit';
import { MASK } from '../../src/planner/curl';
import { acquireLock } from '../../src/store/lock';
import { Canaries } from '../support/canary';
import { useBot } from '../support/use-bot';
import {
  CREATE_GROUP_PATH,
  registerTestWriteAction,
  testWriteClick,
  UPDATE_TRIGGERS_PATH,
} from '../support/write-surface';

const WRITER = 'U_WRITER';
let businessCounter = 0;
const nextBusiness = () => `1700000000${String(20_000 + ++businessCounter).padStart(5, '0')}`;

/**
 * The audit trail is complete: every attempt, refusal and outcome of a write, with who, when, the
 * masked request and the ids the API answered, and never a secret (planted canaries are scanned for).
 */
describe('audit trail completeness', () => {
  const canaries = new Canaries();
  const { bot, api } = useBot({ env: { ALLOWED_USER_IDS: WRITER } });
  beforeAll(() => registerTestWriteAction(bot));

  const businessTrail = async (businessNumber: string) =>
    (await readAudit(bot.services.store, { businessNumber }, { limit: 50 })).entries;
  /** Every raw audit value (unparsed, so no field can hide a secret from the scan). */
  const rawAudit = async () =>
    JSON.stringify((await bot.services.store.readLog('audit:all', { limit: 5000 })).map((e) => e.value));

  it('a write that runs: "attempted" before the call, then the outcome with the ids the API answered', async () => {
    const business = nextBusiness();
    const accountKey = canaries.plant('secure group property');
    const clientId = canaries.plant('client id in the API answer');
    api.on('PUT', CREATE_GROUP_PATH, {
      json: {
        groupId: 9001,
        data: { mappingId: 'm-77' },
        clientId,
        integrationGroupProperties: [{ propertyKey: 'account.key', propertyValue: accountKey }],
      },
    });
    const properties = [{ propertyKey: 'account.key', propertyValue: accountKey, isSecure: true }];
    const res = await bot.sendBlockAction(testWriteClick({ businessNumber: business, nonce: 'ok', properties }), {
      user: WRITER,
    });
    expect((await res.nextResponse()).body.text).toContain('Write done');
    expect(api.requests.filter((r) => r.body.includes(accountKey))).toHaveLength(1);

    const [outcome, attempt] = await businessTrail(business);
    const common = {
      userId: WRITER,
      businessNumber: business,
      crmId: 'nextech',
      operation: 'createGroup',
      idempotencyKey: `prodtest:${WRITER}:${business}:ok`,
      request: { properties: [{ propertyKey: 'account.key', propertyValue: MASK, isSecure: true }] },
    };
    expect(attempt).toEqual({ ...common, at: expect.any(String), outcome: 'attempted' });
    expect(outcome).toEqual({
      ...common,
      at: expect.any(String),
      outcome: 'succeeded',
      ids: { groupId: 9001, 'data.mappingId': 'm-77' },
    });
    expect(Date.parse(outcome!.at)).toBeGreaterThanOrEqual(Date.parse(attempt!.at));
    // The person's trail has the same two entries.
    expect((await readAudit(bot.services.store, { userId: WRITER }, { limit: 2 })).entries).toEqual([outcome, attempt]);
    const audit = await rawAudit();
    for (const canary of canaries.values) expect(audit).not.toContain(canary);
  });

  it('a write the API rejects: "attempted", then "failed" with the error code', async () => {
    const business = nextBusiness();
    api.on('POST', UPDATE_TRIGGERS_PATH, { status: 400, json: { message: 'Trigger 301 is unknown' } });
    const res = await bot.sendBlockAction(testWriteClick({ businessNumber: business, nonce: 'bad' }), {
      user: WRITER,
    });
    await res.nextResponse();
    const trail = await businessTrail(business);
    expect(trail.map((e) => e.outcome)).toEqual(['failed', 'attempted']);
    expect(trail[0]).toMatchObject({ error: { code: 'api_rejected' }, request: { groupId: 4242 } });
  });

  it('a write refused because the business is busy: one "refused" entry, nothing sent', async () => {
    const business = nextBusiness();
    const lock = await acquireLock(bot.services.store, business, '<@U_HOLDER>', 60_000);
    try {
      const res = await bot.sendBlockAction(testWriteClick({ businessNumber: business, nonce: 'busy' }), {
        user: WRITER,
      });
      expect((await res.nextResponse()).body.text).toContain('is being changed by <@U_HOLDER>');
    } finally {
      await lock.release();
    }
    expect(api.requests).toHaveLength(0);
    expect(await businessTrail(business)).toEqual([
      {
        at: expect.any(String),
        userId: WRITER,
        businessNumber: business,
        crmId: 'nextech',
        operation: 'updateTriggers',
        request: { groupId: 4242, triggers: [{ triggerId: 301, triggerTypeId: 1 }] },
        outcome: 'refused',
        error: { code: 'busy', message: expect.stringContaining('<@U_HOLDER>') },
        idempotencyKey: `prodtest:${WRITER}:${business}:busy`,
      },
    ]);
  });

  it('a person who may not write: the write and a bulk run button are refused and audited', async () => {
    const business = nextBusiness();
    const write = await bot.sendBlockAction(testWriteClick({ businessNumber: business, nonce: 'no' }), {
      user: 'U_STRANGER',
    });
    expect((await write.nextResponse()).body.text).toContain('Ask one of them');
    expect((await businessTrail(business)).map((e) => [e.outcome, e.userId, e.error?.code])).toEqual([
      ['refused', 'U_STRANGER', 'forbidden'],
    ]);

    const enterprise = nextBusiness();
    const now = Date.now();
    await createRun(bot.services.store, {
      id: 'run-refused-1',
      userId: WRITER,
      channel: 'C_TEST_CHANNEL',
      crmId: 'carestack',
      enterpriseId: enterprise,
      groupId: 77,
      status: 'draft',
      cancelled: false,
      invalidCount: 0,
      rows: [],
      createdAt: now,
      updatedAt: now,
    });
    const click = await bot.sendBlockAction(
      { actions: [{ action_id: BULK_ACTIONS.confirm, value: 'run-refused-1' }], message: { ts: '1.2' } },
      { user: 'U_STRANGER' },
    );
    expect((await click.nextResponse()).body.text).toContain('Ask one of them');
    expect(await businessTrail(enterprise)).toEqual([
      {
        at: expect.any(String),
        userId: 'U_STRANGER',
        businessNumber: enterprise,
        crmId: 'carestack',
        operation: BULK_ACTIONS.confirm,
        request: { runId: 'run-refused-1', groupId: 77, rows: 0 },
        outcome: 'refused',
        error: { code: 'forbidden', message: expect.stringContaining(`<@${WRITER}>`) },
      },
    ]);
    expect(api.requests).toHaveLength(0);
  });
});
