import type { Project } from '../../project/index.js';
import { readSyncFiles, type PreparedSync } from '../../syncs/index.js';

/**
 * A sync whose destination may hold the person: a file in syncs/, one made in the UI, or a sync
 * that no longer exists but left its state table behind (nothing can be sent for it, but its rows
 * about the person are still deleted).
 */
export interface SyncTarget {
  name: string;
  origin: 'git' | 'ui' | 'orphan';
  /** Null when the definition cannot be loaded (invalid file, deleted destination, deleted sync). */
  prepared: PreparedSync | null;
  /** Why `prepared` is null. */
  problem?: string;
}

/** UI syncs come from the service (their destinations and secrets live in the state store). */
export type UiSyncLister = () => Promise<SyncTarget[]>;

const STATE_PREFIX = 'sync_state_';

/** Every sync of the project: git files, UI syncs, and state tables of syncs that are gone. */
export async function listSyncTargets(project: Project, uiSyncs?: UiSyncLister): Promise<SyncTarget[]> {
  const files = await readSyncFiles(project);
  const targets: SyncTarget[] = [];
  for (const file of files) {
    if (file.sync) targets.push({ name: file.sync.definition.name, origin: 'git', prepared: file.sync });
    else targets.push({ name: file.file.replace(/^.*[\\/]/, '').replace(/\.ya?ml$/i, ''), origin: 'git', prepared: null, problem: file.error?.oneLine() ?? 'unreadable' });
  }
  for (const target of uiSyncs ? await uiSyncs() : []) if (!targets.some((t) => t.name === target.name)) targets.push(target);
  const warehouse = await project.warehouse();
  const relations = await warehouse.listRelations(project.schema).catch(() => []);
  for (const relation of relations) {
    if (relation.kind !== 'table' || !relation.name.toLowerCase().startsWith(STATE_PREFIX)) continue;
    const name = relation.name.slice(STATE_PREFIX.length);
    if (!targets.some((t) => t.name.toLowerCase() === name.toLowerCase())) {
      targets.push({ name, origin: 'orphan', prepared: null, problem: 'the sync no longer exists, so its destination cannot be called' });
    }
  }
  return targets.sort((a, b) => a.name.localeCompare(b.name));
}
