/**
 * The audiences page's priority list panel in Debian's Chromium: draft a list, save it by name,
 * and read the saved list's profiles per slot (the same numbers the API counts).
 */
import { expect, it } from 'vitest';
import { demoInChromium, describeInChromium, POLL } from './fixture.js';


describeInChromium('priority lists in Chromium: save a drafted list, see its slots', { timeout: 240_000 }, () => {
  const demo = demoInChromium(300);

  it('saves the list by name; the saved list shows the API’s counts per slot', async () => {
    await demo.page.goto('/audiences');
    const panel = demo.page.locator('section', { has: demo.page.getByRole('heading', { name: 'Priority list' }) });
    const picker = panel.getByRole('combobox', { name: 'Add an audience to the priority list' });
    for (const audience of ['vip_recent_buyers', 'newsletter_engaged']) {
      await picker.focus();
      await demo.page.keyboard.type(audience);
      await demo.page.getByRole('option', { name: new RegExp(`^${audience}`) }).click();
    }
    await expect.poll(() => panel.getByTestId('slot-count').allTextContents(), POLL).not.toContain('…');
    const drafted = await panel.getByTestId('slot-count').allTextContents();
    await panel.getByLabel('Name').fill('offers_e2e');
    await panel.getByRole('button', { name: 'Save priority list' }).click();
    await panel.getByRole('status').filter({ hasText: 'Saved “offers_e2e”' }).waitFor();

    const saved = panel.getByTestId('saved-priority-list').filter({ hasText: 'offers_e2e' });
    await expect.poll(() => saved.getByTestId('saved-slot-count').allTextContents(), POLL).toEqual(drafted);
    const counts = (await (await demo.page.request.get('/api/priority-lists/offers_e2e/counts')).json()) as { slots: Array<{ audience: string; count: number }> };
    expect(counts.slots.map((s) => s.audience)).toEqual(['vip_recent_buyers', 'newsletter_engaged']);
    expect(counts.slots.some((s) => s.count > 0)).toBe(true);
    expect(drafted.map((text) => Number(text.replace(/\D/g, '')))).toEqual(counts.slots.map((s) => s.count));

    // The name is taken now: saving again says so and keeps the draft.
    await panel.getByLabel('Name').fill('offers_e2e');
    await panel.getByRole('button', { name: 'Save priority list' }).click();
    await panel.getByText(/already exists/).waitFor();
    expect(await panel.getByTestId('slot-count').count()).toBe(2);
  });

  it('syncs one slot from the sync editor: exactly the profiles whose first audience of the list is that slot arrive', async () => {
    expect((await demo.page.request.post('/api/destinations', { data: { name: 'slot-hook', type: 'webhook', config: { url: demo.webhook.url } } })).status()).toBe(201);
    await demo.page.goto('/syncs/new');
    await demo.page.getByLabel('Audience', { exact: true }).selectOption({ label: 'offers_e2e: slot newsletter_engaged' });
    await demo.page.getByLabel('Destination', { exact: true }).selectOption('slot-hook');
    await demo.page.getByRole('radio', { name: /^upsert/ }).check();
    await demo.page.getByRole('button', { name: 'Create sync' }).click();
    const name = 'offers_e2e_newsletter_engaged_to_slot_hook';
    await demo.page.waitForURL(`**/syncs/${name}`);
    expect(((await (await demo.page.request.get(`/api/syncs/${name}`)).json()) as { from: unknown }).from).toEqual({ priority_list: 'offers_e2e', slot: 'newsletter_engaged' });
    await demo.page.getByRole('button', { name: 'Run now' }).click();
    const runs = demo.page.getByTestId('runs');
    await expect.poll(() => runs.locator('tbody tr[data-status]').first().getAttribute('data-status', { timeout: 1000 }).catch(() => null), { timeout: 60_000 }).toBe('success');

    // The slot by hand: newsletter_engaged members that vip_recent_buyers (earlier in the list) does not hold.
    const members = async (audience: string) => {
      const preview = (await (await demo.page.request.get(`/api/audiences/${audience}/preview`, { params: { limit: 1000 } })).json()) as { count: number; sample: Array<{ profile_id: string }> };
      expect(preview.sample).toHaveLength(preview.count);
      return new Set(preview.sample.map((row) => row.profile_id));
    };
    const vip = await members('vip_recent_buyers');
    const slot = [...(await members('newsletter_engaged'))].filter((id) => !vip.has(id)).sort();
    expect(slot.length).toBeGreaterThan(0);
    const sent = demo.webhook.batches.filter((b) => b.sync === name && b.op === 'upsert').flatMap((b) => b.rows.map((row) => String(row.profile_id)));
    expect(sent.sort()).toEqual(slot);
  });

  it('edits a saved list (PUT keeps its name) and deletes it: a sync reading a slot makes the API answer 409 first', async () => {
    await demo.page.goto('/audiences');
    const panel = demo.page.locator('section', { has: demo.page.getByRole('heading', { name: 'Priority list' }) });
    const saved = panel.getByTestId('saved-priority-list').filter({ hasText: 'offers_e2e' });
    await saved.getByRole('button', { name: 'Edit' }).click();
    await panel.getByRole('button', { name: 'Move newsletter_engaged up' }).click();
    await panel.getByRole('button', { name: 'Save changes to offers_e2e' }).click();
    await panel.getByRole('status').filter({ hasText: 'Saved “offers_e2e”' }).waitFor();
    const stored = (await (await demo.page.request.get('/api/priority-lists/offers_e2e')).json()) as { priority: string[] };
    expect(stored.priority).toEqual(['newsletter_engaged', 'vip_recent_buyers']);

    await saved.getByRole('button', { name: 'Delete' }).click();
    const dialog = demo.page.getByRole('dialog');
    await dialog.getByRole('button', { name: 'Delete priority list' }).click();
    await dialog.getByText(/offers_e2e_newsletter_engaged_to_slot_hook/).waitFor();
    expect((await demo.page.request.get('/api/priority-lists/offers_e2e')).status()).toBe(200);
    await dialog.getByRole('button', { name: 'Delete anyway' }).click();
    await expect.poll(() => saved.count(), POLL).toBe(0);
    expect((await demo.page.request.get('/api/priority-lists/offers_e2e')).status()).toBe(404);
  });
});
