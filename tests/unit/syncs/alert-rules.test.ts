import { describe, expect, it } from 'vitest';
import { slackPayload } from '../../../src/syncs/alerts/index.js';
import { audienceSignals, rulesFor } from '../../../src/syncs/alerts/rules.js';
import { parseConfig } from '../../../src/config/index.js';

const channels = { ops: { type: 'slack' as const, url: { env: 'SLACK_URL' } } };

describe('alert config', () => {
  it('a sync’s own rule replaces the workspace rule of the same kind, others still apply', () => {
    const config = parseConfig({
      alerts: { channels, rules: [{ on: 'failure', to: ['ops'] }, { on: 'partial', above: 5, to: ['ops'] }], syncs: { crm: [{ on: 'partial', above: 50, to: ['ops'] }] } },
    }).alerts!;
    expect(rulesFor(config, 'crm')).toEqual([{ on: 'failure', to: ['ops'] }, { on: 'partial', above: 50, to: ['ops'] }]);
    expect(rulesFor(config, 'other')).toEqual(config.rules);
  });

  it('refuses a rule naming a channel that does not exist, and a literal webhook URL', () => {
    expect(() => parseConfig({ alerts: { channels, rules: [{ on: 'failure', to: ['pager'] }] } })).toThrow(/no channel named pager under alerts.channels/);
    expect(() => parseConfig({ alerts: { channels: { ops: { type: 'slack', url: 'https://hooks.slack.com/services/x' } } } } as never)).toThrow();
  });
});

describe('audience size change', () => {
  const rule = { on: 'audience_change' as const, percent: 20, to: ['ops'] };
  const at = (day: number) => new Date(Date.UTC(2026, 0, day));

  it('fires above the threshold either way, keyed by the newest snapshot', () => {
    const [grew] = audienceSignals([rule], 's', 'buyers', [{ at: at(2), size: 1300 }, { at: at(1), size: 1000 }]);
    expect(grew).toMatchObject({ state: 'firing', title: 'Audience buyers grew by 30%', fingerprint: `buyers:${at(2).toISOString()}` });
    const [shrank] = audienceSignals([rule], 's', 'buyers', [{ at: at(3), size: 500 }, { at: at(2), size: 1000 }]);
    expect(shrank).toMatchObject({ state: 'firing', title: 'Audience buyers shrank by 50%' });
    const [fromNothing] = audienceSignals([rule], 's', 'buyers', [{ at: at(3), size: 5 }, { at: at(2), size: 0 }]);
    expect(fromNothing).toMatchObject({ state: 'firing', title: 'Audience buyers grew from nothing' });
  });

  it('within the threshold it resolves quietly; one snapshot says nothing', () => {
    expect(audienceSignals([rule], 's', 'buyers', [{ at: at(2), size: 1100 }, { at: at(1), size: 1000 }])).toMatchObject([{ state: 'resolved', quiet: true }]);
    expect(audienceSignals([rule], 's', 'buyers', [{ at: at(2), size: 1100 }])).toEqual([]);
  });
});

it('Slack payload: fallback text, a mrkdwn section and the link', () => {
  expect(slackPayload({ title: 'Sync a failed', detail: 'boom', link: 'https://cdp.example.com/syncs/a?run=1', resolved: false })).toEqual({
    text: ':rotating_light: Sync a failed',
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: '*:rotating_light: Sync a failed*\nboom' } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: '<https://cdp.example.com/syncs/a?run=1|Open in cdp>' }] },
    ],
  });
});
