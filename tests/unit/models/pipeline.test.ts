import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Project } from '../../../src/project/index.js';
import { removeProject, tempProject } from './fixture.js';

const buildIdentity = vi.fn(async () => ({ profiles: 7, identifiers: 9, rounds: 2, seconds: 0.1 }));
vi.mock('../../../src/identity/index.js', () => ({ buildIdentity }));
const { runProject } = await import('../../../src/pipeline/index.js');

const withIdentity = {
  warehouse: { type: 'duckdb' as const, path: ':memory:' },
  identity: {
    sources: [{ name: 'people', relation: 'people', key: 'id', timestamp: 'ts', ids: { email: 'email' } }],
    idTypes: { email: { priority: 1 } },
  },
};

let project: Project | undefined;
afterEach(async () => {
  await project?.close();
  if (project) removeProject(project);
  project = undefined;
  buildIdentity.mockClear();
});

describe('runProject', () => {
  it('builds identity after the models when identity is configured and nothing is selected', async () => {
    project = tempProject({ 'models/people.sql': "select 1 as id, 'a@b.c' as email, current_timestamp as ts" }, withIdentity);
    const progress: string[] = [];
    const summary = await runProject(project, { fullRefresh: true, onProgress: (line) => progress.push(line) });
    expect(summary.models.map((m) => [m.model, m.status])).toEqual([['people', 'success']]);
    expect(summary.identity).toEqual({ profiles: 7, identifiers: 9, rounds: 2, seconds: 0.1 });
    expect(buildIdentity).toHaveBeenCalledTimes(1);
    expect(buildIdentity.mock.calls[0]).toEqual([project, { full: true, onProgress: expect.any(Function) }]);
    expect(progress).toContain('identity: building the identity graph and profiles');
    // Where the run's time went, step by step in the order they ran (no predictions configured).
    expect(summary.steps.map((s) => s.step)).toEqual(['models', 'identity', 'audience base', 'snapshots']);
    for (const step of summary.steps) expect(step.seconds).toBeGreaterThanOrEqual(0);
    expect(summary.steps.reduce((sum, s) => sum + s.seconds, 0)).toBeLessThanOrEqual(summary.seconds);
  });

  it('does not build identity for a --select run', async () => {
    project = tempProject({ 'models/people.sql': 'select 1 as id' }, withIdentity);
    const summary = await runProject(project, { select: ['people'] });
    expect(summary.identity).toBeUndefined();
    expect(summary.steps.map((s) => s.step)).toEqual(['models']);
    expect(buildIdentity).not.toHaveBeenCalled();
  });

  it('does not build identity when a model fails', async () => {
    project = tempProject({ 'models/people.sql': 'select nope' }, withIdentity);
    await expect(runProject(project)).rejects.toMatchObject({ code: 'MODEL_SQL', location: { file: 'models/people.sql', line: 1 } });
    expect(buildIdentity).not.toHaveBeenCalled();
  });
});
