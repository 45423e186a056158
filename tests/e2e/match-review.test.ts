/**
 * Probabilistic explain and review in Debian's Chromium, on the demo with probabilistic matching
 * of CRM contacts (names, city, phone): a profile's page draws each probabilistic link's match
 * weights as a waterfall with the API's numbers; the Review matches page lists pairs near the
 * threshold, an admin answers one with the keyboard, a viewer reads without answering (403 on the
 * API), axe finds no WCAG 2.1 A/AA violation, and the next full build trains on the answer.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { generateDemo } from '../../src/demo/index.js';
import { runProject } from '../../src/pipeline/index.js';
import { Project } from '../../src/project/index.js';
import { parseSecretKey } from '../../src/secrets/index.js';
import { startServer, type RunningServer } from '../../src/server/index.js';
import { AXE_WCAG21, DANGLING_ARIA } from './browser-scripts.js';
import { ensureWebBuilt, WEB_DIST } from './build.js';
import { ADMIN, describeInChromium, launchChromium, POLL, signedInAsAdmin, VIEWER } from './fixture.js';

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const repo = fileURLToPath(new URL('../../', import.meta.url));

/** The demo's identity section gains probabilistic matching of CRM contacts (as tests/integration/identity/probabilistic-demo.test.ts). */
const PROBABILISTIC = `
    probabilistic: {
      sources: { crm_contacts: { fields: { first_name: 'first_name', surname: 'last_name', city: 'city', phone: 'phone' } } },
      blocking: [['surname', 'city'], ['phone']],
      comparisons: {
        first_name: { levels: [{ exact: true }, { jaroWinkler: 0.9 }], termFrequency: true },
        surname: { levels: [{ exact: true }, { jaroWinkler: 0.9 }], termFrequency: true },
        city: { levels: [{ exact: true }] },
        phone: { levels: [{ exact: true }] },
      },
      threshold: { probability: 0.9 },
      uSampleSize: 50000,
    },
  },

  profiles: {`;

interface Queue {
  threshold: number;
  total: number;
  answers: { match: number; non_match: number; skip: number };
  items: Array<{ left: { source: string; recordKey: string }; right: { source: string; recordKey: string }; matchProbability: number; review: { answer: string } | null }>;
}

describeInChromium('probabilistic explain and review in Chromium', { timeout: 300_000 }, () => {
  let dir: string;
  let project: Project;
  let server: RunningServer;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    await ensureWebBuilt();
    dir = mkdtempSync(join(tmpdir(), 'cdp-e2e-review-'));
    for (const name of ['cdp.config.ts', 'models', 'audiences', 'syncs']) cpSync(join(repo, name), join(dir, name), { recursive: true });
    writeFileSync(join(dir, 'package.json'), '{ "type": "module", "private": true }\n');
    const config = readFileSync(join(dir, 'cdp.config.ts'), 'utf8');
    const anchor = '  },\n\n  profiles: {';
    if (!config.includes(anchor)) throw new Error('cdp.config.ts no longer ends its identity section before profiles: update tests/e2e/match-review.test.ts');
    // The demo's duplicate CRM contacts (one person, a misspelt name) may join: one CRM id per profile is lifted here.
    const crmLimit = 'crm_id: { priority: 2, maxPerProfile: 1 },';
    if (!config.includes(crmLimit)) throw new Error('cdp.config.ts no longer limits crm_id: update tests/e2e/match-review.test.ts');
    writeFileSync(join(dir, 'cdp.config.ts'), config.replace(anchor, PROBABILISTIC).replace(crmLimit, 'crm_id: { priority: 2 },'));
    project = await Project.load(dir);
    await generateDemo(await project.warehouse(), { people: 300, seed: 7 });
    await runProject(project, { snapshots: false });
    server = await startServer(project, {
      port: 0,
      startScheduler: false,
      webDir: WEB_DIST,
      secretKey: parseSecretKey('e'.repeat(64)),
      env: { CDP_ADMIN_EMAIL: ADMIN.email, CDP_ADMIN_PASSWORD: ADMIN.password },
    });
    await server.context.users.create({ email: VIEWER.email, password: VIEWER.password, role: 'viewer', name: null });
    browser = await launchChromium();
    page = await signedInAsAdmin(browser, server.url);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await project?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const queue = async (p: Page, query = 'band=0.25&status=all&limit=100'): Promise<Queue> => (await (await p.request.get(`/api/identity/review?${query}`)).json()) as Queue;

  it("draws a profile's probabilistic links as match-weight waterfalls with the API's numbers", async () => {
    const warehouse = await project.warehouse();
    const [linked] = await warehouse.query<{ profile_id: string }>(
      `SELECT r.profile_id FROM cdp._identity_prob_links k JOIN cdp.resolved_records r ON r.source = k.source_l AND r.record_key = k.record_key_l
       WHERE k.linked = 1 ORDER BY k.match_weight DESC, r.profile_id LIMIT 1`,
    );
    expect(linked, 'the demo has probabilistic links').toBeDefined();
    const api = (await (await page.request.get(`/api/profiles/${linked!.profile_id}/matches`)).json()) as {
      pairs: Array<{ linked: boolean; explanation: { probability: number; weight: number; priorWeight: number; fields: Array<{ field: string; weight: number; tfAdjustment: number | null }> } }>;
    };
    expect(api.pairs.some((p) => p.linked)).toBe(true);
    await page.goto(`/profiles?id=${encodeURIComponent(linked!.profile_id)}`);
    const section = page.getByTestId('profile-matches');
    await section.getByRole('heading', { name: 'How records were matched' }).waitFor();
    const tables = section.getByTestId('waterfall');
    await expect.poll(() => tables.count(), POLL).toBe(api.pairs.length);
    const first = api.pairs[0]!.explanation;
    // One row per comparison plus the prior, the running total ends at the pair's weight.
    const rows = tables.first().locator('tbody tr');
    expect(await rows.count()).toBe(first.fields.length + 1);
    const fmt = (x: number) => `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(2)}`;
    expect(await rows.last().locator('td').nth(5).textContent()).toBe(fmt(first.weight));
    expect(await rows.first().locator('td').nth(4).textContent()).toBe(fmt(first.priorWeight));
    const sum = first.priorWeight + first.fields.reduce((s, f) => s + f.weight + (f.tfAdjustment ?? 0), 0);
    expect(sum).toBeCloseTo(first.weight, 9);
    // The numbers are in the table (the text alternative); the caption names the pair.
    await expect.poll(() => tables.first().locator('caption').textContent(), POLL).toMatch(/crm_contacts .+ and crm_contacts .+: linked/);
    await page.screenshot({ path: join(repo, 'tests/e2e/screenshots/review-profile-matches.png'), fullPage: true });
  });

  it('lists pairs near the threshold; an admin answers one with the keyboard and it is stored', async () => {
    const before = await queue(page);
    expect(before.total).toBeGreaterThan(0);
    const distances = before.items.map((i) => Math.abs(i.matchProbability - before.threshold));
    expect(distances).toEqual([...distances].sort((a, b) => a - b));
    await page.goto('/review');
    await page.getByRole('heading', { level: 1, name: 'Review matches' }).waitFor();
    await page.getByLabel('Distance from the threshold').selectOption('0.25');
    const current = page.getByTestId('current-pair');
    await current.getByTestId('waterfall').waitFor();
    const title = (await current.getByRole('heading', { level: 2 }).textContent())!;
    // Keyboard only: focus the answer group's first button, Enter.
    await current.getByRole('button', { name: 'Same person (match)' }).focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByTestId('review-status').textContent(), POLL).toBe(`Saved: ${title} — match.`);
    const after = await queue(page);
    const answered = after.items.filter((i) => i.review?.answer === 'match');
    expect(answered.map((i) => `${i.left.source} ${i.left.recordKey} and ${i.right.source} ${i.right.recordKey}`)).toEqual([title]);
    expect(after.answers.match).toBe(1);
    // The open queue no longer offers it; the page moved on to another pair.
    expect((await queue(page, 'band=0.25&limit=100')).items.some((i) => i.review)).toBe(false);
    await expect.poll(() => current.getByRole('heading', { level: 2 }).textContent(), POLL).not.toBe(title);
    // Focus went on to the next pair's heading (not lost to the page), for the next answer.
    await expect.poll(() => page.evaluate<string | undefined>('document.activeElement ? document.activeElement.id : undefined'), POLL).toBe('current-pair-title');
    const audit = (await (await page.request.get('/api/audit?action=identity.review')).json()) as { entries: Array<{ action: string; details: { answer: string } }> };
    expect(audit.entries.map((e) => [e.action, e.details.answer])).toEqual([['identity.review', 'match']]);
    await page.screenshot({ path: join(repo, 'tests/e2e/screenshots/review-queue.png'), fullPage: true });
  });

  it('a viewer reads the queue without record keys or answer buttons; the API refuses their answer', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, baseURL: server.url });
    const viewer = await context.newPage();
    await viewer.goto('/');
    await viewer.getByLabel('Email').fill(VIEWER.email);
    await viewer.getByLabel('Password').fill(VIEWER.password);
    await viewer.getByRole('button', { name: 'Sign in' }).click();
    await viewer.getByRole('link', { name: 'Review matches' }).click();
    await viewer.getByTestId('review-pairs').waitFor();
    expect(await viewer.getByRole('button', { name: 'Same person (match)' }).count()).toBe(0);
    // Masked keys all read alike: the rows are still told apart (one is the pair shown, the rest can be picked).
    const rows = viewer.getByTestId('review-pairs').locator('tbody tr');
    expect(await viewer.getByRole('button', { name: /^Shown above/ }).count()).toBe(1);
    expect(await viewer.getByRole('button', { name: /^Review/ }).count()).toBe((await rows.count()) - 1);
    const seen = await queue(viewer);
    const full = await queue(page);
    expect(seen.items.length).toBe(full.items.length);
    const keys = new Set(full.items.flatMap((i) => [i.left.recordKey, i.right.recordKey]));
    expect(seen.items.filter((i) => keys.has(i.left.recordKey) || keys.has(i.right.recordKey))).toEqual([]);
    const refused = await viewer.request.post('/api/identity/review/answers', { data: { left: full.items[0]!.left, right: full.items[0]!.right, answer: 'skip' } });
    expect(refused.status()).toBe(403);
    await context.close();
  });

  it('axe finds no WCAG 2.1 A/AA violation on the review page and a profile with matches', async () => {
    const warehouse = await project.warehouse();
    const [linked] = await warehouse.query<{ profile_id: string }>(
      `SELECT r.profile_id FROM cdp._identity_prob_links k JOIN cdp.resolved_records r ON r.source = k.source_l AND r.record_key = k.record_key_l WHERE k.linked = 1 ORDER BY r.profile_id LIMIT 1`,
    );
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, baseURL: server.url, bypassCSP: true });
    const axePage = await context.newPage();
    await axePage.goto('/');
    await axePage.getByLabel('Email').fill(ADMIN.email);
    await axePage.getByLabel('Password').fill(ADMIN.password);
    await axePage.getByRole('button', { name: 'Sign in' }).click();
    await axePage.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
    const problems: string[] = [];
    for (const [path, ready] of [
      ['/review', 'current-pair'],
      [`/profiles?id=${encodeURIComponent(linked!.profile_id)}`, 'waterfall'],
    ] as const) {
      await axePage.goto(path);
      await axePage.getByTestId(ready).first().waitFor();
      await axePage.waitForLoadState('networkidle');
      await axePage.addScriptTag({ content: AXE_SOURCE });
      const result = (await axePage.evaluate(AXE_WCAG21)) as { violations: Array<{ id: string; nodes: Array<{ target: string[] }> }> };
      for (const v of result.violations) problems.push(`${path}: ${v.id} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
      for (const d of await axePage.evaluate<string[]>(DANGLING_ARIA)) problems.push(`${path}: dangling ${d}`);
    }
    await context.close();
    expect(problems).toEqual([]);
  });

  it('the next full build trains on the answer (the label count is in its progress line)', async () => {
    const lines: string[] = [];
    await runProject(project, { fullRefresh: true, snapshots: false, onProgress: (line) => lines.push(line) });
    expect(lines.join('\n')).toMatch(/m from 1 labelled matching pair\(s\) \(review answers: 1 match, 0 non-match\)/);
  });
});
