import { describe, expect, it } from 'vitest';
import { fromDefinition, newFirstLast, newGroup, problemOf, toDefinition, type FirstLastNode, type Kinds } from '../../../web/src/builder/model.js';
import type { Condition } from '../../../web/src/lib/types.js';

const kinds: Kinds = {
  trait: () => undefined,
  property: (event, property) => (event === 'order_completed' && property === 'total' ? 'number' : undefined),
};

const roundTrip = (where: Condition) => toDefinition(fromDefinition({ all: [where] }), kinds).where;

describe('first/last time conditions in the builder', () => {
  it('edits a last-time condition with a duration and turns it back into the same definition', () => {
    const where = { event: 'order_completed', last: { op: 'not_within_last', value: { days: 90 } } } as Condition;
    const tree = fromDefinition({ all: [where] });
    const node = tree.items[0] as FirstLastNode;
    expect(node.kind).toBe('firstlast');
    expect(node.which).toBe('last');
    expect(node.pred.value.amount).toBe('90');
    expect(roundTrip(where)).toEqual({ all: [where] });
  });

  it('keeps first-time conditions with a date range and property filters', () => {
    const where = {
      event: 'order_completed',
      where: { all: [{ property: 'total', op: 'gte', value: 100 }, { property: 'total', op: 'lt', value: 500 }] },
      first: { op: 'between', value: ['2026-01-01', '2026-02-01'] },
    } as Condition;
    expect((fromDefinition({ all: [where] }).items[0] as FirstLastNode).which).toBe('first');
    expect(roundTrip(where)).toEqual({ all: [where] });
  });

  it('leaves a new one out (and says why) until it has an event and a value', () => {
    const node = newFirstLast();
    expect(problemOf(node, kinds)).toBe('Pick an event.');
    expect(toDefinition(newGroup('all', [node]), kinds).incomplete).toBe(1);
    // A new one starts as "the last time … in the last 30 days", as trait date & time conditions do.
    const picked: FirstLastNode = { ...node, event: 'order_completed' };
    expect(toDefinition(newGroup('all', [picked]), kinds).where).toEqual({ all: [{ event: 'order_completed', last: { op: 'within_last', value: { days: 30 } } }] });
    const blank: FirstLastNode = { ...picked, pred: { op: 'before', value: picked.pred.value } };
    expect(problemOf(blank, kinds)).not.toBeNull();
    const done: FirstLastNode = { ...picked, pred: { op: 'before', value: { ...picked.pred.value, text: '2026-03-01' } } };
    expect(problemOf(done, kinds)).toBeNull();
    expect(toDefinition(newGroup('all', [done]), kinds).where).toEqual({ all: [{ event: 'order_completed', last: { op: 'before', value: '2026-03-01' } }] });
  });

  it('keeps a nested property filter it cannot edit as a raw condition', () => {
    const where = { event: 'order_completed', where: { not: { property: 'total', op: 'gt', value: 1 } }, last: { op: 'before', value: '2026-01-01' } } as Condition;
    expect(fromDefinition({ all: [where] }).items[0]!.kind).toBe('raw');
  });
});
