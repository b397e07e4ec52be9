export type Check<T> = () => Promise<T | undefined | false> | T | undefined | false;

/**
 * Polls `check` every 20 ms until it gives a value (anything but undefined or false) and returns it;
 * fails after `timeoutMs`. For state the bot settles after its ack (a run record, an upload), where a
 * stand-in has no event to wait for.
 */
export async function pollUntil<T>(check: Check<T>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}
