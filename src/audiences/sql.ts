import { existsSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import type { Project } from '../project/index.js';
import { getDialect, type Dialect, type DialectName } from '../warehouse/index.js';
import { audienceCatalog } from './catalog.js';
import { AudienceQueryBuilder, indent, PROFILE_ALIAS, type AudienceTables } from './compile.js';
import { checkSplitName, SPLIT_COLUMN, splitSalt, splitSql } from './splits.js';
import { AUDIENCE_FILE_EXTENSIONS, audienceOfFile, readAudienceFile } from './files.js';
import { definitionOf, projectResolver, type AudienceInput } from './library.js';
import { resolveAudience, type ResolvedAudience } from './resolve.js';

/** Checks a definition (or the audience with this name) against the warehouse's tables. */
export async function validateAudience(project: Project, input: AudienceInput): Promise<ResolvedAudience> {
  return resolveAudience(await definitionOf(project, input), projectResolver(project));
}

export function audienceTables(project: Project): AudienceTables {
  const catalog = audienceCatalog(project);
  return { profiles: catalog.profiles, resolvedRecords: catalog.resolvedRecords };
}

/**
 * `SELECT p.* FROM <schema>.profiles p ... WHERE ...` for a resolved audience; with splits, each
 * member's group in a `split` column, and with `split` only that group's members.
 */
export function membersSql(resolved: ResolvedAudience, dialect: Dialect, tables: AudienceTables, options: { split?: string } = {}): string {
  const builder = new AudienceQueryBuilder(dialect, tables);
  const where = builder.predicate(resolved.where);
  const { splits } = resolved.definition;
  const group = splits ? `,\n  ${splitSql(dialect, splits, splitSalt(resolved.definition))} AS ${dialect.quoteIdent(SPLIT_COLUMN)}` : '';
  const sql = `${builder.with()}SELECT ${PROFILE_ALIAS}.*${group}\n${builder.from()}\nWHERE ${where}`;
  if (options.split === undefined) return sql;
  // The group is a window expression when stratified: filtered outside the query that computes it.
  return `SELECT m.*\nFROM (\n${indent(sql)}\n) AS m\nWHERE m.${dialect.quoteIdent(SPLIT_COLUMN)} = ${dialect.literal(options.split)}`;
}

async function dialectFor(project: Project, dialect: Dialect | DialectName | undefined): Promise<Dialect> {
  if (dialect === undefined) return (await project.warehouse()).dialect;
  return typeof dialect === 'string' ? getDialect(dialect) : dialect;
}

/**
 * The audience as one query: every column of `profiles`, one row per member. The warehouse's own
 * catalog types the conditions; `dialect` (default: the warehouse's) chooses the SQL written.
 */
export async function compileAudience(project: Project, definition: AudienceInput, dialect?: Dialect | DialectName): Promise<{ sql: string }> {
  const resolved = await validateAudience(project, definition);
  return { sql: membersSql(resolved, await dialectFor(project, dialect), audienceTables(project)) };
}

/** The members query of a named audience (or of one of its split groups), in the warehouse's dialect (what syncs read). */
export async function audienceMembersSql(project: Project, name: string, options: { split?: string } = {}): Promise<string> {
  const resolved = await validateAudience(project, name);
  if (options.split !== undefined) checkSplitName(resolved.definition, options.split, name);
  return membersSql(resolved, (await project.warehouse()).dialect, audienceTables(project), options);
}

/**
 * For `cdp compile <name> --dialect d` when `<name>` is not a model: the audience's SQL. `name`
 * may also be the path of an audience file.
 */
export async function compileAudienceForCli(project: Project, name: string, dialectName?: DialectName): Promise<string> {
  let input: AudienceInput = name;
  if (AUDIENCE_FILE_EXTENSIONS.includes(extname(name).toLowerCase())) {
    // A path relative to where the command runs, or to the project.
    const path = [resolve(name), project.path(name)].find((candidate) => existsSync(candidate));
    if (path) {
      const file = await readAudienceFile(path, project.dir);
      input = audienceOfFile(file);
    }
  }
  return (await compileAudience(project, input, dialectName)).sql;
}
