/**
 * The audience builder's new parts end to end, in Debian's Chromium, pickers driven by the
 * keyboard only: build "viewed a product, then bought within 30 days, split 80/20", read it in
 * plain words, save it, and sync the group without the holdout to a webhook (a local receiver).
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureWebBuilt } from './build.js';
import { signedInAsAdmin, startDemoService, startWebhookReceiver, type DemoService, type WebhookReceiver } from './fixture.js';

const CHROMIUM = process.env.CDP_CHROMIUM ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const AUDIENCE = 'viewed_then_bought';
const DESTINATION = 'funnel-webhook';
const SYNC = `${AUDIENCE}_to_funnel_webhook`;
const POLL = { timeout: 20_000 };
const DEFINITION = {
  where: {
    all: [
      {
        sequence: [{ event: 'product_view' }, { event: 'order_completed', within: { days: 30 } }],
        completed: true,
      },
    ],
  },
  splits: {
    groups: [
      { name: 'treatment', percent: 80 },
      { name: 'holdout', percent: 20 },
    ],
  },
};

const hasChromium = existsSync(CHROMIUM);
const inCi = !!process.env.CI;

describe.skipIf(!hasChromium && !inCi)('audience builder in Chromium: sequence, split, sync of one group', { timeout: 240_000 }, () => {
  let service: DemoService;
  let webhook: WebhookReceiver;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    if (!hasChromium) throw new Error(`${CHROMIUM} is missing: CI must install it (apt-get install -y chromium)`);
    await ensureWebBuilt();
    [service, webhook, browser] = await Promise.all([startDemoService(300), startWebhookReceiver(), chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS })]);
    page = await signedInAsAdmin(browser, service.url);
  });

  afterAll(async () => {
    await browser?.close();
    await webhook?.close();
    await service?.close();
  });

  /** The option the picker highlights (what Enter would take), or null. */
  async function highlighted(combobox: Locator): Promise<string | null> {
    const id = await combobox.getAttribute('aria-activedescendant');
    return id ? page.locator(`#${id.replace(/:/g, '\\:')}`).textContent() : null;
  }

  /** Picks by keyboard: focus, type, check what is highlighted, Enter. */
  async function pickByKeyboard(combobox: Locator, text: string, expected: string): Promise<void> {
    await combobox.focus();
    await page.keyboard.type(text);
    await expect.poll(() => highlighted(combobox), POLL).toMatch(new RegExp(`^${expected}`));
    await page.keyboard.press('Enter');
    await expect.poll(() => combobox.inputValue(), POLL).toBe(expected);
  }

  async function freshCount(): Promise<number> {
    const live = page.getByTestId('live-count');
    await expect.poll(() => live.getAttribute('data-state'), POLL).toBe('fresh');
    return Number((await live.textContent())!.replace(/\D/g, ''));
  }

  it('builds the funnel with the keyboard: pickers list on focus, Enter never takes one of several equal matches', async () => {
    await page.goto('/audiences/new');
    await page.getByLabel('Name', { exact: true }).fill(AUDIENCE);
    await page.getByRole('button', { name: '+ Sequence' }).click();
    const first = page.getByRole('combobox', { name: 'Event of step 1' });
    // A new sequence focuses its first picker, which lists every event with where it comes from.
    await expect.poll(() => page.evaluate('document.activeElement?.getAttribute("aria-label")'), POLL).toBe('Event of step 1');
    await expect.poll(() => page.getByRole('listbox', { name: 'Event of step 1' }).getByRole('option').count(), POLL).toBeGreaterThan(5);
    await page.getByRole('option', { name: /^product_view.*from web_events/ }).waitFor();

    // "open" matches app_open, email_open and push_opened equally: Enter takes none and says why.
    await page.keyboard.type('open');
    expect(await highlighted(first)).toBeNull();
    await page.keyboard.press('Enter');
    await page.getByRole('alert').filter({ hasText: 'options match “open”' }).waitFor();
    expect(await first.inputValue()).toBe('open');
    // Arrows choose explicitly: the highlighted option is the one taken.
    await page.keyboard.press('ArrowDown');
    const chosen = await highlighted(first);
    expect(chosen).toMatch(/^(app_open|email_open|push_opened)/);
    await page.keyboard.press('Escape');
    await page.keyboard.press('Control+A');
    await page.keyboard.press('Backspace');

    await pickByKeyboard(first, 'product_v', 'product_view');
    await pickByKeyboard(page.getByRole('combobox', { name: 'Event of step 2' }), 'order_c', 'order_completed');
    // The step's window is shown, not implied: 30 days of the previous step.
    expect(await page.getByLabel('When step 2 happened').inputValue()).toBe('within');
    await page.getByLabel('Number of days for step 2').fill('30');

    await page.getByLabel('Split members into groups (A/B tests, holdouts)').check();
    await page.getByLabel('Name of group 1').fill('treatment');
    await page.getByLabel('Share of group 1 in percent').fill('80');
    await page.getByLabel('Name of group 2').fill('holdout');
    await page.getByLabel('Share of group 2 in percent').fill('20');

    const count = await freshCount();
    const api = (await (await page.request.post('/api/audiences/count', { data: { definition: DEFINITION } })).json()) as { count: number };
    expect(count).toBe(api.count);
    expect(count).toBeGreaterThan(0);
    const explanation = page.getByTestId('explanation');
    await expect.poll(() => explanation.textContent(), POLL).toContain('did “product_view”, then did “order_completed” within 30 days, in that order');
    await expect.poll(() => explanation.textContent(), POLL).toContain('“treatment” 80%, “holdout” 20%');

    await page.getByRole('button', { name: 'Save audience' }).click();
    await page.waitForURL(`**/audiences/${AUDIENCE}`);
    const saved = (await (await page.request.get(`/api/audiences/${AUDIENCE}`)).json()) as { definition: unknown };
    expect(saved.definition).toMatchObject(DEFINITION);
    // Reloaded, the editor shows the same sequence and split.
    await page.reload();
    expect(await page.getByRole('combobox', { name: 'Event of step 2' }).inputValue()).toBe('order_completed');
    expect(await page.getByLabel('Share of group 1 in percent').inputValue()).toBe('80');
    expect(await freshCount()).toBe(count);
  });

  it('syncs the group without the holdout to a webhook', async () => {
    const created = await page.request.post('/api/destinations', { data: { name: DESTINATION, type: 'webhook', config: { url: webhook.url } } });
    expect(created.status()).toBe(201);
    await page.goto(`/audiences/${AUDIENCE}`);
    await page.getByRole('link', { name: 'Sync…' }).click();
    await page.waitForURL('**/syncs/new?audience=*');
    await page.getByLabel('Members to send').selectOption('treatment');
    await page.getByLabel('Destination', { exact: true }).selectOption(DESTINATION);
    await page.getByRole('radio', { name: /^upsert/ }).check();
    await page.getByRole('button', { name: 'Create sync' }).click();
    await page.waitForURL(`**/syncs/${SYNC}`);
    const sync = (await (await page.request.get(`/api/syncs/${SYNC}`)).json()) as { from: unknown };
    expect(sync.from).toEqual({ audience: AUDIENCE, split: 'treatment' });
    await page.getByRole('button', { name: 'Run now' }).click();
    const runs = page.getByTestId('runs');
    await expect.poll(() => runs.locator('tbody tr[data-status]').first().getAttribute('data-status', { timeout: 1000 }).catch(() => null), { timeout: 60_000 }).toBe('success');

    // What arrived is exactly the treatment group: the preview's split column names each member's group.
    // (The saved audience's: without a salt, its name salts the hash.)
    const preview = (await (await page.request.get(`/api/audiences/${AUDIENCE}/preview`, { params: { limit: 1000 } })).json()) as { count: number; sample: Array<{ profile_id: string; split: string }> };
    expect(preview.sample).toHaveLength(preview.count);
    const treatment = preview.sample.filter((row) => row.split === 'treatment').map((row) => row.profile_id).sort();
    const holdout = preview.sample.filter((row) => row.split === 'holdout');
    expect(treatment.length).toBeGreaterThan(0);
    expect(holdout.length).toBeGreaterThan(0);
    const sent = webhook.batches.filter((b) => b.sync === SYNC && b.op === 'upsert').flatMap((b) => b.rows.map((row) => String(row.profile_id)));
    expect(sent.sort()).toEqual(treatment);
  });

  it('counts a "last time they did" condition as the API does, and shows it again after saving', async () => {
    await page.goto('/audiences/new');
    await page.getByLabel('Name', { exact: true }).fill('last_order_e2e');
    await page.getByRole('button', { name: '+ First/last time' }).click();
    await pickByKeyboard(page.getByRole('combobox', { name: 'Event of first/last time' }), 'order_c', 'order_completed');
    expect(await page.getByLabel('First or last time').inputValue()).toBe('last');
    const definition = { where: { all: [{ event: 'order_completed', last: { op: 'within_last', value: { days: 30 } } }] } };
    const api = (await (await page.request.post('/api/audiences/count', { data: { definition } })).json()) as { count: number };
    expect(await freshCount()).toBe(api.count);
    await page.getByRole('button', { name: 'Save audience' }).click();
    await page.waitForURL('**/audiences/last_order_e2e');
    const saved = (await (await page.request.get('/api/audiences/last_order_e2e')).json()) as { definition: unknown };
    expect(saved.definition).toMatchObject(definition);
    await page.reload();
    expect(await page.getByRole('combobox', { name: 'Event of first/last time' }).inputValue()).toBe('order_completed');
  });
});
