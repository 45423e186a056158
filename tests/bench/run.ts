// `npm run bench`: runs every tests/bench/*.bench.ts (or those named on the command line) in turn.
// Each prints its own figures; ratios are measured side by side within one run.
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const wanted = process.argv.slice(2);
const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => wanted.length === 0 || wanted.some((w) => f.startsWith(w)))
  .sort();

let failed = 0;
for (const file of files) {
  process.stdout.write(`\n=== ${file} ===\n`);
  const started = performance.now();
  try {
    const module = (await import(pathToFileURL(join(here, file)).href)) as { run?: () => Promise<void> };
    if (typeof module.run !== 'function') throw new Error(`${file} exports no run()`);
    await module.run();
    process.stdout.write(`--- ${file} done in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
  } catch (error) {
    failed++;
    process.stdout.write(`--- ${file} FAILED: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  }
}
process.exitCode = failed ? 1 : 0;
