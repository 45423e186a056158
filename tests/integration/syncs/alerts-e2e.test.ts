import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { alertStaleSyncs } from '../../../src/syncs/alerts/index.js';
import { Project } from '../../../src/project/index.js';
import { runSync } from '../../../src/syncs/index.js';
import { loadPeople, people } from './helpers.js';
import { memoryDestination, memorySyncYaml, type MemoryDestination } from './memory-destination.js';

// Alerts end to end (issue 19, item 4): real runs, a local Slack-compatible webhook, a local SMTP server.

interface SlackPost {
  text: string;
  blocks: Array<{ type: string; text?: { text: string }; elements?: Array<{ text: string }> }>;
}
interface Mail {
  from: string;
  to: string[];
  raw: string;
}

const slack: SlackPost[] = [];
const mails: Mail[] = [];
let webhook: Server;
let smtp: SMTPServer;
let dir: string;
let project: Project;
let dest: MemoryDestination;
const SYNC = 'people_out';

function subjects(): string[] {
  return mails.map((m) => /^Subject: (.*)$/m.exec(m.raw)?.[1] ?? '');
}
/** The body of a quoted-printable mail (what nodemailer sends for long lines) as text. */
function bodyOf(mail: Mail): string {
  const body = mail.raw.slice(mail.raw.indexOf('\r\n\r\n') + 4);
  const bytes = body.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  return Buffer.from(bytes, 'latin1').toString('utf8');
}
const linkOf = (post: SlackPost): string => post.blocks.at(-1)?.elements?.[0]?.text ?? '';

beforeAll(async () => {
  webhook = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      slack.push(JSON.parse(body) as SlackPost);
      // Slack's incoming webhooks answer 200 with the text "ok".
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  await new Promise<void>((resolve) => webhook.listen(0, '127.0.0.1', resolve));
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      let raw = '';
      stream.on('data', (chunk: Buffer) => (raw += chunk.toString()));
      stream.on('end', () => {
        mails.push({ from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '', to: session.envelope.rcptTo.map((r) => r.address), raw });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', () => resolve()));
  const smtpPort = (smtp.server.address() as AddressInfo).port;
  process.env.CDP_TEST_ALERT_SLACK_URL = `http://127.0.0.1:${(webhook.address() as AddressInfo).port}/services/T000/B000/XXXX`;

  dir = mkdtempSync(join(tmpdir(), 'cdp-alerts-'));
  mkdirSync(join(dir, 'syncs'));
  const alerts = {
    baseUrl: 'https://cdp.example.com/',
    channels: {
      team_slack: { type: 'slack', url: { env: 'CDP_TEST_ALERT_SLACK_URL' } },
      oncall: { type: 'email', to: ['oncall@example.com'], from: 'cdp@example.com', smtp: { host: '127.0.0.1', port: smtpPort } },
    },
    rules: [{ on: 'failure', to: ['team_slack', 'oncall'] }],
    syncs: { [SYNC]: [{ on: 'partial', above: 10, to: ['team_slack'] }, { on: 'stale', hours: 6, to: ['oncall'] }] },
  };
  writeFileSync(
    join(dir, 'cdp.config.ts'),
    `export default { warehouse: { type: 'duckdb', path: '.cdp/warehouse.duckdb' }, schema: 'cdp', state: { client: 'better-sqlite3', filename: '.cdp/state.sqlite' }, alerts: ${JSON.stringify(alerts)} };\n`,
  );
  project = await Project.load(dir);
  dest = memoryDestination();
  writeFileSync(join(dir, 'syncs', `${SYNC}.yaml`), memorySyncYaml(SYNC, dest.type));
});

afterAll(async () => {
  await project.close();
  await new Promise((resolve) => webhook.close(resolve));
  await new Promise<void>((resolve) => smtp.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
  delete process.env.CDP_TEST_ALERT_SLACK_URL;
});

it('a failed run alerts Slack and email once, with a link to the run; a good run sends one resolved notice', async () => {
  // The model table does not exist yet: the run fails before planning.
  await expect(runSync(project, SYNC)).rejects.toThrow();
  expect(slack).toHaveLength(1);
  expect(slack[0]!.text).toBe(`:rotating_light: Sync ${SYNC} failed`);
  expect(slack[0]!.blocks[0]!.text!.text).toMatch(/people/);
  expect(linkOf(slack[0]!)).toMatch(new RegExp(`^<https://cdp\\.example\\.com/syncs/${SYNC}\\?run=[0-9a-f-]{36}\\|Open in cdp>$`));
  expect(mails).toHaveLength(1);
  expect(mails[0]).toMatchObject({ from: 'cdp@example.com', to: ['oncall@example.com'] });
  expect(subjects()).toEqual([`[cdp] Sync ${SYNC} failed`]);
  expect(bodyOf(mails[0]!)).toMatch(new RegExp(`Open in cdp: https://cdp\\.example\\.com/syncs/${SYNC}\\?run=[0-9a-f-]{36}`));
  expect(bodyOf(mails[0]!)).toContain('model people does not exist in the warehouse');

  // The same failure again: not re-sent.
  await expect(runSync(project, SYNC)).rejects.toThrow();
  expect(slack).toHaveLength(1);
  expect(mails).toHaveLength(1);

  await loadPeople(project, people(20));
  const ok = await runSync(project, SYNC);
  expect(ok.status).toBe('success');
  expect(slack.map((p) => p.text)).toEqual([`:rotating_light: Sync ${SYNC} failed`, `:white_check_mark: Sync ${SYNC} runs again`]);
  expect(subjects()).toEqual([`[cdp] Sync ${SYNC} failed`, `[cdp] Sync ${SYNC} runs again`]);
  expect(linkOf(slack[1]!)).toContain(`?run=${ok.runId}`);
});

it('a partial run above the threshold alerts once per reason; under it resolves', async () => {
  slack.length = 0;
  mails.length = 0;
  const refused = new Set(['p000001', 'p000002', 'p000003']);
  dest.answer = (_op, row) => (refused.has(row.key) ? { status: 'rejected', reason: 'invalid email address' } : undefined);
  const partial = await runSync(project, SYNC, { full: true });
  expect(partial.status).toBe('partial');
  expect(slack).toHaveLength(1);
  expect(slack[0]!.text).toBe(`:rotating_light: Sync ${SYNC} delivered only part of its rows`);
  expect(slack[0]!.blocks[0]!.text!.text).toContain('3 of 20 rows (15%) were not delivered (3 refused, 0 to retry; alert above 10%)');
  expect(slack[0]!.blocks[0]!.text!.text).toContain('Most common reason: invalid email address');
  expect(linkOf(slack[0]!)).toContain(`?run=${partial.runId}`);
  // The partial rule goes to Slack only.
  expect(mails).toHaveLength(0);

  await runSync(project, SYNC, { full: true });
  expect(slack).toHaveLength(1);

  // 1 of 20 refused: 5%, under the 10% threshold.
  refused.delete('p000002');
  refused.delete('p000003');
  const better = await runSync(project, SYNC, { full: true });
  expect(better.status).toBe('partial');
  expect(slack.map((p) => p.text)).toEqual([`:rotating_light: Sync ${SYNC} delivered only part of its rows`, `:white_check_mark: Sync ${SYNC} delivers its rows again`]);
  dest.answer = () => undefined;
});

it('a sync not run for longer than its rule allows alerts once; its next run resolves it', async () => {
  mails.length = 0;
  slack.length = 0;
  const later = new Date(Date.now() + 7 * 3_600_000);
  expect(await alertStaleSyncs(project, [SYNC], { now: later })).toBe(1);
  expect(subjects()).toEqual([`[cdp] Sync ${SYNC} has not run for 7 hours`]);
  expect(await alertStaleSyncs(project, [SYNC], { now: new Date(later.getTime() + 3_600_000) })).toBe(0);
  expect(mails).toHaveLength(1);
  // The stale rule is the sync's own: only the email channel, and not for other syncs.
  expect(slack).toHaveLength(0);
  await runSync(project, SYNC);
  expect(subjects()).toEqual([`[cdp] Sync ${SYNC} has not run for 7 hours`, `[cdp] Sync ${SYNC} runs again`]);
});
