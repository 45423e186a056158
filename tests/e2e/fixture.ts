/**
 * What the browser tests run against: a temp copy of the repository's demo project (config,
 * models, audiences, syncs) with a small generated data set built by the real pipeline, the real
 * service on a random port, and a local HTTP server standing in for a webhook receiver.
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateDemo } from '../../src/demo/index.js';
import { runProject } from '../../src/pipeline/index.js';
import { Project } from '../../src/project/index.js';
import { parseSecretKey } from '../../src/secrets/index.js';
import { startServer, type RunningServer } from '../../src/server/index.js';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe } from 'vitest';
import { ensureWebBuilt, WEB_DIST } from './build.js';

/** Debian's Chromium (CI installs it with apt-get); CDP_CHROMIUM points elsewhere when needed. */
export const CHROMIUM = process.env.CDP_CHROMIUM ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
/** expect.poll waits one second by default: the service counts in the warehouse, give it time. */
export const POLL = { timeout: 20_000 };
export const hasChromium = existsSync(CHROMIUM);
const inCi = !!process.env.CI;
if (!hasChromium && !inCi) {
  console.warn(
    `\n${'!'.repeat(78)}\n!! SKIPPING the browser tests (tests/e2e): ${CHROMIUM} is missing.\n!! Install it with: apt-get install -y chromium   (CI installs it and fails without it)\n${'!'.repeat(78)}\n`,
  );
}

/** `describe` for browser tests: skipped without Chromium on a developer's machine; in CI a missing Chromium fails (launchChromium). */
export const describeInChromium = describe.skipIf(!hasChromium && !inCi);

export async function launchChromium(): Promise<Browser> {
  if (!hasChromium) throw new Error(`${CHROMIUM} is missing: CI must install it (apt-get install -y chromium)`);
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

const repo = fileURLToPath(new URL('../../', import.meta.url));
const PROJECT_FILES = ['cdp.config.ts', 'models', 'audiences', 'syncs'];

export const ADMIN = { email: 'admin@example.com', password: 'e2e-admin-password' };
export const VIEWER = { email: 'viewer@example.com', password: 'e2e-viewer-password' };
export const MARKETER = { email: 'marketer@example.com', password: 'e2e-marketer-password' };

export interface WebhookReceiver {
  /** Accepts every batch. */
  url: string;
  /** Refuses every batch with 422 and a reason. */
  rejectUrl: string;
  /** Every body POSTed, parsed. */
  batches: Array<{ sync: string; op: string; rows: Array<Record<string, unknown>> }>;
  close(): Promise<void>;
}

/** Accepts webhook batches and answers 200 (or 422 on /reject), as a customer's endpoint would. */
export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const batches: WebhookReceiver['batches'] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      try {
        batches.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as WebhookReceiver['batches'][number]);
        // A second endpoint refuses every row, as a strict receiver would.
        if (req.url?.endsWith('/reject')) res.writeHead(422, { 'content-type': 'application/json' }).end('{"error":"email domain not accepted"}');
        else res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      } catch {
        res.writeHead(400).end('bad json');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/cdp`,
    rejectUrl: `http://127.0.0.1:${port}/hooks/reject`,
    batches,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

export interface DemoService {
  project: Project;
  server: RunningServer;
  url: string;
  dir: string;
  close(): Promise<void>;
}

/** The demo project with `people` generated people, built, and served (scheduler off: runs are manual). */
export async function startDemoService(people: number): Promise<DemoService> {
  const missing = PROJECT_FILES.filter((name) => !existsSync(join(repo, name)));
  if (missing.length) throw new Error(`the repository's demo project is incomplete (missing ${missing.join(', ')})`);
  const dir = mkdtempSync(join(tmpdir(), 'cdp-e2e-'));
  for (const name of PROJECT_FILES) cpSync(join(repo, name), join(dir, name), { recursive: true });
  // cdp.config.ts is an ES module: outside the repository it needs its own package scope.
  writeFileSync(join(dir, 'package.json'), '{ "type": "module", "private": true }\n');
  // The demo lets UI-made destinations reach its receiver on 127.0.0.1:8787; the test's receiver
  // listens on a random loopback port, so this copy allows loopback on any port.
  const config = readFileSync(join(dir, 'cdp.config.ts'), 'utf8');
  if (!config.includes("allow: ['127.0.0.1:8787']")) throw new Error('cdp.config.ts no longer allows the demo receiver: update tests/e2e/fixture.ts');
  writeFileSync(join(dir, 'cdp.config.ts'), config.replace("allow: ['127.0.0.1:8787']", "allow: ['127.0.0.1']"));
  const project = await Project.load(dir);
  const warehouse = await project.warehouse();
  await generateDemo(warehouse, { people, seed: 7 });
  await runProject(project);
  const server = await startServer(project, {
    port: 0,
    startScheduler: false,
    webDir: WEB_DIST,
    secretKey: parseSecretKey('e'.repeat(64)),
    env: { CDP_ADMIN_EMAIL: ADMIN.email, CDP_ADMIN_PASSWORD: ADMIN.password },
  });
  for (const [user, role] of [
    [VIEWER, 'viewer'],
    [MARKETER, 'marketer'],
  ] as const) {
    await server.context.users.create({ email: user.email, password: user.password, role, name: null });
  }
  return {
    project,
    server,
    url: server.url,
    dir,
    async close() {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Signs in on the login page and waits for the overview. */
export async function signIn(page: Page, user: { email: string; password: string }): Promise<void> {
  await page.goto('/');
  await page.getByLabel('Email').fill(user.email);
  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
}

/** A page of a new browser context on `baseURL`, signed in as the admin, on the overview. */
export async function signedInAsAdmin(browser: Browser, baseURL: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, baseURL });
  context.setDefaultTimeout(15_000);
  const page = await context.newPage();
  await signIn(page, ADMIN);
  return page;
}

/** What a browser suite over the demo runs against; filled in by its beforeAll. */
export interface DemoInChromium {
  service: DemoService;
  webhook: WebhookReceiver;
  browser: Browser;
  /** Signed in as the admin (unless `signIn: false`: a fresh page on the service). */
  page: Page;
}

/**
 * The usual setup of a browser suite, registered on the calling describe: the web build, the demo
 * service with `people` people, a webhook receiver and Chromium (started together), and a page;
 * everything closed after the suite.
 */
export function demoInChromium(people: number, options: { signIn?: boolean } = {}): DemoInChromium {
  const demo = {} as DemoInChromium;
  beforeAll(async () => {
    await ensureWebBuilt();
    [demo.service, demo.webhook, demo.browser] = await Promise.all([startDemoService(people), startWebhookReceiver(), launchChromium()]);
    if (options.signIn === false) {
      const context = await demo.browser.newContext({ viewport: { width: 1280, height: 860 }, baseURL: demo.service.url });
      context.setDefaultTimeout(15_000);
      demo.page = await context.newPage();
    } else demo.page = await signedInAsAdmin(demo.browser, demo.service.url);
  });
  afterAll(async () => {
    await demo.browser?.close();
    await demo.webhook?.close();
    await demo.service?.close();
  });
  return demo;
}
