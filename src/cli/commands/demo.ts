import type { Command } from 'commander';
import { logger } from '../../logger.js';
import { audienceLine, predictionLine } from './run.js';
import { defaultPort, positiveInt, serveUntilStopped } from './serve.js';
import { generateDemo, MAX_PEOPLE, type DemoResult } from '../../demo/index.js';
import { DEMO_SOURCE, sendDemoEvents } from '../../demo/collect.js';
import { backfillDemoHistory } from '../../demo/history.js';
import { CdpError } from '../../errors.js';
import { runProject, type RunSummary } from '../../pipeline/index.js';
import type { Project } from '../../project/index.js';
import { inProject, say, withProject } from '../context.js';
import { formatTable, rightAligned } from '../table.js';

interface DemoFlags {
  project?: string;
  people: string;
  seed: string;
  asOf?: string;
  serve?: boolean;
}

/** Days of history (identity builds, audience sizes, sync runs) the demo gives itself before its own build (src/demo/history.ts). */
const HISTORY_DAYS = 30;

/** The identity outputs worth a row count in the summary (built by `runProject`; `consent` when consent sources are declared). */
const IDENTITY_TABLES = ['identity_graph', 'resolved_records', 'profiles', 'profile_merges', 'consent'];

export function register(program: Command): void {
  withProject(
    program
      .command('demo')
      .description('generate realistic multi-source demo data into the warehouse (schema raw), then build everything')
      .option('-n, --people <n>', 'how many people to generate', '10000')
      .option('--seed <s>', 'random seed: the same seed and date give the same rows', '42')
      .option('--as-of <date>', 'the history (about 18 months) ends at this day, YYYY-MM-DD (default: today)')
      .option('--serve', 'serve the web UI afterwards'),
  ).action(async (flags: DemoFlags) => {
    const options = parseFlags(flags);
    await inProject(flags, async (project) => {
      const warehouse = await project.warehouse();
      say(`cdp demo: ${options.people.toLocaleString('en-US')} people (seed ${options.seed}) into the ${warehouse.type} warehouse, schema raw`);
      const { people, seed, referenceDate } = options;
      const demo = await generateDemo(warehouse, { people, seed, referenceDate, schema: 'raw', onProgress: (line) => say(`  ${line}`) });
      say('building models, identity and profiles');
      // The one integration point with the rest of the platform: the same build as `cdp run`.
      const run = await runProject(project, { onProgress: (line) => say(`  ${line}`) });
      // Thirty earlier days of history, so the dashboards show a trend from the start.
      const history = await backfillDemoHistory(project, { days: HISTORY_DAYS, before: referenceDate ?? new Date(), seed });
      await printSummary(project, demo, run);
      if (history.identityBuilds) say(`identity history: ${history.identityBuilds} earlier daily builds reconstructed for the dashboards (mode backfill)`);
      if (history.audienceSnapshots || history.syncRuns) {
        say(`simulated history for the dashboards: ${count(history.audienceSnapshots)} daily audience sizes, ${count(history.syncRuns)} sync runs (marked simulated, trigger backfill)`);
      }
      if (options.serve) await serveAfterDemo(project);
    });
  });
}

function parseFlags(flags: DemoFlags): { people: number; seed: number; referenceDate?: Date; serve: boolean } {
  const people = Number(flags.people.replace(/[_,]/g, ''));
  if (!Number.isInteger(people) || people < 1 || people > MAX_PEOPLE) {
    throw new CdpError('INVALID_INPUT', `--people must be a whole number from 1 to ${MAX_PEOPLE.toLocaleString('en-US')}, got '${flags.people}'`, {
      location: { path: '--people' },
      hint: 'e.g. cdp demo --people 100000',
    });
  }
  const seed = Number(flags.seed);
  if (!Number.isSafeInteger(seed) || seed < 0) {
    throw new CdpError('INVALID_INPUT', `--seed must be a non-negative whole number, got '${flags.seed}'`, { location: { path: '--seed' }, hint: 'e.g. --seed 7' });
  }
  let referenceDate: Date | undefined;
  if (flags.asOf !== undefined) {
    referenceDate = new Date(`${flags.asOf}T00:00:00Z`);
    if (!/^\d{4}-\d{2}-\d{2}$/.test(flags.asOf) || Number.isNaN(referenceDate.getTime())) {
      throw new CdpError('INVALID_INPUT', `--as-of must be a date like 2025-01-31, got '${flags.asOf}'`, { location: { path: '--as-of' } });
    }
  }
  return { people, seed, referenceDate, serve: flags.serve === true };
}

async function printSummary(project: Project, demo: DemoResult, run: RunSummary): Promise<void> {
  const rows: string[][] = demo.tables.map((t) => [`${t.table.schema}.${t.table.name}`, 'raw (loaded)', count(t.rows), t.seconds.toFixed(2)]);
  for (const m of run.models) {
    rows.push([`${m.relation.schema}.${m.relation.name}`, m.status === 'success' ? m.materialized : m.status, m.rows === null ? '-' : count(m.rows), m.seconds.toFixed(2)]);
  }
  if (run.identity) {
    const warehouse = await project.warehouse();
    for (const name of IDENTITY_TABLES) {
      const relation = { schema: project.schema, name };
      if (!(await warehouse.relationExists(relation))) continue;
      const [row] = await warehouse.query<{ n: number }>(`SELECT COUNT(*) AS n FROM ${warehouse.dialect.relation(relation)}`);
      rows.push([`${relation.schema}.${name}`, 'identity', count(Number(row?.n ?? 0)), '']);
    }
  }
  say('');
  say(formatTable(['table', 'built as', 'rows', 'seconds'], rows, rightAligned([false, false, true, true])));
  if (run.identity) {
    const { profiles, identifiers, rounds, seconds } = run.identity;
    say(`identity: ${count(profiles)} profiles from ${count(identifiers)} identifiers in ${rounds} rounds (${seconds.toFixed(2)}s)`);
  }
  const predictions = predictionLine(run);
  if (predictions) say(predictions);
  const audiences = audienceLine(run);
  if (audiences) say(audiences);
  say(`done: demo data in ${demo.seconds.toFixed(1)}s, build in ${run.seconds.toFixed(1)}s`);
}

/** The demo's first admin when none is configured, so `npm start` can be logged into at once. */
const DEMO_ADMIN = { email: 'admin@example.com', password: 'admin-password' };

async function serveAfterDemo(project: Project): Promise<void> {
  const env = { ...process.env };
  let adminSource: string | undefined;
  if (!env.CDP_ADMIN_EMAIL && !env.CDP_ADMIN_PASSWORD) {
    // Not the user's environment: the log must not say CDP_ADMIN_EMAIL was used.
    adminSource = "the demo's default login";
    env.CDP_ADMIN_EMAIL = DEMO_ADMIN.email;
    env.CDP_ADMIN_PASSWORD = DEMO_ADMIN.password;
    say(`log in as ${DEMO_ADMIN.email} / ${DEMO_ADMIN.password} (set CDP_ADMIN_EMAIL and CDP_ADMIN_PASSWORD to choose your own)`);
  }
  if (!process.env.CDP_LOG_LEVEL) logger.level = 'info';
  const port = positiveInt(defaultPort(), process.env.CDP_PORT ? 'CDP_PORT' : process.env.PORT ? 'PORT' : '--port');
  await serveUntilStopped(project, { port, host: process.env.CDP_HOST ?? '127.0.0.1', env, adminSource }, (running) => {
    // Part of the website's events arrive the way a site sends them: the Segment client, through /v1.
    void project
      .warehouse()
      .then((warehouse) => sendDemoEvents(running.url, running.context.collect, warehouse))
      .then(
        (sent) => say(`sent ${count(sent)} recent website events through the collection API (source ${DEMO_SOURCE}; see the Sources page)`),
        (error: unknown) => logger.warn({ err: error }, 'could not send the demo events through the collection API'),
      );
  });
}

function count(n: number): string {
  return n.toLocaleString('en-US');
}

