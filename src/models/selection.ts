import { CdpError } from '../errors.js';
import { didYouMean } from '../util/suggest.js';

/** One node a selector can pick: a model, seed, snapshot, source table or test. */
export interface SelectableNode {
  /** Unique within its kind: model/seed/test name, or `source.table` for a source. */
  name: string;
  kind: 'model' | 'seed' | 'snapshot' | 'source' | 'test';
  fqn: readonly string[];
  /** Project-relative file. */
  file: string;
  tags: readonly string[];
  config: Readonly<Record<string, unknown>>;
  /** Keys (`kind:name`) of the nodes it reads. */
  parents: readonly string[];
  /** For tests: generic or singular. */
  testType?: 'generic' | 'singular' | 'unit';
}

export const nodeKey = (node: Pick<SelectableNode, 'kind' | 'name'>): string => `${node.kind}:${node.name}`;

/** A parsed selector: `[n]+method:value+[n]` or `@value`. */
export interface ParsedSelector {
  text: string;
  method: string;
  value: string;
  /** Generations of ancestors (Infinity for `+`), 0 for none. */
  parents: number;
  children: number;
  /** `@x`: x, its descendants and all their ancestors. */
  at: boolean;
}

const METHODS = ['fqn', 'tag', 'path', 'file', 'source', 'resource_type', 'test_type', 'test_name', 'package', 'config'];

export function parseSelectorText(text: string): ParsedSelector {
  const match = /^(@)?(\d*\+)?([^+@]+?)(\+\d*)?$/.exec(text.trim());
  if (!match || !match[3]) {
    throw new CdpError('INVALID_INPUT', `invalid selector '${text}'`, { hint: 'use name, +name, name+, 2+name, name+1, @name, tag:x, path:models/x, config.materialized:table, source:raw, test_type:generic, or *' });
  }
  const [, at, up, body, down] = match;
  const colon = body!.indexOf(':');
  let method = colon > 0 ? body!.slice(0, colon) : 'fqn';
  const value = colon > 0 ? body!.slice(colon + 1) : body!;
  if (colon < 0 && (value.includes('/') || value.endsWith('.sql') || value.endsWith('.csv'))) method = 'path';
  const base = method.split('.')[0]!;
  if (!METHODS.includes(base) || (base === 'config' && !method.includes('.'))) {
    throw new CdpError('INVALID_INPUT', `selector '${text}': cdp does not support the method '${method}'`, { hint: `methods: ${METHODS.join(', ')} (config.<key>:value)` });
  }
  const depth = (part: string | undefined) => (part === undefined ? 0 : part.replace('+', '') === '' ? Infinity : Number(part.replace('+', '')));
  return { text, method, value, parents: depth(up), children: depth(down), at: at === '@' };
}

/** fnmatch-style: `*` any run, `?` one character. */
function glob(pattern: string, value: string): boolean {
  if (!/[*?[]/.test(pattern)) return pattern === value;
  const regex = new RegExp(`^${pattern.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
  return regex.test(value);
}

/** dbt's fqn match: the node name, or a dotted prefix of the fqn (with or without the package). */
function fqnMatches(value: string, node: SelectableNode): boolean {
  if (value === '*') return true;
  const parts = value.split('.');
  if (parts.length === 1 && glob(parts[0]!, node.fqn[node.fqn.length - 1]!)) return true;
  const prefix = (fqn: readonly string[]) => parts.length <= fqn.length && parts.every((part, i) => glob(part, fqn[i]!));
  return prefix(node.fqn) || prefix(node.fqn.slice(1));
}

function matches(selector: ParsedSelector, node: SelectableNode): boolean {
  const { method, value } = selector;
  switch (method.split('.')[0]) {
    case 'fqn':
      return node.kind !== 'source' && fqnMatches(value, node);
    case 'tag':
      return node.tags.some((tag) => glob(value, tag));
    case 'path':
    case 'file': {
      const path = value.replace(/\/+$/, '');
      return node.kind !== 'source' && (glob(path, node.file) || node.file.startsWith(`${path}/`) || (method === 'file' && glob(path, node.file.split('/').pop()!)));
    }
    case 'source':
      return node.kind === 'source' && (glob(value, node.name) || glob(value, node.name.split('.')[0]!));
    case 'resource_type':
      return node.kind === value;
    case 'test_type':
      return node.kind === 'test' && (node.testType === value || (value === 'data' && node.testType === 'singular') || (value === 'schema' && node.testType === 'generic'));
    case 'test_name':
      return node.kind === 'test' && glob(value, node.name);
    case 'package':
      return node.fqn[0] === value;
    case 'config': {
      const key = method.slice('config.'.length);
      const configured = node.config[key];
      if (Array.isArray(configured)) return configured.some((item) => String(item) === value);
      return configured !== undefined && configured !== null && glob(value, String(configured));
    }
    default:
      return false;
  }
}

/**
 * dbt's node selection over one set of nodes: space-separated selectors (or repeated flags) are a
 * union, comma-separated parts of one selector an intersection; `--exclude` removes what it
 * selects. Tests whose parents are all selected come along (dbt's indirect selection), unless
 * `indirectTests` is false. No selectors selects everything.
 */
export function selectNodes(nodes: readonly SelectableNode[], select: readonly string[], exclude: readonly string[] = [], options: { indirectTests?: boolean } = {}): Set<string> {
  const byKey = new Map(nodes.map((node) => [nodeKey(node), node]));
  const children = new Map<string, string[]>();
  for (const node of nodes) for (const parent of node.parents) if (byKey.has(parent)) (children.get(parent) ?? children.set(parent, []).get(parent)!).push(nodeKey(node));

  const walk = (start: string, depth: number, next: (key: string) => readonly string[], into: Set<string>) => {
    let frontier = [start];
    for (let level = 0; level < depth && frontier.length; level++) {
      const following: string[] = [];
      for (const key of frontier) {
        for (const n of next(key)) {
          if (byKey.has(n) && !into.has(n)) {
            into.add(n);
            following.push(n);
          }
        }
      }
      frontier = following;
    }
  };
  const parentsOf = (key: string) => byKey.get(key)?.parents ?? [];
  const childrenOf = (key: string) => children.get(key) ?? [];

  const evaluate = (text: string): Set<string> => {
    const selector = parseSelectorText(text);
    const base = nodes.filter((node) => matches(selector, node)).map(nodeKey);
    if (base.length === 0 && selector.method === 'fqn' && !/[*?]/.test(selector.value)) {
      const names = nodes.filter((n) => n.kind !== 'test' && n.kind !== 'source').map((n) => n.name);
      throw new CdpError('MODEL_NOT_FOUND', `--select ${text}: there is no model named ${selector.value}`, { hint: didYouMean(selector.value, names, 'models are the .sql files under the models folder, named by their file name') });
    }
    const out = new Set(base);
    for (const key of base) {
      if (selector.at) {
        const down = new Set<string>([key]);
        walk(key, Infinity, childrenOf, down);
        for (const d of down) {
          out.add(d);
          walk(d, Infinity, parentsOf, out);
        }
      }
      if (selector.parents) walk(key, selector.parents, parentsOf, out);
      if (selector.children) walk(key, selector.children, childrenOf, out);
    }
    return out;
  };
  const union = (texts: readonly string[]): Set<string> => {
    const out = new Set<string>();
    for (const text of texts.flatMap((s) => s.split(/\s+/)).filter(Boolean)) {
      const parts = text.split(',').filter(Boolean).map(evaluate);
      const intersection = parts.reduce((acc, part) => new Set([...acc].filter((key) => part.has(key))));
      for (const key of intersection) out.add(key);
    }
    return out;
  };

  const texts = select.flatMap((s) => s.split(/\s+/)).filter(Boolean);
  const chosen = texts.length ? union(texts) : new Set(nodes.filter((node) => node.kind !== 'source').map(nodeKey));
  if (options.indirectTests !== false) {
    for (const node of nodes) {
      if (node.kind === 'test' && !chosen.has(nodeKey(node)) && node.parents.length && node.parents.some((p) => chosen.has(p)) && node.parents.every((p) => chosen.has(p) || !byKey.has(p) || byKey.get(p)!.kind === 'source')) chosen.add(nodeKey(node));
    }
  }
  for (const key of union(exclude)) chosen.delete(key);
  return chosen;
}
