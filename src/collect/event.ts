/** The Segment spec's message types (https://segment.com/docs/connections/spec/), plus webhook intake. */
export const EVENT_TYPES = ['track', 'identify', 'page', 'screen', 'group', 'alias', 'webhook'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** One row of `<schema>.collected_events`, as spooled (one JSON line) and landed. Times are ISO-8601 UTC. */
export interface CollectedEvent {
  message_id: string;
  type: EventType;
  event: string | null;
  name: string | null;
  anonymous_id: string | null;
  user_id: string | null;
  group_id: string | null;
  previous_id: string | null;
  timestamp: string;
  sent_at: string | null;
  received_at: string;
  source: string;
  properties: unknown;
  traits: unknown;
  context: unknown;
}

/** Column order of the landing table (and of the rows handed to the bulk loader). */
export const EVENT_COLUMNS = [
  { name: 'message_id', kind: 'string' },
  { name: 'type', kind: 'string' },
  { name: 'event', kind: 'string' },
  { name: 'name', kind: 'string' },
  { name: 'anonymous_id', kind: 'string' },
  { name: 'user_id', kind: 'string' },
  { name: 'group_id', kind: 'string' },
  { name: 'previous_id', kind: 'string' },
  { name: 'timestamp', kind: 'timestamp' },
  { name: 'sent_at', kind: 'timestamp' },
  { name: 'received_at', kind: 'timestamp' },
  { name: 'source', kind: 'string' },
  { name: 'properties', kind: 'json' },
  { name: 'traits', kind: 'json' },
  { name: 'context', kind: 'json' },
] as const satisfies ReadonlyArray<{ name: keyof CollectedEvent; kind: 'string' | 'timestamp' | 'json' }>;

export function eventRow(event: CollectedEvent): unknown[] {
  return EVENT_COLUMNS.map((column) => {
    const value = event[column.name];
    if (value === undefined || value === null) return null;
    return column.kind === 'json' ? JSON.stringify(value) : value;
  });
}
