import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { defaultPort } from '../../../src/cli/commands/serve.js';
import { readableLine } from '../../../src/logger.js';
import { runCli } from '../../helpers/cli.js';

// Operator polish (issue 19, item 8): the port from the environment, readable or JSON log lines.
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'cdp-operator-'));
  writeFileSync(join(dir, 'cdp.config.ts'), "export default { warehouse: { type: 'duckdb', path: ':memory:' }, state: { client: 'better-sqlite3', filename: 'state.sqlite' } };\n");
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('the port: CDP_PORT, else PORT (hosting platforms), else 3000', () => {
  expect(defaultPort({ CDP_PORT: '4100', PORT: '5000' })).toBe('4100');
  expect(defaultPort({ PORT: '5000' })).toBe('5000');
  expect(defaultPort({})).toBe('3000');
});

it('log lines read as text: time, level, message, fields', () => {
  const line = readableLine(JSON.stringify({ level: 30, time: Date.UTC(2026, 0, 2, 12, 4, 5), pid: 1, hostname: 'h', msg: 'sync run finished', sync: 'crm', status: 'success', ok: 17, err: { message: 'a b' } }));
  expect(line).toBe('12:04:05 INFO  sync run finished sync=crm status=success ok=17 err="a b"\n');
});

it('an unknown --log-format is refused with the formats there are', async () => {
  const result = await runCli('--log-format', 'xml', 'ls', '--project', dir);
  expect(result.code).toBe(1);
  expect(result.err).toContain('--log-format is "xml", which is not a log format');
  expect(result.err).toContain('use text or json');
});

/** Starts `cdp serve` with this environment and returns its first stdout lines once it listens. */
async function serveOnce(env: NodeJS.ProcessEnv, args: string[] = []): Promise<string> {
  const child = spawn(process.execPath, [join(process.cwd(), 'bin/cdp.js'), ...args, 'serve', '--no-scheduler', '--project', dir], {
    env: { ...process.env, VITEST: '', CDP_LOG_LEVEL: 'info', CDP_PORT: '', PORT: '', ...env },
  });
  let out = '';
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no "listening" line: ${out}`)), 60_000);
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('listening')) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.on('exit', (code) => reject(new Error(`exited ${code}: ${out}`)));
    });
  } finally {
    child.kill('SIGTERM');
  }
  return out;
}

it('`cdp serve` listens on PORT and logs readable lines; --log-format json gives JSON', async () => {
  const text = await serveOnce({ PORT: '39517' });
  expect(text).toMatch(/^\d\d:\d\d:\d\d INFO {2}cdp serve listening url=http:\/\/127\.0\.0\.1:39517/m);
  const json = await serveOnce({ CDP_PORT: '39518' }, ['--log-format', 'json']);
  const listening = json.split('\n').find((line) => line.includes('listening'))!;
  expect(JSON.parse(listening)).toMatchObject({ msg: 'cdp serve listening', url: 'http://127.0.0.1:39518' });
}, 120_000);
