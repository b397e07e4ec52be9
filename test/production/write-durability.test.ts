import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../../src/store/sqlite';
import { sqliteRows } from '../support/store-dump';
import { useBot } from '../support/use-bot';
import { registerTestWriteAction, testWriteClick, UPDATE_TRIGGERS_PATH } from '../support/write-surface';

const WRITER = 'U_DURABLE_WRITER';
const dir = mkdtempSync(join(tmpdir(), 'crm-bot-durable-'));
const file = join(dir, 'crm-bot.sqlite');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * The write pipeline's store calls are made durable in two group commits: what must survive a crash during
 * the request (the run's claim, the "attempted" entries) is in the state files (the SQLite file, or its
 * journal until the writer thread has applied it) before the request leaves, read here as a crash would
 * leave them while the API stand-in holds the request; the rest once it is answered.
 */
describe('a write on the SQLite store is durable in two steps', () => {
  const { bot, api } = useBot(() => ({ store: new SqliteStore({ path: file }), env: { ALLOWED_USER_IDS: WRITER } }));
  beforeAll(() => registerTestWriteAction(bot));

  it('claim and "attempted" are durable before the request; outcome, its entries and "done" after; never the lock', async () => {
    const business = '170000000030001';
    let duringRequest: string[] = [];
    api.on('POST', UPDATE_TRIGGERS_PATH, () => {
      duringRequest = sqliteRows(file);
      return { json: { groupId: 4242 } };
    });
    const res = await bot.sendBlockAction(testWriteClick({ businessNumber: business, nonce: 'durable' }), {
      user: WRITER,
    });
    expect((await res.nextResponse()).body.text).toContain('Write done');

    const claim = (rows: string[]) => rows.filter((row) => row.includes(`idempotency:write:prodtest:${WRITER}`));
    const entries = (rows: string[], outcome: string) =>
      rows.filter((row) => row.includes('audit:') && row.includes(`\\"outcome\\":\\"${outcome}\\"`));
    expect(claim(duringRequest)).toHaveLength(1);
    expect(claim(duringRequest)[0]).toContain('pending');
    // The business's, the person's and everyone's trail.
    expect(entries(duringRequest, 'attempted')).toHaveLength(3);
    expect(entries(duringRequest, 'succeeded')).toHaveLength(0);

    const after = sqliteRows(file);
    expect(claim(after)[0]).toContain('done');
    expect(entries(after, 'succeeded')).toHaveLength(3);
    expect([...duringRequest, ...after].filter((row) => row.includes('lock:'))).toEqual([]);
  });
});
