import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * The top-level folders of src/ form layers: an import from one folder to another must never be
 * answered by a path back (type-only imports included: a cycle of types is a cycle of ideas).
 * Extension points are hooks (e.g. privacy registers plan filters with syncs), not imports back.
 */
const SRC = resolve(import.meta.dirname, '../../../src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.tsx?$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** `src/syncs/run.ts` → `syncs`; a file directly in src/ is a node of its own (`logger.ts`). */
function folderOf(file: string): string {
  return relative(SRC, file).split(sep)[0]!;
}

type Graph = Map<string, Map<string, string[]>>;

/** Folder → folder edges, each with the imports that make it (`file → specifier`). */
function folderGraph(files: string[]): Graph {
  const graph: Graph = new Map();
  for (const file of files) {
    const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    for (const { fileName } of importedFiles) {
      if (!fileName.startsWith('.')) continue;
      const target = resolve(dirname(file), fileName);
      if (!target.startsWith(SRC + sep)) continue;
      const from = folderOf(file);
      const to = folderOf(target.replace(/\.js$/, '.ts'));
      if (from === to) continue;
      const edges = graph.get(from) ?? new Map<string, string[]>();
      graph.set(from, edges);
      edges.set(to, [...(edges.get(to) ?? []), `${relative(SRC, file)} → ${fileName}`]);
    }
  }
  return graph;
}

/** Strongly connected components with more than one folder (Tarjan). */
function cycles(graph: Graph): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const found: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    for (const w of graph.get(v)?.keys() ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (stack.includes(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      component.push(w);
    } while (w !== v);
    if (component.length > 1) found.push(component.sort());
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

/** The imports inside one cycle, to say what to untangle. */
function describeCycle(graph: Graph, component: string[]): string {
  const lines = [`cycle between ${component.join(', ')}:`];
  for (const from of component) {
    for (const [to, imports] of graph.get(from) ?? []) {
      if (component.includes(to)) lines.push(`  ${from} → ${to}: ${imports.slice(0, 3).join('; ')}${imports.length > 3 ? ` (+${imports.length - 3})` : ''}`);
    }
  }
  return lines.join('\n');
}

/**
 * File → file imports that exist at run time (type-only imports and exports left out): a cycle
 * among them makes module load order matter (a value is undefined until its module finishes).
 */
function runtimeFileGraph(files: string[]): Graph {
  const graph: Graph = new Map();
  for (const file of files) {
    const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest);
    const edges = new Map<string, string[]>();
    for (const statement of source.statements) {
      if (!(ts.isImportDeclaration(statement) || ts.isExportDeclaration(statement)) || !statement.moduleSpecifier || !ts.isStringLiteral(statement.moduleSpecifier)) continue;
      const specifier = statement.moduleSpecifier.text;
      if (!specifier.startsWith('.') || typeOnly(statement)) continue;
      const target = relative(SRC, resolve(dirname(file), specifier).replace(/\.js$/, '.ts'));
      edges.set(target, [`${relative(SRC, file)} → ${specifier}`]);
    }
    graph.set(relative(SRC, file), edges);
  }
  return graph;
}

function typeOnly(statement: ts.ImportDeclaration | ts.ExportDeclaration): boolean {
  if (ts.isExportDeclaration(statement)) {
    const clause = statement.exportClause;
    return statement.isTypeOnly || (clause !== undefined && ts.isNamedExports(clause) && clause.elements.every((e) => e.isTypeOnly));
  }
  const clause = statement.importClause;
  if (!clause) return false;
  if (clause.isTypeOnly) return true;
  const named = clause.namedBindings;
  return !clause.name && named !== undefined && ts.isNamedImports(named) && named.elements.length > 0 && named.elements.every((e) => e.isTypeOnly);
}

describe('architecture', () => {
  it('no run-time import cycles between files of src/ (e.g. identity/commit.ts ↔ identity/suppress.ts)', () => {
    const graph = runtimeFileGraph(sourceFiles(SRC));
    expect(graph.get('identity/commit.ts')?.has('identity/runner.ts')).toBe(true);
    expect(cycles(graph).map((c) => describeCycle(graph, c))).toEqual([]);
  });

  it('no import cycles between the top-level folders of src/', () => {
    const graph = folderGraph(sourceFiles(SRC));
    expect(graph.size).toBeGreaterThan(10);
    expect(cycles(graph).map((c) => describeCycle(graph, c))).toEqual([]);
  });

  it('the check finds a cycle when there is one', () => {
    const graph: Graph = new Map([
      ['syncs', new Map([['privacy', ['syncs/filters.ts → ../privacy/enforce.js']]])],
      ['privacy', new Map([['syncs', ['privacy/plugin.ts → ../syncs/index.js']], ['warehouse', ['x']]])],
      ['warehouse', new Map()],
    ]);
    expect(cycles(graph)).toEqual([['privacy', 'syncs']]);
  });

  it('logger.ts and the masking it uses import nothing of the project but each other', () => {
    const leaf = (file: string) =>
      ts
        .preProcessFile(readFileSync(join(SRC, file), 'utf8'), true, true)
        .importedFiles.map((f) => f.fileName)
        .filter((name) => name.startsWith('.'));
    expect(leaf('logger.ts')).toEqual(['./util/secret-scrub.js', './util/mask.js']);
    expect(leaf('util/secret-scrub.ts')).toEqual([]);
    expect(leaf('util/mask.ts')).toEqual([]);
  });
});
