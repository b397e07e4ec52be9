import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseRecords } from '../../src/bulk/csv';
import { HISTORY_ACTIONS, HISTORY_BLOCKS } from '../../src/flows/history/ids';
import { HISTORY_CSV_HEADER, HISTORY_PAGE_SIZE } from '../../src/flows/history/service';
import { type AuditEntry, recordAudit } from '../../src/operations/audit';
import { SqliteStore } from '../../src/store/sqlite';
import type { RecordedResponse } from '../support/slack-api-standin';
import { startTestBot, type TestBot, type WithResponseUrl } from '../support/slack-harness';

const BUSINESS = '170000000005000';
const ENTRIES = 5_000;
const USERS = ['U_ALICE', 'U_BOB', 'U_CAROL'];

// biome-ignore lint/suspicious/noExplicitAny: Block Kit JSON
type Json = Record<string, any>;

/** Entry i of the business's trail: a unique operation name, so order is checkable from the text. */
function entry(i: number): AuditEntry {
  return {
    at: new Date(Date.UTC(2025, 0, 1) + i * 60_000).toISOString(),
    userId: USERS[i % USERS.length]!,
    businessNumber: BUSINESS,
    crmId: i % 2 ? 'nextech' : 'carestack',
    operation: `op${String(i).padStart(4, '0')}`,
    request: { groupId: 1000 + i, properties: [{ propertyKey: 'account.key', propertyValue: '********' }] },
    outcome: i % 7 === 0 ? 'failed' : 'succeeded',
    ...(i % 7 === 0 ? { error: { code: 'api_rejected', message: `Rejected, "quoted", row ${i}` } } : {}),
    ...(i % 7 === 0 ? {} : { ids: { groupId: 1000 + i } }),
    idempotencyKey: `key:${i}`,
  };
}

const operationsOn = (body: Json): string[] =>
  (body.blocks as Json[])
    .filter((b) => b.type === 'section')
    .map((b) => /\*(op\d{4})\*/.exec(b.text.text)?.[1] ?? `(no operation in: ${b.text.text})`);

const button = (body: Json, actionId: string): Json | undefined =>
  (body.blocks as Json[])
    .find((b) => b.block_id === HISTORY_BLOCKS.actions)
    ?.elements.find((e: Json) => e.action_id === actionId);

/**
 * `/crm history` reads the complete trail: 5,000 entries of one business come back, every one, in
 * order, page by page through the "Older" button and as the CSV file; `/crm history @person` shows
 * one person's changes.
 */
describe('/crm history over a long trail', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'history-'));
  let bot: TestBot;

  beforeAll(async () => {
    const store = new SqliteStore({ path: path.join(dir, 'state.sqlite') });
    // Straight into the store (the trail a long-lived client accumulates), not 5,000 signed writes.
    for (let i = 0; i < ENTRIES; i++) await recordAudit(store, entry(i));
    bot = await startTestBot({ store });
  });
  afterAll(async () => {
    await bot.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  afterEach(() => bot.slack.reset());

  it(`pages newest first through all ${ENTRIES} entries with the Older button`, async () => {
    const first = (await (await bot.sendCommand(`history ${BUSINESS}`)).nextResponse()).body;
    expect(first.response_type).toBe('ephemeral');
    const seen = operationsOn(first);
    expect(seen).toHaveLength(HISTORY_PAGE_SIZE);
    expect(first.blocks.length).toBeLessThanOrEqual(50);
    let page = first;
    let clicks = 0;
    for (let older = button(page, HISTORY_ACTIONS.older); older; older = button(page, HISTORY_ACTIONS.older)) {
      const click: WithResponseUrl = await bot.sendBlockAction({
        actions: [{ action_id: HISTORY_ACTIONS.older, value: older.value }],
        message: { ts: '1700000000.000100', blocks: page.blocks },
      });
      const next: RecordedResponse = await click.nextResponse();
      expect(next.body.replace_original).toBe(true);
      page = next.body;
      seen.push(...operationsOn(page));
      clicks++;
    }
    const expected = Array.from({ length: ENTRIES }, (_, i) => `op${String(ENTRIES - 1 - i).padStart(4, '0')}`);
    expect(seen).toEqual(expected);
    expect(clicks).toBe(Math.ceil(ENTRIES / HISTORY_PAGE_SIZE) - 1);
    // The last page says it is the end and offers no Older button.
    expect(JSON.stringify(page.blocks)).toContain(
      `operations ${ENTRIES - HISTORY_PAGE_SIZE + 1}–${ENTRIES} (the oldest recorded)`,
    );
    expect(button(page, HISTORY_ACTIONS.csv)).toBeDefined();
  }, 120_000);

  it(`uploads all ${ENTRIES} entries as one CSV file, from the command and from the CSV button`, async () => {
    const res = await bot.sendCommand(`history ${BUSINESS} csv`);
    const note = await res.nextResponse();
    expect(note.body.text).toBe(
      `The full history of ${BUSINESS} (${ENTRIES} operation(s), newest first) is in a CSV file in our direct messages.`,
    );
    const complete = await bot.slack.waitFor('files.completeUploadExternal');
    const upload = bot.slack.uploads[0]!;
    expect(complete.body.channel_id).toBe('D_TEST_USER');
    expect(bot.slack.callsTo('files.getUploadURLExternal')[0]!.body.filename).toBe(`history-${BUSINESS}.csv`);

    const [header, ...rows] = parseRecords(upload.content, ',').map((r) => r.cells);
    expect(header).toEqual([...HISTORY_CSV_HEADER]);
    expect(rows).toHaveLength(ENTRIES);
    const expected = Array.from({ length: ENTRIES }, (_, n) => {
      const e = entry(ENTRIES - 1 - n);
      return [
        e.at,
        e.userId,
        BUSINESS,
        e.crmId,
        e.operation,
        e.outcome,
        e.error?.code ?? '',
        e.error?.message ?? '',
        e.ids ? `groupId=${e.ids.groupId}` : '',
        e.idempotencyKey,
        JSON.stringify(e.request),
      ];
    });
    expect(rows).toEqual(expected);

    // The button on a page does the same.
    bot.slack.reset();
    const page = (await (await bot.sendCommand(`history ${BUSINESS}`)).nextResponse()).body;
    const csv = button(page, HISTORY_ACTIONS.csv)!;
    const click = await bot.sendBlockAction({
      actions: [{ action_id: HISTORY_ACTIONS.csv, value: csv.value }],
      message: { ts: '1700000000.000100', blocks: page.blocks },
    });
    expect((await click.nextResponse()).body.text).toContain(`(${ENTRIES} operation(s), newest first)`);
    await bot.slack.waitFor('files.completeUploadExternal');
    expect(bot.slack.uploads.map((u) => u.content)).toEqual([upload.content]);
  }, 60_000);

  it('`/crm history @person` (as Slack escapes a mention) shows only that person’s changes, newest first', async () => {
    const reply = (await (await bot.sendCommand('history <@U_BOB|bob>')).nextResponse()).body;
    const bobs = Array.from({ length: ENTRIES }, (_, i) => i)
      .filter((i) => USERS[i % USERS.length] === 'U_BOB')
      .reverse()
      .slice(0, HISTORY_PAGE_SIZE)
      .map((i) => `op${String(i).padStart(4, '0')}`);
    expect(operationsOn(reply)).toEqual(bobs);
    expect(JSON.stringify(reply.blocks)).not.toContain('<@U_ALICE>');
    expect(JSON.stringify(reply.blocks)).toContain('Changes by <@U_BOB>');
    expect(JSON.stringify(reply.blocks)).toContain(`business ${BUSINESS}`);
    // The Older button continues with Bob's changes only.
    const older = button(reply, HISTORY_ACTIONS.older)!;
    const next = await (
      await bot.sendBlockAction({ actions: [{ action_id: HISTORY_ACTIONS.older, value: older.value }], message: {} })
    ).nextResponse();
    const nextBobs = Array.from({ length: ENTRIES }, (_, i) => i)
      .filter((i) => USERS[i % USERS.length] === 'U_BOB')
      .reverse()
      .slice(HISTORY_PAGE_SIZE, 2 * HISTORY_PAGE_SIZE)
      .map((i) => `op${String(i).padStart(4, '0')}`);
    expect(operationsOn(next.body)).toEqual(nextBobs);
  });

  it('a person with no changes, and a plain-text @name, get a clear answer', async () => {
    const none = (await (await bot.sendCommand('history <@U_NOBODY>')).nextResponse()).body;
    expect(none.text).toBe('No operations are recorded for <@U_NOBODY> yet.');
    const plain = (await (await bot.sendCommand('history @bob')).nextResponse()).body;
    expect(plain.text).toContain('Slack sent `@bob` as plain text');
  });
});
