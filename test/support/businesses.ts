/**
 * Fresh 15-digit business numbers, one per call: locks, intents, idempotency keys and records are per
 * business, so a test that takes its own never meets another test's state.
 */
export function businessNumbers(tenDigitPrefix: string): () => string {
  if (!/^\d{10}$/.test(tenDigitPrefix)) throw new Error(`a business prefix has 10 digits: ${tenDigitPrefix}`);
  let taken = 0;
  return () => {
    taken += 1;
    return `${tenDigitPrefix}${String(10_000 + taken)}`;
  };
}
