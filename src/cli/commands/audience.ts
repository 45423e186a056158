import { resolve } from 'node:path';
import type { Command } from 'commander';
import {
  audienceOverlap,
  countAudience,
  isSavedPriorityList,
  listAudiences,
  listPriorityLists,
  loadPriorityList,
  parsePriorityList,
  previewAudience,
  priorityListCounts,
  priorityListSql,
  readAudienceFile,
  audienceOfFile,
  snapshotAudience,
  type AudienceInput,
} from '../../audiences/index.js';
import { csvCell, csvLine } from '../../util/csv.js';
import { CdpError } from '../../errors.js';
import type { Project } from '../../project/index.js';
import { inProject, say, withProject } from '../context.js';
import { formatTable } from '../table.js';
import { readableSql } from '../../warehouse/index.js';

type Format = 'table' | 'csv' | 'json';

interface InputOptions {
  project?: string;
  file?: string;
}

/** `cdp audience list|count|preview|overlap|snapshot`. */
export function register(program: Command): void {
  const audience = program.command('audience').description('count, preview and compare audiences');

  withProject(audience.command('list').description('list audiences (YAML files in audiences/ and those saved in the UI)'))
    .option('--format <format>', 'table or json', 'table')
    .action(async (options: { project?: string; format: string }) => {
      const format = parseFormat(options.format, ['table', 'json']);
      await inProject(options, async (project) => {
        const [audiences, lists] = await Promise.all([listAudiences(project), listPriorityLists(project)]);
        if (format === 'json') return say(JSON.stringify(audiences, null, 2));
        if (audiences.length === 0) return say(`no audiences yet: add YAML files to ${project.config.audiences.path}/ or save one in the UI`);
        say(
          table(
            ['name', 'origin', 'where', 'description'],
            audiences.map((a) => [a.name, a.origin, a.file ?? 'state store', a.error ? `INVALID: ${a.error}` : (a.description ?? '')]),
          ),
        );
        if (lists.length === 0) return;
        say('');
        say(table(['priority list', 'origin', 'where', 'audiences (first holding a profile wins)'], lists.map((l) => [l.name, l.origin, l.file ?? 'state store', l.priority.join(' > ')])));
      });
    });

  withProject(audience.command('count [name]').description('number of profiles in the audience'))
    .option('--file <file>', 'an audience definition file (YAML or JSON) instead of a name')
    .action(async (name: string | undefined, options: InputOptions) => {
      await inProject(options, async (project) => {
        say(String(await countAudience(project, await inputOf(project, name, options))));
      });
    });

  withProject(audience.command('preview [name]').description('count, how each condition narrows it, and a sample of members'))
    .option('--file <file>', 'an audience definition file (YAML or JSON) instead of a name')
    .option('--limit <n>', 'members in the sample', '20')
    .option('--traits <list>', 'comma-separated traits to show (default: all)')
    .option('--format <format>', 'table, csv (the sample only) or json', 'table')
    .action(async (name: string | undefined, options: InputOptions & { limit: string; traits?: string; format: string }) => {
      const format = parseFormat(options.format, ['table', 'csv', 'json']);
      const limit = Number(options.limit);
      if (!Number.isInteger(limit) || limit < 0) throw new CdpError('INVALID_INPUT', `--limit must be a whole number, got ${options.limit}`);
      const traits = options.traits
        ?.split(',')
        .map((t) => t.trim())
        .filter(Boolean);
      await inProject(options, async (project) => {
        const input = await inputOf(project, name, options);
        const preview = await previewAudience(project, input, { limit, traits });
        if (format === 'json') return say(JSON.stringify(preview, jsonValue, 2));
        if (format === 'csv') {
          process.stdout.write(toCsv(preview.columns, preview.sample.map((row) => preview.columns.map((c) => row[c]))));
          return;
        }
        const label = typeof input === 'string' ? input : (input.name ?? options.file ?? 'audience');
        say(`${label}: ${preview.count} of ${preview.total} profiles (${percent(preview.count, preview.total)})`);
        if (preview.steps.length > 1) {
          say('');
          say(table(['step', 'members', 'condition'], preview.steps.map((s, i) => [String(i + 1), String(s.count), s.label])));
        }
        if (preview.sample.length > 0) {
          say('');
          say(table(preview.columns, preview.sample.map((row) => preview.columns.map((c) => cell(row[c])))));
        }
      });
    });

  withProject(audience.command('overlap <names...>').description('profiles in each combination of two or more audiences'))
    .option('--format <format>', 'table or json', 'table')
    .action(async (names: string[], options: { project?: string; format: string }) => {
      const format = parseFormat(options.format, ['table', 'json']);
      await inProject(options, async (project) => {
        const overlap = await audienceOverlap(project, names);
        if (format === 'json') return say(JSON.stringify(overlap, null, 2));
        const rows = [
          ...overlap.sizes.map((s) => [s.audience, String(s.count), percent(s.count, overlap.total)]),
          ...overlap.intersections.map((i) => [i.audiences.join(' ∩ '), String(i.count), percent(i.count, overlap.total)]),
        ];
        say(table(['audiences', 'profiles', 'of all'], rows));
      });
    });

  withProject(
    audience
      .command('priority <names...>')
      .description('a priority list (a saved list\'s name, or audiences in order): each profile counted once, in the first audience that holds it'),
  )
    .option('--name <name>', 'the list\'s name (for messages; a list of audiences only)', 'priority_list')
    .option('--slot <audience>', 'print the SQL of one slot\'s members instead of the counts')
    .option('--format <format>', 'table or json', 'table')
    .action(async (audiences: string[], options: { project?: string; name: string; slot?: string; format: string }) => {
      const format = parseFormat(options.format, ['table', 'json']);
      await inProject(options, async (project) => {
        const saved = audiences.length === 1 && (await isSavedPriorityList(project, audiences[0]!));
        const list = saved ? await loadPriorityList(project, audiences[0]!) : parsePriorityList({ name: options.name, priority: audiences });
        if (options.slot !== undefined) return say(readableSql(await priorityListSql(project, list, { slot: options.slot }), (await project.warehouse()).dialect));
        const counts = await priorityListCounts(project, list);
        if (format === 'json') return say(JSON.stringify(counts, null, 2));
        say(table(['audience', 'profiles', 'of all'], counts.slots.map((s) => [s.audience, String(s.count), percent(s.count, counts.total)])));
      });
    });

  withProject(audience.command('snapshot <name>').description('record current members; who entered and left since the last snapshot'))
    .option('--format <format>', 'table or json', 'table')
    .action(async (name: string, options: { project?: string; format: string }) => {
      const format = parseFormat(options.format, ['table', 'json']);
      await inProject(options, async (project) => {
        const snapshot = await snapshotAudience(project, name);
        if (format === 'json') return say(JSON.stringify(snapshot, null, 2));
        say(`${name}: ${snapshot.size} members (${snapshot.entered} entered, ${snapshot.left} left) in ${snapshot.milliseconds} ms`);
      });
    });
}

async function inputOf(project: Project, name: string | undefined, options: InputOptions): Promise<AudienceInput> {
  if (options.file) {
    if (name) throw new CdpError('INVALID_INPUT', 'give an audience name or --file, not both');
    const file = await readAudienceFile(resolve(options.file), project.dir);
    return audienceOfFile(file);
  }
  if (!name) throw new CdpError('INVALID_INPUT', 'which audience?', { hint: 'give its name (see `cdp audience list`) or --file <definition.yaml>' });
  return name;
}

function parseFormat(value: string, allowed: Format[]): Format {
  if (!(allowed as string[]).includes(value)) {
    throw new CdpError('INVALID_INPUT', `unknown --format ${value}`, { hint: `use one of: ${allowed.join(', ')}` });
  }
  return value as Format;
}

function percent(part: number, total: number): string {
  return total === 0 ? '0%' : `${((100 * part) / total).toFixed(1)}%`;
}

const cell = csvCell;

function jsonValue(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
}

/** Left-aligned columns; multi-line values shown on one line. */
export function table(header: string[], rows: string[][]): string {
  return formatTable(
    header,
    rows.map((r) => r.map((c) => c.replace(/\s*\n\s*/g, ' '))),
  );
}

/** RFC 4180 CSV with a header line (src/util/csv.ts). */
export function toCsv(header: string[], rows: unknown[][]): string {
  return [header, ...rows].map((r) => csvLine(r)).join('');
}
