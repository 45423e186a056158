/**
 * The audience builder's new parts end to end, in Debian's Chromium, pickers driven by the
 * keyboard only: build "viewed a product, then bought within 30 days, split 80/20", read it in
 * plain words, save it, and sync the group without the holdout to a webhook (a local receiver).
 */
import type { Locator } from 'playwright-core';
import { expect, it } from 'vitest';
import { demoInChromium, describeInChromium, POLL } from './fixture.js';

const AUDIENCE = 'viewed_then_bought';
const DESTINATION = 'funnel-webhook';
const SYNC = `${AUDIENCE}_to_funnel_webhook`;
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


describeInChromium('audience builder in Chromium: sequence, split, sync of one group', { timeout: 240_000 }, () => {
  const demo = demoInChromium(300);

  /** The option the picker highlights (what Enter would take), or null. */
  async function highlighted(combobox: Locator): Promise<string | null> {
    const id = await combobox.getAttribute('aria-activedescendant');
    return id ? demo.page.locator(`#${id.replace(/:/g, '\\:')}`).textContent() : null;
  }

  /** Picks by keyboard: focus, type, check what is highlighted, Enter. */
  async function pickByKeyboard(combobox: Locator, text: string, expected: string): Promise<void> {
    await combobox.focus();
    await demo.page.keyboard.type(text);
    await expect.poll(() => highlighted(combobox), POLL).toMatch(new RegExp(`^${expected}`));
    await demo.page.keyboard.press('Enter');
    await expect.poll(() => combobox.inputValue(), POLL).toBe(expected);
  }

  async function freshCount(): Promise<number> {
    const live = demo.page.getByTestId('live-count');
    await expect.poll(() => live.getAttribute('data-state'), POLL).toBe('fresh');
    return Number((await live.textContent())!.replace(/\D/g, ''));
  }

  it('builds the funnel with the keyboard: pickers list on focus, Enter never takes one of several equal matches', async () => {
    await demo.page.goto('/audiences/new');
    await demo.page.getByLabel('Name', { exact: true }).fill(AUDIENCE);
    await demo.page.getByRole('button', { name: '+ Sequence' }).click();
    const first = demo.page.getByRole('combobox', { name: 'Event of step 1' });
    // A new sequence focuses its first picker, which lists every event with where it comes from.
    await expect.poll(() => demo.page.evaluate('document.activeElement?.getAttribute("aria-label")'), POLL).toBe('Event of step 1');
    await expect.poll(() => demo.page.getByRole('listbox', { name: 'Event of step 1' }).getByRole('option').count(), POLL).toBeGreaterThan(5);
    await demo.page.getByRole('option', { name: /^product_view.*from web_events/ }).waitFor();

    // "open" matches app_open, email_open and push_opened equally: Enter takes none and says why.
    await demo.page.keyboard.type('open');
    expect(await highlighted(first)).toBeNull();
    await demo.page.keyboard.press('Enter');
    await demo.page.getByRole('alert').filter({ hasText: 'options match “open”' }).waitFor();
    expect(await first.inputValue()).toBe('open');
    // Arrows choose explicitly: the highlighted option is the one taken.
    await demo.page.keyboard.press('ArrowDown');
    const chosen = await highlighted(first);
    expect(chosen).toMatch(/^(app_open|email_open|push_opened)/);
    await demo.page.keyboard.press('Escape');
    await demo.page.keyboard.press('Control+A');
    await demo.page.keyboard.press('Backspace');

    await pickByKeyboard(first, 'product_v', 'product_view');
    await pickByKeyboard(demo.page.getByRole('combobox', { name: 'Event of step 2' }), 'order_c', 'order_completed');
    // The step's window is shown, not implied: 30 days of the previous step.
    expect(await demo.page.getByLabel('When step 2 happened').inputValue()).toBe('within');
    await demo.page.getByLabel('Number of days for step 2').fill('30');

    await demo.page.getByLabel('Split members into groups (A/B tests, holdouts)').check();
    await demo.page.getByLabel('Name of group 1').fill('treatment');
    await demo.page.getByLabel('Share of group 1 in percent').fill('80');
    await demo.page.getByLabel('Name of group 2').fill('holdout');
    await demo.page.getByLabel('Share of group 2 in percent').fill('20');

    const count = await freshCount();
    const api = (await (await demo.page.request.post('/api/audiences/count', { data: { definition: DEFINITION } })).json()) as { count: number };
    expect(count).toBe(api.count);
    expect(count).toBeGreaterThan(0);
    const explanation = demo.page.getByTestId('explanation');
    await expect.poll(() => explanation.textContent(), POLL).toContain('did “product_view”, then did “order_completed” within 30 days, in that order');
    await expect.poll(() => explanation.textContent(), POLL).toContain('“treatment” 80%, “holdout” 20%');

    await demo.page.getByRole('button', { name: 'Save audience' }).click();
    await demo.page.waitForURL(`**/audiences/${AUDIENCE}`);
    const saved = (await (await demo.page.request.get(`/api/audiences/${AUDIENCE}`)).json()) as { definition: unknown };
    expect(saved.definition).toMatchObject(DEFINITION);
    // Reloaded, the editor shows the same sequence and split.
    await demo.page.reload();
    expect(await demo.page.getByRole('combobox', { name: 'Event of step 2' }).inputValue()).toBe('order_completed');
    expect(await demo.page.getByLabel('Share of group 1 in percent').inputValue()).toBe('80');
    expect(await freshCount()).toBe(count);
  });

  it('syncs the group without the holdout to a webhook', async () => {
    const created = await demo.page.request.post('/api/destinations', { data: { name: DESTINATION, type: 'webhook', config: { url: demo.webhook.url } } });
    expect(created.status()).toBe(201);
    await demo.page.goto(`/audiences/${AUDIENCE}`);
    await demo.page.getByRole('link', { name: 'Sync…' }).click();
    await demo.page.waitForURL('**/syncs/new?audience=*');
    await demo.page.getByLabel('Members to send').selectOption('treatment');
    await demo.page.getByLabel('Destination', { exact: true }).selectOption(DESTINATION);
    await demo.page.getByRole('radio', { name: /^upsert/ }).check();
    await demo.page.getByRole('button', { name: 'Create sync' }).click();
    await demo.page.waitForURL(`**/syncs/${SYNC}`);
    const sync = (await (await demo.page.request.get(`/api/syncs/${SYNC}`)).json()) as { from: unknown };
    expect(sync.from).toEqual({ audience: AUDIENCE, split: 'treatment' });
    await demo.page.getByRole('button', { name: 'Run now' }).click();
    const runs = demo.page.getByTestId('runs');
    await expect.poll(() => runs.locator('tbody tr[data-status]').first().getAttribute('data-status', { timeout: 1000 }).catch(() => null), { timeout: 60_000 }).toBe('success');

    // What arrived is exactly the treatment group: the preview's split column names each member's group.
    // (The saved audience's: without a salt, its name salts the hash.)
    const preview = (await (await demo.page.request.get(`/api/audiences/${AUDIENCE}/preview`, { params: { limit: 1000 } })).json()) as { count: number; sample: Array<{ profile_id: string; split: string }> };
    expect(preview.sample).toHaveLength(preview.count);
    const treatment = preview.sample.filter((row) => row.split === 'treatment').map((row) => row.profile_id).sort();
    const holdout = preview.sample.filter((row) => row.split === 'holdout');
    expect(treatment.length).toBeGreaterThan(0);
    expect(holdout.length).toBeGreaterThan(0);
    const sent = demo.webhook.batches.filter((b) => b.sync === SYNC && b.op === 'upsert').flatMap((b) => b.rows.map((row) => String(row.profile_id)));
    expect(sent.sort()).toEqual(treatment);
  });

  it('counts a "last time they did" condition as the API does, and shows it again after saving', async () => {
    await demo.page.goto('/audiences/new');
    await demo.page.getByLabel('Name', { exact: true }).fill('last_order_e2e');
    await demo.page.getByRole('button', { name: '+ First/last time' }).click();
    await pickByKeyboard(demo.page.getByRole('combobox', { name: 'Event of first/last time' }), 'order_c', 'order_completed');
    expect(await demo.page.getByLabel('First or last time').inputValue()).toBe('last');
    const definition = { where: { all: [{ event: 'order_completed', last: { op: 'within_last', value: { days: 30 } } }] } };
    const api = (await (await demo.page.request.post('/api/audiences/count', { data: { definition } })).json()) as { count: number };
    expect(await freshCount()).toBe(api.count);
    await demo.page.getByRole('button', { name: 'Save audience' }).click();
    await demo.page.waitForURL('**/audiences/last_order_e2e');
    const saved = (await (await demo.page.request.get('/api/audiences/last_order_e2e')).json()) as { definition: unknown };
    expect(saved.definition).toMatchObject(definition);
    await demo.page.reload();
    expect(await demo.page.getByRole('combobox', { name: 'Event of first/last time' }).inputValue()).toBe('order_completed');
  });
});
