import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument, type Document } from 'yaml';
import { CdpError } from '../../errors.js';

/** A YAML file read with enough of its parse tree kept to name the line of any key. */
export interface YamlFile {
  /** As messages show it (relative to the project). */
  file: string;
  data: unknown;
  /** The 1-based line of the value at `path`, or of its nearest parent that exists. */
  lineOf(path: ReadonlyArray<string | number>): number;
}

/** Parses YAML text; a syntax error is a CdpError at its line. */
export function parseYaml(text: string, file: string): YamlFile {
  const lines = new LineCounter();
  const document: Document = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const syntax = document.errors[0];
  if (syntax) {
    const line = syntax.linePos?.[0]?.line ?? 1;
    throw new CdpError('CONFIG_INVALID', `invalid YAML: ${syntax.message.split('\n')[0]}`, { location: { file, line }, hint: 'fix the YAML syntax (indentation, brackets, quotes)' });
  }
  const lineOf = (path: ReadonlyArray<string | number>): number => {
    for (let n = path.length; n >= 0; n--) {
      const node = document.getIn(path.slice(0, n), true) as { range?: [number, number, number] } | undefined;
      const pair = n > 0 ? findKeyNode(document, path.slice(0, n)) : undefined;
      const offset = pair ?? node?.range?.[0];
      if (offset !== undefined) return lines.linePos(offset).line;
    }
    return 1;
  };
  return { file, data: document.toJS() ?? {}, lineOf };
}

/** The offset of the key of the last path element, so a line points at `key:` rather than its value. */
function findKeyNode(document: Document, path: ReadonlyArray<string | number>): number | undefined {
  const parent = document.getIn(path.slice(0, -1), true) as { items?: Array<{ key?: { value?: unknown; range?: [number, number, number] }; range?: [number, number, number] }> } | undefined;
  const last = path[path.length - 1];
  if (!parent?.items) return undefined;
  if (typeof last === 'number') return parent.items[last]?.range?.[0];
  return parent.items.find((item) => item.key?.value === last)?.key?.range?.[0];
}

export function readYamlFile(path: string, file: string): YamlFile {
  return parseYaml(readFileSync(path, 'utf8'), file);
}
