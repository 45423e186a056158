// The secret scrubber on vendor answers (every HTTP answer of a run with secrets passes it).
// Baseline: the fastest honest alternative for the raw form alone, `text.includes(secret)` per
// secret (which misses every encoded echo); measured side by side, with the load average.
import { loadavg } from 'node:os';
import { SecretScrubber } from '../../src/util/secret-scrub.js';

function time(label: string, bytes: number, work: () => void, rounds = 20): number {
  work();
  const started = performance.now();
  for (let i = 0; i < rounds; i++) work();
  const ms = (performance.now() - started) / rounds;
  process.stdout.write(`${label.padEnd(56)} ${ms.toFixed(3).padStart(9)} ms  ${((bytes / 1e6 / ms) * 1000).toFixed(0).padStart(6)} MB/s\n`);
  return ms;
}

export async function run(): Promise<void> {
  process.stdout.write(`load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}\n`);
  const secrets = Array.from({ length: 5 }, (_, i) => `sk_live_${i}_${'abcdef0123456789'.repeat(2)}`);
  const scrubber = new SecretScrubber(secrets);
  const records = Array.from({ length: 2_000 }, (_, i) => ({ id: i, status: 'ok', email_hash: 'f'.repeat(64), errors: [] }));
  for (const [name, text] of [
    ['small answer (2 B)', '{}'],
    ['per-record answer (~200 kB JSON)', JSON.stringify({ results: records })],
    ['error page (1 MB, no spaces)', `error ${'x'.repeat(1_000_000)}`],
  ] as const) {
    const bytes = Buffer.byteLength(text);
    const base = time(`${name}: includes() per secret`, bytes, () => secrets.some((s) => text.includes(s)), name.startsWith('small') ? 100_000 : 20);
    const scrub = time(`${name}: scrub, all encodings`, bytes, () => scrubber.scrub(text), name.startsWith('small') ? 100_000 : 20);
    process.stdout.write(`${name}: ratio ${(scrub / base).toFixed(1)}x\n`);
  }
}
