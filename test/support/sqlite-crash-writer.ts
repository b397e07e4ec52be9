import { SqliteStore } from '../../src/store/sqlite';

/**
 * Run as a child process by test/store/sqlite-journal.test.ts: writes `count` values and log entries to the
 * state file at argv[2], says how many were answered, then dies by SIGKILL: no close, no clean-up.
 */
async function main(): Promise<void> {
  const [path, countText] = process.argv.slice(2);
  if (!path || !countText) throw new Error('usage: sqlite-crash-writer <state path> <count>');
  const store = new SqliteStore({ path });
  const count = Number(countText);
  for (let i = 0; i < count; i++) {
    // The write pipeline's shape: a claim and an audit entry in one batch, then its outcome.
    await store.batch(async (tx) => {
      await tx.setIfAbsent(`claim:${i}`, { state: 'pending' }, 600_000);
      await Promise.all(['audit:all', `audit:business:${i % 3}`].map((key) => tx.appendLog(key, { i }, 600_000)));
    });
    await store.set(`claim:${i}`, { state: 'done', i }, 600_000);
  }
  await store.pushCapped('runs', 'last', 5, 600_000);
  await store.delete('claim:0');
  process.stdout.write(`answered ${count}\n`, () => process.kill(process.pid, 'SIGKILL'));
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(2);
});
