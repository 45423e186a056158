import nunjucks from 'nunjucks';

/** The part of a nunjucks AST node we read. The parser is nunjucks' own (undocumented but stable since 2.x). */
interface AstNode {
  typename: string;
  lineno: number;
  [field: string]: unknown;
}

/** One call of a template function as written: its name, literal arguments (null when not literal) and 1-based line. */
export interface WrittenCall {
  name: string;
  args: Array<string | number | boolean | null>;
  line: number;
}

const parser = (nunjucks as unknown as { parser: { parse(src: string): unknown } }).parser;

function isNode(value: unknown): value is AstNode {
  return typeof value === 'object' && value !== null && typeof (value as { typename?: unknown }).typename === 'string';
}

/**
 * Calls of the named functions in a template, found in nunjucks' parse tree (not by pattern
 * matching the text). Rendering tells us which calls happen; this tells us where they are written.
 * Returns [] when the template does not parse (rendering reports that error).
 */
export function findCalls(template: string, names: ReadonlySet<string>): WrittenCall[] {
  let root: unknown;
  try {
    root = parser.parse(template);
  } catch {
    return [];
  }
  const calls: WrittenCall[] = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      node.forEach(visit);
      return;
    }
    if (!isNode(node)) return;
    if (node.typename === 'FunCall') {
      const callee = node.name;
      if (isNode(callee) && callee.typename === 'Symbol' && typeof callee.value === 'string' && names.has(callee.value)) {
        const argList = node.args;
        const children = isNode(argList) && Array.isArray(argList.children) ? (argList.children as unknown[]) : [];
        const args = children
          .filter((child) => !(isNode(child) && child.typename === 'KeywordArgs'))
          .map((child) => (isNode(child) && child.typename === 'Literal' ? literalValue(child.value) : null));
        calls.push({ name: callee.value, args, line: node.lineno + 1 });
      }
    }
    for (const [key, value] of Object.entries(node)) {
      if (key !== 'typename' && typeof value === 'object') visit(value);
    }
  };
  visit(root);
  return calls.sort((a, b) => a.line - b.line);
}

function literalValue(value: unknown): string | number | boolean | null {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? value : null;
}

/** The line of the written call that best matches a call made while rendering. */
export function lineOfCall(calls: readonly WrittenCall[], name: string, args: readonly unknown[], fallback: number): number {
  const sameName = calls.filter((call) => call.name === name);
  const exact = sameName.find((call) => call.args.length === args.length && call.args.every((arg, i) => arg === args[i]));
  if (exact) return exact.line;
  // A call with computed arguments (e.g. inside a loop) is the next best guess.
  const computed = sameName.find((call) => call.args.some((arg) => arg === null));
  return (computed ?? sameName[0])?.line ?? fallback;
}
