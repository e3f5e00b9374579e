import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/*
 * `npm run bench [-- NAME…]`: runs bench/NAME.bench.ts (each exports `run()`), or every benchmark when no
 * name is given. Benchmarks report; they do not gate: a missed target prints FAIL and still exits 0. Only a
 * benchmark that cannot measure at all (unknown name, the two implementations disagreeing, a crash) exits 1.
 */

const here = dirname(fileURLToPath(import.meta.url));
const available = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .map((f) => f.slice(0, -'.bench.ts'.length))
  .sort();

const requested = process.argv.slice(2).filter((a) => a !== '--');
const unknown = requested.filter((name) => !available.includes(name));
if (unknown.length > 0) {
  console.error(`Unknown benchmark ${unknown.join(', ')}. Available: ${available.join(', ') || '(none)'}`);
  process.exit(1);
}

for (const name of requested.length > 0 ? requested : available) {
  console.log(`\n=== bench: ${name} ===`);
  const module = (await import(pathToFileURL(join(here, `${name}.bench.ts`)).href)) as {
    run?: () => Promise<void>;
  };
  if (typeof module.run !== 'function') {
    console.error(`bench/${name}.bench.ts does not export run()`);
    process.exitCode = 1;
    continue;
  }
  try {
    await module.run();
  } catch (error) {
    console.error(
      `bench ${name} could not measure: ${error instanceof Error ? error.message : String(error)}`,
    );
    process.exitCode = 1;
  }
}
