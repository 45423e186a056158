import { basename, extname } from 'node:path';
import { LineCounter, parseDocument, isNode } from 'yaml';
import type { z } from 'zod';
import { formatPath } from '../errors.js';
import { AudienceError, invalid, type PathParts } from './errors.js';
import { audienceDefinitionSchema, priorityListSchema, type AudienceDefinition, type NamedAudienceDefinition, type PriorityListDefinition } from './schema.js';

/** Where a definition came from, so later (semantic) errors can name the file and line. */
interface Provenance {
  file: string;
  lineOf: (path: PathParts) => number | undefined;
}
const provenance = new WeakMap<object, Provenance>();

/** Validates the structure of a definition (an object from JSON, YAML or an HTTP body). */
export function parseAudienceDefinition(value: unknown): AudienceDefinition {
  const parsed = audienceDefinitionSchema.safeParse(value);
  if (!parsed.success) throw structureError(parsed.error);
  // Re-parsing a definition read from a file keeps its file for error messages.
  const source = typeof value === 'object' && value !== null ? provenance.get(value) : undefined;
  if (source) provenance.set(parsed.data, source);
  return parsed.data;
}

/** Checks a priority list's shape (not its audiences); errors point at `priority[i]`. */
export function parsePriorityList(value: unknown): PriorityListDefinition {
  const parsed = priorityListSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
  throw invalid(`invalid priority list: ${issue.message}`, path, 'a priority list is { name, priority: [audience, ...] }');
}

/** What one file of the audiences folder holds: an audience, or (with `priority:`) a priority list. */
export type AudienceFileContent = { kind: 'audience'; definition: NamedAudienceDefinition } | { kind: 'priority_list'; list: PriorityListDefinition };

/**
 * Parses a YAML (or JSON) audience file. The name defaults to the file name without extension.
 * Errors carry the file, the line and the field path.
 */
export function parseAudienceFile(text: string, file: string): NamedAudienceDefinition {
  const content = parseAudienceFolderFile(text, file);
  if (content.kind === 'audience') return content.definition;
  throw new AudienceError('AUDIENCE_INVALID', `${file} is a priority list, not an audience`, ['priority'], { file, line: 1, hint: 'use `cdp audience priority <name>` for priority lists' });
}

/** Parses a file of the audiences folder: a mapping with `priority:` is a priority list, any other an audience. */
export function parseAudienceFolderFile(text: string, file: string): AudienceFileContent {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false });
  if (document.errors.length > 0) {
    const first = document.errors[0]!;
    const line = lineCounter.linePos(first.pos[0]).line;
    throw new AudienceError('AUDIENCE_INVALID', `invalid YAML: ${first.message.split('\n')[0]}`, [], {
      file,
      line,
      hint: 'fix the YAML syntax',
    });
  }
  const lineOf = (path: PathParts): number | undefined => {
    // The deepest node that exists on the path: a missing key points at its parent.
    for (let depth = path.length; depth >= 0; depth--) {
      const node: unknown = depth === 0 ? document.contents : document.getIn(path.slice(0, depth), true);
      if (isNode(node) && node.range) return lineCounter.linePos(node.range[0]).line;
    }
    return undefined;
  };
  const value: unknown = document.toJS();
  const stem = basename(file, extname(file));
  try {
    if (isPriorityListShape(value)) return { kind: 'priority_list', list: parsePriorityList({ ...value, name: value.name ?? stem }) };
    const definition = parseAudienceDefinition(value);
    const named: NamedAudienceDefinition = { ...definition, name: definition.name ?? stem };
    provenance.set(named, { file, lineOf });
    return { kind: 'audience', definition: named };
  } catch (error) {
    if (error instanceof AudienceError) throw error.inFile(file, lineOf(error.pathParts));
    throw error;
  }
}

/** A stored or written definition with a `priority` key is a priority list. */
export function isPriorityListShape(value: unknown): value is Record<string, unknown> & { name?: unknown } {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && 'priority' in value;
}

/** Adds the file and line of the definition's source to an error raised while resolving it. */
export function locateError(definition: object, error: unknown): unknown {
  const source = provenance.get(definition);
  if (!source || !(error instanceof AudienceError) || error.location.file) return error;
  return error.inFile(source.file, source.lineOf(error.pathParts));
}

function structureError(error: z.ZodError): AudienceError {
  const issue = error.issues[0]!;
  const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
  const more = error.issues.length > 1 ? ` (and ${error.issues.length - 1} more problem(s))` : '';
  return new AudienceError('AUDIENCE_INVALID', `invalid audience definition: ${issue.message}${more}`, path, {
    hint: hintFor(path),
  });
}

function hintFor(path: PathParts): string {
  const last = path[path.length - 1];
  if (last === 'op') return 'see docs/audiences.md for the operators each kind of condition takes';
  if (last === 'value') return 'check the value the operator expects (see docs/audiences.md)';
  return `fix the definition at ${formatPath(path) || 'the top level'}; see docs/audiences.md for the shape`;
}
