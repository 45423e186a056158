import { CdpError } from '../errors.js';
import { didYouMean } from '../util/suggest.js';
import { plainEnv } from './model.js';
import type { RenderEnv } from './render-env.js';
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

  constructor(models: readonly Model[], env?: RenderEnv) {
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

  /** Models matching the selectors, in build order; all models when there are none. */
  select(selectors: readonly string[]): Model[] {
    const texts = selectors.flatMap((s) => s.split(/[\s,]+/)).filter((s) => s !== '');
    if (texts.length === 0) return [...this.ordered];
    const chosen = new Set<string>();
    for (const text of texts) {
      const selector = parseSelector(text);
      if (!this.byName.has(selector.name)) {
        throw new CdpError('MODEL_NOT_FOUND', `--select ${text}: there is no model named ${selector.name}`, {
          hint: didYouMean(selector.name, this.byName.keys(), 'models are the .sql files under the models folder, named by their file name'),
        });
      }
      chosen.add(selector.name);
      if (selector.ancestors) this.walk(selector.name, (n) => this.parents(n), chosen);
      if (selector.descendants) this.walk(selector.name, (n) => this.children(n), chosen);
    }
    return this.ordered.filter((model) => chosen.has(model.name));
  }

  private walk(start: string, next: (name: string) => string[], into: Set<string>): void {
    const stack = [start];
    const seen = new Set<string>([start]);
    while (stack.length) {
      for (const neighbour of next(stack.pop()!)) {
        if (seen.has(neighbour)) continue;
        seen.add(neighbour);
        into.add(neighbour);
        stack.push(neighbour);
      }
    }
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
