import { App } from '@slack/bolt';
import { ListenerTable } from '../../src/slack/listener-table';
import { startTestBot, type TestBot } from '../support/slack-harness';

/**
 * Flows register by id in a ListenerTable, which sits behind one Bolt listener per kind. Driven through
 * signed requests: each id reaches its own listener only, with Bolt's meaning of each registration kept.
 */
describe('listener table', () => {
  let bot: TestBot;
  const calls: string[] = [];
  beforeAll(async () => {
    bot = await startTestBot();
    const table = new ListenerTable(bot.app);
    const record =
      (name: string) =>
      async ({ ack }: { ack: () => Promise<void> }) => {
        calls.push(name);
        await ack();
      };
    table.action('table_test_a', record('action a'));
    table.action('table_test_b', record('action b'));
    table.view('table_test_view', record('view'));
    table.options('table_test_options', async ({ ack }) => {
      calls.push('options');
      await ack({ options: [] });
    });
    table.shortcut('table_test_shortcut', record('shortcut'));
    // Not an id: Bolt matches it, as if the flow had registered on the app itself.
    table.action(/^table_test_pattern_/, record('pattern'));
  });
  afterAll(() => bot.stop());
  beforeEach(() => {
    calls.length = 0;
  });

  it('an action reaches the listener of its action_id only', async () => {
    const res = await bot.sendBlockAction({ actions: [{ action_id: 'table_test_b', value: 'x' }] });
    expect(res.status).toBe(200);
    expect(calls).toEqual(['action b']);
  });

  it('an action no listener knows is still acked, and reaches none', async () => {
    const res = await bot.sendBlockAction({ actions: [{ action_id: 'table_test_unknown', value: 'x' }] });
    expect(res.status).toBe(200);
    expect(calls).toEqual([]);
    expect(bot.logs.some((line) => line.msg === 'No listener acknowledged the request; acked it')).toBe(true);
  });

  it('a view listener gets submissions, not a dismissed modal (Bolt’s meaning of view(id))', async () => {
    await bot.sendViewClosed({ view: { callback_id: 'table_test_view' } });
    expect(calls).toEqual([]);
    const res = await bot.sendViewSubmission({ view: { callback_id: 'table_test_view', state: { values: {} } } });
    expect(res.status).toBe(200);
    expect(calls).toEqual(['view']);
  });

  it('options and shortcuts are looked up by their ids', async () => {
    const options = await bot.sendOptions({ action_id: 'table_test_options', value: 'ab' });
    expect(options.json()).toEqual({ options: [] });
    await bot.sendShortcut({ callback_id: 'table_test_shortcut' });
    expect(calls).toEqual(['options', 'shortcut']);
  });

  it('a pattern constraint goes to Bolt unchanged', async () => {
    await bot.sendBlockAction({ actions: [{ action_id: 'table_test_pattern_7', value: 'x' }] });
    expect(calls).toEqual(['pattern']);
  });

  it('the same id twice is refused at registration, naming it', () => {
    const table = new ListenerTable(new App({ token: 'xoxb-fake', signingSecret: 'fake', deferInitialization: true }));
    table.view('table_test_twice', async () => {});
    expect(() => table.view('table_test_twice', async () => {})).toThrow(
      'Two listeners for the same view id: table_test_twice',
    );
  });
});
