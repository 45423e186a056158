/**
 * The marketers' web UI end to end, in Debian's Chromium: sign in, build an audience with three
 * conditions by clicking, check the live count against the API, save it, add a webhook
 * destination, create a sync, run it and see it succeed (and the rows arrive); a viewer sees no
 * edit controls and the API refuses them. Screenshots of the main pages go to
 * tests/e2e/screenshots/ (gitignored).
 */
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { snapshotAudience } from '../../src/audiences/index.js';
import { ensureWebBuilt } from './build.js';
import { ADMIN, type DemoService, describeInChromium, launchChromium, MARKETER, POLL, signIn, startDemoService, startWebhookReceiver, VIEWER, type WebhookReceiver } from './fixture.js';

const SCREENSHOTS = fileURLToPath(new URL('./screenshots/', import.meta.url));
const PEOPLE = 300;
const AUDIENCE = 'e2e_buyers';
const DESTINATION = 'e2e-webhook';
const SYNC = `${AUDIENCE}_to_e2e_webhook`;


// Generous: each step waits on warehouse counts, and CI runs other test files beside this one.
describeInChromium('web UI in Chromium', { timeout: 240_000 }, () => {
  let service: DemoService;
  let webhook: WebhookReceiver;
  let browser: Browser;
  let admin: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    for (const old of readdirSync(SCREENSHOTS).filter((f) => f.startsWith('FAILED-'))) rmSync(join(SCREENSHOTS, old));
    await ensureWebBuilt();
    [service, webhook, browser] = await Promise.all([
      startDemoService(PEOPLE),
      startWebhookReceiver(),
      launchChromium(),
    ]);
    admin = await browser.newContext({ viewport: { width: 1280, height: 860 }, baseURL: service.url });
    admin.setDefaultTimeout(15_000);
    page = await admin.newPage();
  });

  afterAll(async () => {
    await browser?.close();
    await webhook?.close();
    await service?.close();
  });

  // A failed step leaves a picture of what the page showed.
  afterEach(async (context) => {
    if (context.task.result?.state === 'fail' && page) await shot(page, `FAILED-${context.task.name.slice(0, 40).replace(/\W+/g, '-')}`).catch(() => undefined);
  });

  async function shot(target: Page, name: string): Promise<void> {
    // From the top: the sticky header would otherwise be drawn mid-page in a full-page picture.
    await target.evaluate('window.scrollTo(0, 0)');
    await target.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
  }


  /** Picks an option of a searchable picker by typing part of its name. */
  async function pick(target: Page, combobox: ReturnType<Page['getByRole']>, text: string, option: RegExp): Promise<void> {
    await combobox.click();
    await combobox.fill(text);
    await target.getByRole('option', { name: option }).first().click();
  }

  async function freshCount(target: Page): Promise<number> {
    const live = target.getByTestId('live-count');
    await expect.poll(() => live.getAttribute('data-state'), POLL).toBe('fresh');
    return Number((await live.textContent())!.replace(/\D/g, ''));
  }

  it('signs in and shows the overview', async () => {
    await page.goto('/');
    await expect.poll(() => page.getByRole('heading', { name: 'Sign in' }).isVisible(), POLL).toBe(true);
    await shot(page, '01-login');
    await page.getByLabel('Email').fill(ADMIN.email);
    await page.getByLabel('Password').fill('wrong password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('wrong email or password').waitFor();
    await signIn(page, ADMIN);
    await page.getByText('Profiles', { exact: true }).first().waitFor();
    const stats = (await (await page.request.get('/api/identity/stats')).json()) as { profiles: number };
    await page.getByText(new Intl.NumberFormat('en-US').format(stats.profiles), { exact: true }).first().waitFor();
    await shot(page, '02-overview');
  });

  it('builds an audience with three conditions by clicking; the live count matches the API', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Audiences' }).click();
    await page.getByRole('heading', { level: 1, name: 'Audiences' }).waitFor();
    await page.getByTestId('audience-size').first().waitFor();
    await shot(page, '03-audiences');
    await page.getByRole('link', { name: 'New audience' }).click();
    await page.getByLabel('Name', { exact: true }).fill(AUDIENCE);
    await page.getByLabel('Description (optional)').fill('Buyers who browsed this year and have an email');

    // 1. A numeric trait: at least one order.
    await page.getByRole('button', { name: '+ Trait' }).click();
    await pick(page, page.getByRole('combobox', { name: 'Trait' }).nth(0), 'order_c', /^Order count\b/);
    await expect.poll(() => page.getByLabel('Operator for Order count').inputValue(), POLL).toBe('gte');
    await page.getByLabel('Value of Order count').fill('1');
    const afterOne = await freshCount(page);

    // 2. An event in a time window.
    await page.getByRole('button', { name: '+ Event' }).click();
    await pick(page, page.getByRole('combobox', { name: 'Event', exact: true }), 'page_v', /^page_view\b/);
    // No window until one is chosen (the builder never narrows by a default the user did not pick).
    expect(await page.getByLabel('When page_view').inputValue()).toBe('ever');
    await page.getByLabel('When page_view').selectOption('within');
    await page.getByLabel('Number of days for page_view').fill('365');
    const afterTwo = await freshCount(page);

    // 3. A text trait that must be set.
    await page.getByRole('button', { name: '+ Trait' }).click();
    await pick(page, page.getByRole('combobox', { name: 'Trait' }).nth(1), 'email', /^Email\b/);
    await page.getByLabel('Operator for Email').selectOption({ label: 'is set' });
    const count = await freshCount(page);

    expect(afterOne).toBeGreaterThan(0);
    expect(afterTwo).toBeLessThanOrEqual(afterOne);
    expect(count).toBeLessThanOrEqual(afterTwo);
    expect(count).toBeGreaterThan(0);
    // The count after each condition, top to bottom.
    const steps = (await page.getByTestId('step-count').allTextContents()).map((t) => Number(t.replace(/\D/g, '')));
    expect(steps).toEqual([afterOne, afterTwo, count]);
    await page.getByTestId('sample-table').waitFor();

    await page.getByRole('button', { name: 'Show SQL' }).click();
    await expect.poll(() => page.getByLabel('SQL of this audience').textContent(), POLL).toContain('SELECT');
    await shot(page, '04-audience-builder');

    await page.getByRole('button', { name: 'Save audience' }).click();
    await page.waitForURL(`**/audiences/${AUDIENCE}`);
    await page.getByRole('heading', { level: 1, name: AUDIENCE }).waitFor();
    const saved = (await (await page.request.get(`/api/audiences/${AUDIENCE}/count`)).json()) as { count: number };
    expect(saved.count).toBe(count);
    const detail = (await (await page.request.get(`/api/audiences/${AUDIENCE}`)).json()) as { definition: { where: { all: unknown[] } } };
    expect(detail.definition.where.all).toEqual([
      { trait: 'order_count', op: 'gte', value: 1 },
      { event: 'page_view', within: { days: 365 } },
      { trait: 'email', op: 'is_not_null' },
    ]);
    // The saved audience reloads into the same three conditions and count.
    await page.reload();
    expect(await freshCount(page)).toBe(count);
    expect(await page.getByTestId('step-count').count()).toBe(3);
  });

  it('adds a webhook destination and tests the connection', async () => {
    await page.goto('/destinations');
    await page.getByRole('link', { name: 'Add destination' }).first().click();
    await page.getByLabel('Name', { exact: true }).fill(DESTINATION);
    await page.getByLabel('Type').selectOption('webhook');
    await page.getByLabel('URL', { exact: true }).fill(webhook.url);
    await page.getByRole('button', { name: 'Add destination' }).click();
    await page.waitForURL(`**/destinations/${DESTINATION}`);
    await page.getByRole('button', { name: 'Test connection' }).click();
    await expect.poll(() => page.getByTestId('test-result').textContent(), POLL).toContain('Connection works.');
    await shot(page, '05-destination');
  });

  it('creates a sync from the audience, runs it, and the run succeeds', async () => {
    await page.goto(`/audiences/${AUDIENCE}`);
    await page.getByRole('link', { name: 'Sync…' }).click();
    await page.waitForURL('**/syncs/new?audience=*');
    await expect.poll(() => page.getByLabel('Audience', { exact: true }).inputValue(), POLL).toBe(AUDIENCE);
    await page.getByLabel('Destination', { exact: true }).selectOption(DESTINATION);
    await page.getByRole('radio', { name: /^upsert/ }).check();
    // Suggested mapping for a webhook: the identifying traits, same names.
    await expect.poll(() => page.getByRole('combobox', { name: 'Destination field 1' }).inputValue(), POLL).toBe('email');
    await page.getByRole('radio', { name: 'Every day at 06:00' }).check();
    await shot(page, '06-sync-editor');
    await page.getByRole('button', { name: 'Create sync' }).click();
    await page.waitForURL(`**/syncs/${SYNC}`);
    await page.getByRole('button', { name: 'Run now' }).click();
    const runs = page.getByTestId('runs');
    await expect.poll(() => runs.locator('tbody tr[data-status]').first().getAttribute('data-status', { timeout: 1000 }).catch(() => null), { timeout: 60_000 }).toBe('success');
    await shot(page, '07-sync-run');

    const audienceCount = ((await (await page.request.get(`/api/audiences/${AUDIENCE}/count`)).json()) as { count: number }).count;
    const sent = webhook.batches.filter((b) => b.sync === SYNC && b.op === 'upsert').flatMap((b) => b.rows);
    expect(sent).toHaveLength(audienceCount);
    expect(new Set(sent.map((row) => row.profile_id)).size).toBe(audienceCount);
    expect(Object.keys(sent[0]!)).toEqual(expect.arrayContaining(['profile_id', 'email']));
    const [run] = (await (await page.request.get(`/api/syncs/${SYNC}/runs`)).json()) as Array<{ status: string; counts: { ok: number } }>;
    expect(run).toMatchObject({ status: 'success', counts: { ok: audienceCount } });

    // The audience list shows the size trend (membership snapshots: the sync run above took one,
    // model builds take them too; the test adds two) and the sync's last status; deleting warns
    // that the sync uses it.
    await snapshotAudience(service.project, AUDIENCE);
    await snapshotAudience(service.project, AUDIENCE);
    await page.goto('/audiences');
    const row = page.getByRole('row').filter({ hasText: AUDIENCE });
    await expect.poll(() => row.getByText('success').count(), POLL).toBe(1);
    await row.getByRole('img', { name: `Size went from ${audienceCount}` }).waitFor();
    await shot(page, '07-audiences-after-sync');
    await page.goto(`/audiences/${AUDIENCE}`);
    await page.getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('dialog').getByText(`A sync uses this audience: ${SYNC}`).waitFor();
    await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();
  });

  it("shows a run's rejected rows with the destination's reason", async () => {
    const setup = await Promise.all([
      page.request.post('/api/destinations', { data: { name: 'strict-webhook', type: 'webhook', config: { url: webhook.rejectUrl } } }),
    ]);
    expect(setup.map((r) => r.status())).toEqual([201]);
    const created = await page.request.post('/api/syncs', {
      data: { name: 'strict_sync', from: { audience: AUDIENCE }, destination: 'strict-webhook', mode: 'upsert', fields: { email: 'email' }, schedule: null },
    });
    expect(created.status()).toBe(201);
    await page.goto('/syncs/strict_sync');
    await page.getByRole('button', { name: 'Run now' }).click();
    const runs = page.getByTestId('runs');
    await expect.poll(() => runs.locator('tbody tr[data-status]').first().getAttribute('data-status', { timeout: 1000 }).catch(() => null), { timeout: 60_000 }).toBe('partial');
    await runs.getByRole('button', { name: 'Details' }).first().click();
    const rejected = page.getByTestId('rejected-rows');
    await rejected.waitFor();
    expect(await rejected.locator('tbody tr').count()).toBeGreaterThan(0);
    await expect.poll(() => rejected.locator('tbody tr').first().textContent(), POLL).toContain('422');
    await shot(page, '08-sync-rejected-rows');
  });

  it('looks a profile up by email and shows its audiences', async () => {
    const preview = (await (await page.request.get(`/api/audiences/${AUDIENCE}/preview`, { params: { limit: 1, traits: 'email' } })).json()) as {
      sample: Array<{ email: string }>;
    };
    const email = preview.sample[0]!.email;
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Profiles' }).click();
    await page.getByLabel('Identifier', { exact: true }).fill(email.toUpperCase());
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByTestId('profile').waitFor();
    await page.getByTestId('memberships').getByRole('link', { name: AUDIENCE }).waitFor({ timeout: 20_000 });
    await shot(page, '09-profile');
  });

  it('shows the predictions: one tab each; too few people to train is said, not hidden', async () => {
    await page.getByRole('link', { name: 'Predictions' }).click();
    await page.getByRole('heading', { level: 1, name: 'Predictions' }).waitFor();
    for (const name of ['purchase_30d', 'churn_90d', 'ltv_90d']) await page.getByRole('tab', { name: new RegExp(name) }).waitFor();
    await page.getByTestId('prediction').waitFor();
    // The demo here has 300 people: fewer than 100 buyers in a window, so nothing is trained yet.
    await page.getByText('the next cdp run trains it').waitFor();
    await page.getByRole('tab', { name: /ltv_90d/ }).click();
    await page.getByText('Expected order value in the next 90 days', { exact: false }).waitFor();
    await shot(page, '09b-predictions');
  });

  it('fits a narrow window', async () => {
    const narrow = await admin.newPage();
    await narrow.setViewportSize({ width: 390, height: 844 });
    await narrow.goto(`/audiences/${AUDIENCE}`);
    await freshCount(narrow);
    // A string: the test's tsconfig has no DOM types.
    const overflow = Number(await narrow.evaluate('document.documentElement.scrollWidth - window.innerWidth'));
    expect(overflow).toBeLessThanOrEqual(1);
    await shot(narrow, '10-builder-narrow');
    await narrow.goto('/syncs');
    await narrow.getByRole('link', { name: SYNC }).waitFor();
    await shot(narrow, '11-syncs-narrow');
    await narrow.close();
  });

  it('shows a viewer no edit controls, and the API refuses them', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, baseURL: service.url });
    const viewer = await context.newPage();
    await signIn(viewer, VIEWER);
    await expect.poll(() => viewer.getByTestId('role').textContent(), POLL).toBe('viewer');
    // No profile data for viewers.
    expect(await viewer.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Profiles' }).count()).toBe(0);

    await viewer.goto('/audiences');
    await viewer.getByRole('link', { name: AUDIENCE, exact: true }).waitFor();
    expect(await viewer.getByRole('link', { name: 'New audience' }).count()).toBe(0);

    await viewer.goto(`/audiences/${AUDIENCE}`);
    await freshCount(viewer);
    for (const name of ['Save changes', 'Saved', 'Delete', 'Duplicate', '+ Trait', '+ Event']) {
      expect(await viewer.getByRole('button', { name, exact: true }).count(), name).toBe(0);
    }
    expect(await viewer.getByRole('combobox', { name: 'Trait' }).first().isDisabled()).toBe(true);
    await shot(viewer, '12-viewer-audience');

    await viewer.goto(`/syncs/${SYNC}`);
    await viewer.getByTestId('runs').waitFor();
    for (const name of ['Run now', 'Edit', 'Delete', 'Pause schedule']) {
      expect(await viewer.getByRole('button', { name, exact: true }).count(), name).toBe(0);
      expect(await viewer.getByRole('link', { name, exact: true }).count(), name).toBe(0);
    }
    await viewer.goto(`/destinations/${DESTINATION}`);
    await viewer.getByLabel('URL', { exact: true }).waitFor();
    expect(await viewer.getByLabel('URL', { exact: true }).isDisabled()).toBe(true);
    expect(await viewer.getByRole('button', { name: 'Test connection' }).count()).toBe(0);

    // The API enforces the role whatever the page shows.
    const refused = await Promise.all([
      viewer.request.post('/api/audiences', { data: { name: 'viewer_made', where: { all: [] } } }),
      viewer.request.put(`/api/audiences/${AUDIENCE}`, { data: { where: { all: [] } } }),
      viewer.request.delete(`/api/audiences/${AUDIENCE}`),
      viewer.request.post(`/api/syncs/${SYNC}/run`, { data: {} }),
      viewer.request.post(`/api/destinations/${DESTINATION}/test`),
      viewer.request.get('/api/profiles', { params: { id_type: 'email', value: 'x@example.com' } }),
    ]);
    expect(refused.map((r) => r.status())).toEqual([403, 403, 403, 403, 403, 403]);
    expect(((await (await viewer.request.get(`/api/audiences/${AUDIENCE}/count`)).json()) as { count: number }).count).toBeGreaterThan(0);
    await context.close();
  });

  it('lets a marketer build and run, but not change destinations', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, baseURL: service.url });
    const marketer = await context.newPage();
    await signIn(marketer, MARKETER);
    await marketer.goto('/audiences');
    await marketer.getByRole('link', { name: 'New audience' }).waitFor();
    await marketer.goto(`/syncs/${SYNC}`);
    await marketer.getByRole('button', { name: 'Run now' }).waitFor();
    await marketer.goto('/destinations');
    await marketer.getByRole('link', { name: DESTINATION }).waitFor();
    expect(await marketer.getByRole('link', { name: 'Add destination' }).count()).toBe(0);
    await marketer.goto(`/destinations/${DESTINATION}`);
    await marketer.getByLabel('URL', { exact: true }).waitFor();
    expect(await marketer.getByLabel('URL', { exact: true }).isDisabled()).toBe(true);
    expect(await marketer.getByRole('button', { name: 'Test connection' }).count()).toBe(0);
    const refused = await marketer.request.post('/api/destinations', { data: { name: 'marketer-made', type: 'webhook', config: { url: webhook.url } } });
    expect(refused.status()).toBe(403);
    // Privacy requests are for admins: no nav entry, a plain message on the page, 403 from the API.
    expect(await marketer.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Privacy' }).count()).toBe(0);
    await marketer.goto('/privacy');
    await marketer.getByRole('heading', { name: 'Only admins handle privacy requests' }).waitFor();
    expect(await marketer.getByRole('button', { name: 'Check what would be deleted' }).count()).toBe(0);
    expect((await marketer.request.get('/api/privacy/requests')).status()).toBe(403);
    await context.close();
  });

  // Last: it erases a person the earlier steps synced.
  it('lets an admin export a person, then delete them: dry run, confirmation, report', async () => {
    const preview = (await (await page.request.get(`/api/audiences/${AUDIENCE}/preview`, { params: { limit: 2, traits: 'email' } })).json()) as {
      sample: Array<{ email: string }>;
    };
    const [first, second] = preview.sample.map((row) => row.email);
    const email = second ?? first!;
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Privacy' }).click();
    await page.getByRole('heading', { level: 1, name: 'Privacy' }).waitFor();

    // Access request: the JSON downloads, with a summary of what it holds.
    const exportForm = page.getByRole('form', { name: "Export a person's data" });
    await expect.poll(() => exportForm.getByLabel('Identifier type').inputValue(), POLL).toBe('email');
    await exportForm.getByLabel('Identifier value').fill(email);
    await exportForm.getByRole('button', { name: 'Export' }).click();
    const exported = page.getByTestId('export-result');
    await exported.waitFor({ timeout: 30_000 });
    const [download] = await Promise.all([page.waitForEvent('download'), exported.getByRole('link', { name: 'Download the export (JSON)' }).click()]);
    expect(download.suggestedFilename()).toMatch(/^privacy-export-[\w-]+\.json$/);
    const data = JSON.parse(readFileSync((await download.path())!, 'utf8')) as { subject: { value: string }; profiles: unknown[]; identifiers: unknown[] };
    expect(data.subject.value).toBe(email);
    expect(data.profiles).toHaveLength(1);
    await exported.getByText('Identifiers', { exact: true }).waitFor();

    // Erasure: a dry run first, which changes nothing.
    const deleteForm = page.getByRole('form', { name: 'Delete a person' });
    await deleteForm.getByLabel('Identifier value').fill(email);
    await deleteForm.getByRole('button', { name: 'Check what would be deleted' }).click();
    const dryRun = page.getByTestId('deletion-preview');
    await dryRun.waitFor({ timeout: 30_000 });
    await dryRun.getByText('Dry run: nothing has been deleted yet.').waitFor();
    const wouldGo = dryRun.getByTestId('destinations').getByRole('row').filter({ hasText: SYNC });
    await wouldGo.getByText(/^Would be removed/).waitFor();
    expect((await page.request.get('/api/profiles', { params: { id_type: 'email', value: email } })).status()).toBe(200);
    await shot(page, '13-privacy-dry-run');

    // The confirm button waits for the identifier typed again.
    const confirm = dryRun.getByRole('button', { name: 'Delete permanently' });
    expect(await confirm.isDisabled()).toBe(true);
    await dryRun.getByLabel('Type the identifier to confirm').fill('someone-else@example.com');
    expect(await confirm.isDisabled()).toBe(true);
    await dryRun.getByLabel('Type the identifier to confirm').fill(email);
    await confirm.click();
    const report = page.getByTestId('deletion-report');
    await report.waitFor({ timeout: 60_000 });
    await report.getByText('The person was deleted.').waitFor();
    const profilesRow = report.getByTestId('warehouse-tables').getByRole('row').filter({ has: page.getByText('profiles', { exact: true }) });
    expect(Number((await profilesRow.getByRole('cell').last().textContent())!.replace(/\D/g, ''))).toBe(1);
    await report.getByTestId('destinations').getByRole('row').filter({ hasText: SYNC }).getByText(/^Removed from the list/).waitFor();
    await shot(page, '14-privacy-deleted');

    // Gone from the profiles, removed at the webhook, and recorded (hash only) in the list.
    expect((await page.request.get('/api/profiles', { params: { id_type: 'email', value: email } })).status()).toBe(404);
    expect(webhook.batches.some((b) => b.sync === SYNC && b.op === 'remove' && b.rows.length > 0)).toBe(true);
    const requests = page.getByTestId('privacy-requests');
    await expect.poll(() => requests.locator('tbody tr[data-kind="delete"]').count(), POLL).toBe(1);
    await requests.locator('tbody tr[data-kind="delete"]').getByRole('link').click();
    await page.getByRole('heading', { level: 1, name: 'Deletion request' }).waitFor();
    await page.getByTestId('warehouse-tables').waitFor();
    expect(await page.getByText(email).count()).toBe(0);
    await shot(page, '15-privacy-request');

    // The report fits a phone too.
    const narrow = await admin.newPage();
    await narrow.setViewportSize({ width: 390, height: 844 });
    await narrow.goto(page.url());
    await narrow.getByTestId('warehouse-tables').waitFor();
    expect(Number(await narrow.evaluate('document.documentElement.scrollWidth - window.innerWidth'))).toBeLessThanOrEqual(1);
    await shot(narrow, '16-privacy-request-narrow');
    await narrow.close();
  });
});
