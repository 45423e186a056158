import { afterEach, describe, expect, it } from 'vitest';
import { loadModels, parseSelector, type ModelGraph } from '../../../src/models/index.js';
import type { Project } from '../../../src/project/index.js';
import { errorOf, removeProject, tempProject } from './fixture.js';

let project: Project | undefined;
afterEach(() => {
  if (project) removeProject(project);
  project = undefined;
});

function load(files: Record<string, string>): ModelGraph {
  project = tempProject(files);
  return loadModels(project);
}

const ref = (...names: string[]) => `select 1 as id ${names.map((n) => `union all select id from {{ ref('${n}') }}`).join(' ')}`;

//   a   b
//    \ / \
//     c   d
//     |
//     e       f (alone)
const diamond = {
  'models/a.sql': ref(),
  'models/b.sql': ref(),
  'models/c.sql': ref('a', 'b'),
  'models/d.sql': ref('b'),
  'models/e.sql': ref('c'),
  'models/f.sql': ref(),
};

describe('model DAG', () => {
  it('orders parents before children, ties by name', () => {
    const graph = load(diamond);
    expect(graph.models.map((m) => m.name)).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
    expect(graph.parents('c')).toEqual(['a', 'b']);
    expect(graph.children('b')).toEqual(['c', 'd']);
  });

  it('orders a chain declared in reverse name order', () => {
    const graph = load({ 'models/z.sql': ref(), 'models/y.sql': ref('z'), 'models/x.sql': ref('y') });
    expect(graph.models.map((m) => m.name)).toEqual(['z', 'y', 'x']);
  });

  it.each([
    [['c'], ['c']],
    [['+c'], ['a', 'b', 'c']],
    [['b+'], ['b', 'c', 'd', 'e']],
    [['+c+'], ['a', 'b', 'c', 'e']],
    [['e', 'f'], ['e', 'f']],
    [['+e d'], ['a', 'b', 'c', 'd', 'e']],
    // A comma intersects, as in dbt: a,+c is a; a,f is nothing.
    [['a,+c'], ['a']],
    [['a,f'], []],
    [[], ['a', 'b', 'c', 'd', 'e', 'f']],
  ])('--select %j builds %j', (selectors, expected) => {
    expect(load(diamond).select(selectors).map((m) => m.name)).toEqual(expected);
  });

  it('an unknown selected model is an error with the closest name', async () => {
    const graph = load({ 'models/stg_orders.sql': ref() });
    const error = await errorOf(() => graph.select(['+stg_ordrs']));
    expect(error).toMatchObject({ code: 'MODEL_NOT_FOUND', hint: "did you mean 'stg_orders'?" });
    expect(error.message).toBe('--select +stg_ordrs: there is no model named stg_ordrs');
  });

  it('parses selectors', () => {
    expect(parseSelector('+a+')).toEqual({ name: 'a', ancestors: true, descendants: true });
    expect(parseSelector('a')).toEqual({ name: 'a', ancestors: false, descendants: false });
    expect(() => parseSelector('++')).toThrow(/invalid selector/);
  });
});

describe('ref cycles', () => {
  it('names the cycle and the files', async () => {
    const error = await errorOf(() =>
      load({ 'models/a.sql': "select * from\n{{ ref('b') }}", 'models/sub/b.sql': "select * from {{ ref('a') }}", 'models/c.sql': ref('a') }),
    );
    expect(error).toMatchObject({ code: 'MODEL_CYCLE', location: { file: 'models/a.sql', line: 2 } });
    expect(error.message).toBe('ref cycle: a -> b -> a (files: models/a.sql, models/sub/b.sql)');
  });

  it('finds a longer cycle behind acyclic models', async () => {
    const error = await errorOf(() => load({ 'models/a.sql': ref(), 'models/p.sql': ref('a', 'r'), 'models/q.sql': ref('p'), 'models/r.sql': ref('q') }));
    expect(error.message).toBe('ref cycle: p -> r -> q -> p (files: models/p.sql, models/r.sql, models/q.sql)');
  });

  it('a model that refs itself is told to use {{ this }}', async () => {
    const error = await errorOf(() => load({ 'models/me.sql': ref('me') }));
    expect(error).toMatchObject({ code: 'MODEL_CYCLE', location: { file: 'models/me.sql', line: 1 } });
    expect(error.message).toBe('ref cycle: me -> me (files: models/me.sql)');
    expect(error.hint).toContain('{{ this }}');
  });
});
