import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { audienceDataGeneration, refreshAudienceCatalog } from '../../../src/audiences/index.js';
import { AudienceResultCache, BuildMarker } from '../../../src/server/services/audience-results.js';
import type { Project } from '../../../src/project/index.js';
import { tempProject } from './helpers.js';

function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe('AudienceResultCache', () => {
  const { project, cleanup } = tempProject();
  afterAll(cleanup);

  it('shares one query among concurrent identical lookups, then answers from the cache', async () => {
    const cache = new AudienceResultCache<number>(project);
    let runs = 0;
    const gate = deferred<number>();
    const work = () => {
      runs++;
      return gate.promise;
    };
    const pending = Promise.all(Array.from({ length: 10 }, () => cache.get('SELECT 1', work)));
    gate.resolve(42);
    const results = await pending;
    expect(results.map((r) => r.value)).toEqual(Array(10).fill(42));
    expect(runs).toBe(1);
    expect(await cache.get('SELECT 1', work)).toEqual({ value: 42, cached: true });
    expect(runs).toBe(1);
    expect(await cache.get('SELECT 2', async () => 7)).toEqual({ value: 7, cached: false });
  });

  it('drops every entry when the data generation moves (a build finished)', async () => {
    const cache = new AudienceResultCache<number>(project);
    let value = 1;
    const work = async () => value;
    expect((await cache.get('q', work)).value).toBe(1);
    value = 2;
    expect((await cache.get('q', work)).value).toBe(1);
    refreshAudienceCatalog(project);
    expect(await cache.get('q', work)).toEqual({ value: 2, cached: false });
  });

  it('does not keep a result whose query started before a build that finished while it ran', async () => {
    const cache = new AudienceResultCache<string>(project);
    const gate = deferred<string>();
    const old = cache.get('q', () => gate.promise);
    refreshAudienceCatalog(project);
    // A request after the build does not join the query that started before it.
    const fresh = cache.get('q', async () => 'new data');
    gate.resolve('old data');
    expect((await old).value).toBe('old data');
    expect((await fresh).value).toBe('new data');
    expect(await cache.get('q', async () => 'again')).toEqual({ value: 'new data', cached: true });
  });

  it('expires entries after maxAgeMs, evicts the least recently used, and skips what `store` refuses', async () => {
    let now = 0;
    const cache = new AudienceResultCache<number>(project, { maxAgeMs: 1000, maxEntries: 2, now: () => now });
    await cache.get('a', async () => 1);
    now = 999;
    expect((await cache.get('a', async () => 2)).cached).toBe(true);
    now = 1000;
    expect(await cache.get('a', async () => 3)).toEqual({ value: 3, cached: false });
    await cache.get('b', async () => 4);
    await cache.get('a', async () => 0); // a used last
    await cache.get('c', async () => 5); // evicts b
    expect(cache.size).toBe(2);
    expect((await cache.get('b', async () => 6)).cached).toBe(false);
    await cache.get('big', async () => 9, () => false);
    expect((await cache.get('big', async () => 10)).value).toBe(10);
  });

  it('does not keep failures', async () => {
    const cache = new AudienceResultCache<number>(project);
    await expect(cache.get('q', async () => Promise.reject(new Error('warehouse down')))).rejects.toThrow('warehouse down');
    expect(await cache.get('q', async () => 1)).toEqual({ value: 1, cached: false });
  });
});

describe('BuildMarker', () => {
  let project: Project;
  let cleanup: () => Promise<void>;
  beforeAll(() => ({ project, cleanup } = tempProject()));
  afterAll(() => cleanup());

  it('bumps the data generation when another process records a model build or completes an erasure', async () => {
    const store = await project.state();
    let now = 0;
    const marker = new BuildMarker(project, store.knex, pino({ level: 'silent' }), { checkEveryMs: 1000, now: () => now });
    await marker.poke(); // the first check only learns the marker
    const start = audienceDataGeneration(project);
    await marker.poke();
    expect(audienceDataGeneration(project)).toBe(start);

    const at = new Date();
    await store.modelBuilds.record({ model: 'orders', startedAt: at, finishedAt: at, rows: 1, status: 'success', error: null });
    await marker.poke(); // checked less than checkEveryMs ago: not yet
    expect(audienceDataGeneration(project)).toBe(start);
    now = 1000;
    await marker.poke();
    expect(audienceDataGeneration(project)).toBe(start + 1);

    await store.knex('privacy_requests').insert({ id: 'r1', kind: 'delete', id_type: 'email', value_sha256: 'x'.repeat(64), status: 'completed', created_at: 1, completed_at: 2 });
    now = 2000;
    await marker.poke();
    expect(audienceDataGeneration(project)).toBe(start + 2);
    now = 3000;
    await marker.poke();
    expect(audienceDataGeneration(project)).toBe(start + 2);
  });
});
