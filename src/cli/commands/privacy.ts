import { chmodSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { CdpError } from '../../errors.js';
import { logger } from '../../logger.js';
import type { DeletionReport } from '../../privacy/requests/index.js';
import type { Project } from '../../project/index.js';
import { createContext } from '../../server/index.js';
import { PrivacyService } from '../../server/services/privacy.js';
import { cliActor, inProject, say, withProject } from '../context.js';
import { formatCount, formatTable } from '../table.js';

interface Flags {
  project?: string;
}

/** The service, so that syncs made in the UI (and their stored secrets) are reached too. */
async function service(project: Project): Promise<PrivacyService> {
  // Quiet: the development-key warning must not end up in an export written to stdout.
  const ctx = await createContext(project, { logger: logger.child({}, { level: 'error' }) });
  return new PrivacyService(ctx);
}

async function confirm(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    const answer = await new Promise<string>((done) => rl.question(question, done));
    return answer.trim().toLowerCase() === 'yes';
  } finally {
    rl.close();
  }
}

const n = formatCount;
const table = (header: string[], rows: string[][]): string => formatTable(header, rows);

function printDeletion(report: DeletionReport): void {
  const verb = report.dryRun ? 'would' : 'did';
  say(`${report.dryRun ? 'dry run (nothing changed)' : `request ${report.requestId}`}: ${report.idType} sha256:${report.valueSha256.slice(0, 16)}…`);
  say(`profiles found: ${n(report.profilesFound)}${report.formerProfileIds ? ` (+${n(report.formerProfileIds)} earlier id(s) from merges)` : ''}`);
  const byType = Object.entries(report.identifiers.byType).map(([type, count]) => `${type} ${n(count)}`).join(', ');
  say(`identifiers suppressed: ${n(report.identifiers.total)} (${byType})${report.identifiers.alreadySuppressed ? `, ${n(report.identifiers.alreadySuppressed)} already` : ''}`);
  const deleted = report.warehouse.filter((t) => t.rows > 0);
  say(`warehouse rows ${report.dryRun ? 'to delete' : 'deleted'}: ${deleted.length ? deleted.map((t) => `${t.table} ${n(t.rows)}`).join(', ') : 'none'}`);
  if (report.destinations.length) {
    say('');
    say(
      table(
        ['sync', 'destination', 'action', 'rows', 'status', 'errors'],
        report.destinations.map((d) => [d.sync, d.destinationType ?? '-', d.action, n(d.rows), d.status, d.errors.slice(0, 2).join('; ') || (d.note ?? '')]),
      ),
    );
  } else say(`destinations: none ${verb === 'would' ? 'holds' : 'held'} this person`);
  const still = report.sourceRecords.filter((s) => s.records > 0);
  if (still.length) {
    say('');
    say('still in your source tables (not deleted by the platform; remove them at the source):');
    for (const s of still) {
      const what = s.kind === 'consent' ? `consent source ${s.source}` : s.source;
      say(`  ${what} (${s.relation}): ${n(s.records)} row(s)`);
      // A model is rebuilt from its upstream tables: deleting in it achieves nothing.
      if (s.upstream) {
        say(
          s.upstream.length
            ? `    ${s.relation} is a model built from ${s.upstream.join(', ')}: delete the rows there`
            : `    ${s.relation} is a model reading no source() table: delete the rows in the tables it reads`,
        );
      }
    }
  }
  for (const note of report.notes) say(`note: ${note}`);
}

export function register(program: Command): void {
  const privacy = program.command('privacy').description('right to erasure and right of access requests');

  withProject(
    privacy
      .command('delete <id_type> <value>')
      .description('erase a person: suppress their identifiers, delete them at destinations, delete their warehouse rows')
      .option('--dry-run', 'show what would happen; change nothing')
      .option('--yes', 'do not ask for confirmation')
      .option('--json', 'print the report as JSON'),
  ).action(async (idType: string, value: string, flags: Flags & { dryRun?: boolean; yes?: boolean; json?: boolean }) => {
    await inProject(flags, async (project) => {
      const privacyService = await service(project);
      if (!flags.dryRun && !flags.yes) {
        if (!process.stdin.isTTY) {
          throw new CdpError('INVALID_INPUT', 'a deletion cannot be undone and needs confirmation', { location: { path: '--yes' }, hint: 'pass --yes (or try --dry-run first)' });
        }
        if (!(await confirm(`Erase the person with ${idType} ${value} everywhere? This cannot be undone. Type yes: `))) {
          say('cancelled');
          return;
        }
      }
      const report = await privacyService.delete({ idType, value }, cliActor(), { dryRun: flags.dryRun });
      if (flags.json) say(JSON.stringify(report, null, 2));
      else printDeletion(report);
      if (!report.dryRun && !report.complete) {
        throw new CdpError('DESTINATION', `request ${report.requestId} is not complete: some destinations did not confirm`, { hint: 'run the same deletion again to retry them' });
      }
    });
  });

  withProject(
    privacy
      .command('export <id_type> <value>')
      .description('everything held about a person, as JSON (stdout, or --out)')
      .option('--out <file>', 'write the JSON to this file instead of stdout'),
  ).action(async (idType: string, value: string, flags: Flags & { out?: string }) => {
    await inProject(flags, async (project) => {
      const data = await (await service(project)).export({ idType, value }, cliActor());
      const text = JSON.stringify(data, null, 2);
      if (flags.out) {
        const path = resolve(flags.out);
        // Personal data: readable by the owner only. `mode` applies on creation only, so an existing
        // file is emptied and narrowed before the export is written into it.
        writeFileSync(path, '', { mode: 0o600 });
        chmodSync(path, 0o600);
        writeFileSync(path, `${text}\n`);
        say(`wrote ${path} (request ${data.requestId}: ${n(data.profiles.length)} profile(s), ${n(data.identifiers.length)} identifier(s))`);
      } else say(text);
    });
  });

  withProject(privacy.command('requests').description('deletion and export requests, newest first').option('--json', 'print JSON')).action(
    async (flags: Flags & { json?: boolean }) => {
      await inProject(flags, async (project) => {
        const requests = await (await service(project)).list(100);
        if (flags.json) return say(JSON.stringify(requests, null, 2));
        if (!requests.length) return say('no privacy requests');
        say(
          table(
            ['created', 'kind', 'status', 'id type', 'sha256', 'by', 'request'],
            requests.map((r) => [r.createdAt.replace('T', ' ').slice(0, 19), r.kind, r.status, r.idType, `${r.valueSha256.slice(0, 16)}…`, r.requestedBy ?? '-', r.id]),
          ),
        );
      });
    },
  );

  withProject(privacy.command('report <request_id>').description('the stored report of one request').option('--json', 'print the request and its report as JSON')).action(
    async (id: string, flags: Flags & { json?: boolean }) => {
      await inProject(flags, async (project) => {
        const request = await (await service(project)).get(id);
        if (flags.json) return say(JSON.stringify(request, null, 2));
        say(`${request.kind} request ${request.id}: ${request.status}, by ${request.requestedBy ?? '-'}, ${request.createdAt.replace('T', ' ').slice(0, 19)}`);
        // A deletion's report reads like `cdp privacy delete` printed it; an export keeps only counts.
        if (request.kind === 'delete' && request.report) printDeletion(request.report as unknown as DeletionReport);
        else if (request.report) say(JSON.stringify(request.report, null, 2));
      });
    },
  );
}
