import type { Project } from '../project/index.js';
import type { ColumnKind } from '../warehouse/index.js';
import { audienceCatalog } from './catalog.js';
import { operatorsForKind } from './operator-registry.js';
import type { Operator } from './schema.js';

export interface AudienceField {
  name: string;
  kind: ColumnKind;
  /** The operators a condition on this field may use. */
  operators: readonly Operator[];
}

export interface AudienceEventField {
  name: string;
  /** Identity sources whose rows carry this event. */
  sources: string[];
  properties: AudienceField[];
}

/** What an audience builder can offer: traits, events and their properties, with their operators. */
export async function audienceFields(project: Project): Promise<{ traits: AudienceField[]; events: AudienceEventField[] }> {
  const catalog = audienceCatalog(project);
  const [traits, events] = await Promise.all([catalog.traits(), catalog.events()]);
  const field = ([name, kind]: [string, ColumnKind]): AudienceField => ({ name, kind, operators: operatorsForKind(kind) });
  return {
    traits: [...traits].map(field),
    events: [...events]
      .map(([name, streams]) => {
        const properties = new Map<string, ColumnKind>();
        for (const stream of streams) for (const [column, kind] of stream.columns) if (!properties.has(column)) properties.set(column, kind);
        return { name, sources: streams.map((s) => s.source), properties: [...properties].map(field) };
      })
      .sort((a, b) => a.name.localeCompare(b.name)),
  };
}
