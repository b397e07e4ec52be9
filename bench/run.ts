import { readdirSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

/** What every `bench/*.bench.ts` module's exported `bench…` functions resolve to. */
export type BenchResult = { name: string; figures: Record<string, string | number>; target?: string; pass: boolean };

type BenchModule = Record<string, unknown>;

/** Every `*.bench.ts` next to this file, so others add a benchmark by adding a file. */
function benchFiles(): string[] {
  return readdirSync(__dirname)
    .filter((file) => file.endsWith('.bench.ts'))
    .sort()
    .map((file) => path.join(__dirname, file));
}

async function runAll(): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  for (const file of benchFiles()) {
    const loaded = (await import(pathToFileURL(file).href)) as BenchModule;
    // A CommonJS module imported as ESM arrives under `default`.
    const exports = { ...((loaded.default as BenchModule | undefined) ?? {}), ...loaded };
    const benches = Object.entries(exports).filter(
      (entry): entry is [string, () => Promise<BenchResult>] =>
        entry[0].startsWith('bench') && typeof entry[1] === 'function',
    );
    if (benches.length === 0) {
      results.push({ name: path.basename(file), figures: { error: 'exports no bench… function' }, pass: false });
    }
    for (const [exportName, bench] of benches) {
      try {
        results.push(await bench());
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        results.push({ name: `${path.basename(file)}#${exportName}`, figures: { error: message }, pass: false });
      }
    }
  }
  return results;
}

function printTable(results: readonly BenchResult[]): void {
  for (const result of results) {
    const status = result.pass ? 'PASS' : 'FAIL';
    console.log(`\n${status}  ${result.name}${result.target ? `   (target: ${result.target})` : ''}`);
    const rows = Object.entries(result.figures);
    const width = Math.max(0, ...rows.map(([label]) => label.length));
    for (const [label, value] of rows) {
      const shown = typeof value === 'number' ? formatNumber(value) : value;
      console.log(`  ${label.padEnd(width)}  ${shown}`);
    }
  }
  const failed = results.filter((r) => !r.pass);
  console.log(`\n${results.length - failed.length}/${results.length} benchmarks met their targets`);
}

function formatNumber(value: number): string {
  if (Number.isInteger(value)) return value.toLocaleString('en-US');
  return value.toLocaleString('en-US', { maximumFractionDigits: value < 10 ? 3 : 1 });
}

// Only when run directly: bench files import the BenchResult type from here.
if (require.main === module) {
  runAll()
    .then((results) => {
      printTable(results);
      process.exitCode = results.length > 0 && results.every((r) => r.pass) ? 0 : 1;
    })
    .catch((error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    });
}
