import { CdpError } from '../errors.js';
import { plainEnv } from './model.js';
import type { RenderEnv } from './render-env.js';
import type { Seed } from './seeds.js';
import type { Snapshot } from './snapshots.js';
import { selectNodes, type SelectableNode } from './selection.js';
import type { Model } from './types.js';

/** A selector of `--select`: `name`, `+name` (with ancestors), `name+` (with descendants), `+name+`. */
export interface Selector {
  name: string;
  ancestors: boolean;
  descendants: boolean;
}

export function parseSelector(text: string): Selector {
  const match = /^(\+?)([^+]+)(\+?)$/.exec(text.trim());
  if (!match) {
    throw new CdpError('INVALID_INPUT', `invalid selector '${text}'`, { hint: 'use name, +name (with ancestors), name+ (with descendants) or +name+' });
  }
  return { name: match[2]!, ancestors: match[1] === '+', descendants: match[3] === '+' };
}

/**
 * The models and their ref edges. Construction checks the graph is acyclic, so every method can
 * rely on a topological order existing.
 */
export class ModelGraph {
  private readonly byName: ReadonlyMap<string, Model>;
  private readonly childrenOf = new Map<string, string[]>();
  /** All models, parents before children; ties broken by name so runs are repeatable. */
  readonly ordered: readonly Model[];

  /** What templates resolve against: every model's and seed's relation, sources, target, vars, macros. */
  readonly env: RenderEnv;

  constructor(
    models: readonly Model[],
    env?: RenderEnv,
    /** The project's seeds (refs may point at them; `cdp seed` and `cdp build` load them). */
    readonly seeds: readonly Seed[] = [],
    /** The project's snapshots (`cdp snapshot` and `cdp build` run them). */
    readonly snapshots: readonly Snapshot[] = [],
  ) {
    this.byName = new Map(models.map((model) => [model.name, model]));
    this.env = env ?? plainEnv(new Set(this.byName.keys()), models[0]?.relation.schema ?? 'main');
    for (const model of models) this.childrenOf.set(model.name, []);
    for (const model of models) {
      for (const ref of model.refs) this.childrenOf.get(ref.name)?.push(model.name);
    }
    this.ordered = this.topologicalOrder();
  }

  get models(): readonly Model[] {
    return this.ordered;
  }

  get names(): ReadonlySet<string> {
    return new Set(this.byName.keys());
  }

  get(name: string): Model | undefined {
    return this.byName.get(name);
  }

  /** The models a model refs (refs to seeds are not edges of the model DAG). */
  parents(name: string): string[] {
    return (this.byName.get(name)?.refs ?? []).map((ref) => ref.name).filter((parent) => this.byName.has(parent));
  }

  children(name: string): string[] {
    return [...(this.childrenOf.get(name) ?? [])];
  }

  /** Models matching the selectors (dbt's syntax), in build order; all models when there are none. */
  select(selectors: readonly string[], exclude: readonly string[] = []): Model[] {
    return this.selectNodes(selectors, exclude).models;
  }

  /** Models and seeds matching dbt selectors, each in build order. */
  selectNodes(selectors: readonly string[], exclude: readonly string[] = []): { models: Model[]; seeds: Seed[]; snapshots: Snapshot[]; keys: Set<string> } {
    const keys = selectNodes(this.selectable(), selectors, exclude, { indirectTests: false });
    return {
      models: this.ordered.filter((model) => keys.has(`model:${model.name}`)),
      seeds: this.seeds.filter((seed) => keys.has(`seed:${seed.name}`)),
      snapshots: this.snapshots.filter((snapshot) => keys.has(`snapshot:${snapshot.name}`)),
      keys,
    };
  }

  /** Every model, seed and source as selection sees them. */
  selectable(): SelectableNode[] {
    const kindOf = (name: string) => this.env.nodes.get(name)?.kind ?? 'model';
    const sources = new Map<string, SelectableNode>();
    for (const [source, tables] of this.env.sources) {
      for (const table of tables.values()) sources.set(`${source}.${table.table}`, { name: `${source}.${table.table}`, kind: 'source', fqn: [this.env.projectName, source, table.table], file: table.file, tags: [], config: {}, parents: [] });
    }
    const models = this.ordered.map((model): SelectableNode => {
      for (const call of model.sources) {
        const name = `${call.source}.${call.table}`;
        if (!sources.has(name)) sources.set(name, { name, kind: 'source', fqn: [this.env.projectName, call.source, call.table], file: model.file, tags: [], config: {}, parents: [] });
      }
      return {
        name: model.name,
        kind: 'model',
        fqn: model.fqn,
        file: model.file,
        tags: model.config.tags,
        config: model.settings,
        parents: [...model.refs.map((ref) => `${kindOf(ref.name)}:${ref.name}`), ...model.sources.map((call) => `source:${call.source}.${call.table}`)],
      };
    });
    const seeds = this.seeds.map((seed): SelectableNode => ({ name: seed.name, kind: 'seed', fqn: seed.fqn, file: seed.file, tags: seed.settings.tags ?? [], config: seed.settings, parents: [] }));
    const snapshots = this.snapshots.map((snapshot): SelectableNode => ({
      name: snapshot.name,
      kind: 'snapshot',
      fqn: snapshot.node.fqn,
      file: snapshot.file,
      tags: snapshot.node.config.tags,
      config: snapshot.node.settings,
      parents: [...snapshot.node.refs.map((ref) => `${kindOf(ref.name)}:${ref.name}`), ...snapshot.node.sources.map((call) => `source:${call.source}.${call.table}`)],
    }));
    return [...seeds, ...snapshots, ...models, ...sources.values()];
  }

  private topologicalOrder(): Model[] {
    const cycle = this.findCycle();
    if (cycle) throw cycleError(cycle.map((name) => this.byName.get(name)!));
    const waiting = new Map<string, number>();
    for (const model of this.byName.values()) waiting.set(model.name, this.parents(model.name).length);
    const ready = [...waiting].filter(([, n]) => n === 0).map(([name]) => name);
    const order: Model[] = [];
    while (ready.length) {
      ready.sort();
      const name = ready.shift()!;
      order.push(this.byName.get(name)!);
      for (const child of this.childrenOf.get(name) ?? []) {
        const left = waiting.get(child)! - 1;
        waiting.set(child, left);
        if (left === 0) ready.push(child);
      }
    }
    return order;
  }

  /** A cycle as a path of names ending where it starts (`a, b, a`), or undefined. */
  private findCycle(): string[] | undefined {
    const state = new Map<string, 'visiting' | 'done'>();
    const path: string[] = [];
    const visit = (name: string): string[] | undefined => {
      state.set(name, 'visiting');
      path.push(name);
      for (const parent of this.parents(name)) {
        if (state.get(parent) === 'visiting') return [...path.slice(path.indexOf(parent)), parent];
        if (!state.has(parent) && this.byName.has(parent)) {
          const found = visit(parent);
          if (found) return found;
        }
      }
      path.pop();
      state.set(name, 'done');
      return undefined;
    };
    for (const name of [...this.byName.keys()].sort()) {
      if (!state.has(name)) {
        const found = visit(name);
        if (found) return found;
      }
    }
    return undefined;
  }
}

/**
 * `a -> b -> a` reads "a depends on b, which depends on a". The error points at the ref that
 * closes the loop in the first model and lists every file involved.
 */
function cycleError(cycle: Model[]): CdpError {
  const names = cycle.map((model) => model.name);
  const first = cycle[0]!;
  const second = cycle[1]!;
  const line = first.refs.find((ref) => ref.name === second.name)?.line;
  const files = [...new Set(cycle.map((model) => model.file))];
  const self = cycle.length === 2 && first.name === second.name;
  return new CdpError('MODEL_CYCLE', `ref cycle: ${names.join(' -> ')} (files: ${files.join(', ')})`, {
    location: { file: first.file, line },
    hint: self ? 'a model cannot ref itself; use {{ this }} for its own relation' : 'remove one of these refs so the models form a DAG',
  });
}
