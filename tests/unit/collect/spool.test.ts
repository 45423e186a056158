/** The spool on a real file system: group commit, sealing, bounds, torn tails, the one-owner lock. */
import { appendFileSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Rejected } from '../../../src/collect/errors.js';
import { Spool } from '../../../src/collect/spool.js';

describe('Spool', () => {
  const dirs: string[] = [];
  const fresh = () => {
    const dir = mkdtempSync(join(tmpdir(), 'cdp-spool-'));
    dirs.push(dir);
    return dir;
  };
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('concurrent appends land in one segment, in order per append; seal makes it landable', async () => {
    const spool = Spool.open(fresh(), 1 << 20);
    await Promise.all(Array.from({ length: 50 }, (_, i) => spool.append([`{"i":${i},"a":1}`, `{"i":${i},"a":2}`])));
    expect(spool.activeEvents).toBe(100);
    expect(spool.sealed()).toHaveLength(0);
    await spool.seal();
    expect(spool.sealed()).toHaveLength(1);
    const lines = await spool.read(spool.sealed()[0]!);
    expect(lines).toHaveLength(100);
    for (let i = 0; i < 50; i++) expect(lines.indexOf(`{"i":${i},"a":1}`) + 1).toBe(lines.indexOf(`{"i":${i},"a":2}`));
    await spool.remove(spool.sealed());
    expect(spool.bytes).toBe(0);
    await spool.close();
  });

  it('refuses appends beyond maxBytes with a 503 spool_full and Retry-After, storing nothing of them', async () => {
    const spool = Spool.open(fresh(), 100);
    await spool.append(['x'.repeat(60)]);
    const refused = await spool.append(['y'.repeat(60)]).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(Rejected);
    expect(refused).toMatchObject({ reason: 'spool_full', status: 503, retryAfterSeconds: 5 });
    await spool.seal();
    expect(await spool.read(spool.sealed()[0]!)).toEqual(['x'.repeat(60)]);
    await spool.close();
  });

  it('after a crash: every segment found is landable, a torn unacknowledged tail is skipped, new events go to a new segment', async () => {
    const dir = fresh();
    writeFileSync(join(dir, 'events-000000000007.ndjson'), '{"a":1}\n{"a":2}\n{"a":');
    writeFileSync(join(dir, 'LOCK'), '999999999'); // a dead owner (kill -9)
    const spool = Spool.open(dir, 1 << 20);
    expect(spool.sealed().map((s) => s.seq)).toEqual([7]);
    expect(await spool.read(spool.sealed()[0]!)).toEqual(['{"a":1}', '{"a":2}']);
    await spool.append(['{"b":1}']);
    await spool.seal();
    expect(spool.sealed().map((s) => s.seq)).toEqual([7, 8]);
    await spool.close();
    expect(readdirSync(dir).sort()).toEqual(['events-000000000007.ndjson', 'events-000000000008.ndjson']);
  });

  it('one owner per directory: a live process’s lock is refused', () => {
    const dir = fresh();
    appendFileSync(join(dir, 'LOCK'), String(process.ppid));
    expect(() => Spool.open(dir, 1 << 20)).toThrow(/in use by another cdp serve/);
  });
});
