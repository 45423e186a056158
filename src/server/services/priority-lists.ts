import {
  deletePriorityList,
  listPriorityLists,
  loadPriorityList,
  priorityListCounts,
  savePriorityList,
  type PriorityListCounts,
  type PriorityListDefinition,
  type PriorityListSummary,
} from '../../audiences/index.js';
import type { Actor } from '../../audit/index.js';
import { CdpError } from '../../errors.js';
import type { ServerContext } from '../context.js';
import { atPath } from './audiences.js';

/** A body without a name (PUT /api/priority-lists/:name) or with one (POST). */
export type PriorityListBody = Omit<PriorityListDefinition, 'name'> & { name?: string };

/** Saved priority lists for the API: thin wrappers over src/audiences/priority-lists.ts, with the audit log. */
export class PriorityListService {
  constructor(private readonly ctx: ServerContext) {}

  list(): Promise<PriorityListSummary[]> {
    return listPriorityLists(this.ctx.project);
  }

  async get(name: string): Promise<PriorityListSummary> {
    const found = (await this.list()).find((l) => l.name === name);
    if (!found) {
      // Reading it gives the reason: an unreadable file, an audience of that name, or a suggestion.
      await atPath('params.name', () => loadPriorityList(this.ctx.project, name));
      throw new CdpError('NOT_FOUND', `no priority list named ${name}`, { location: { path: 'params.name' } });
    }
    return found;
  }

  async create(body: PriorityListBody, actor: Actor): Promise<PriorityListSummary> {
    if (!body.name) throw new CdpError('INVALID_INPUT', 'a priority list needs a name', { location: { path: 'body.name' }, hint: 'letters, digits and underscores' });
    if ((await this.list()).some((l) => l.name === body.name)) {
      throw new CdpError('CONFLICT', `a priority list named ${body.name} already exists`, { location: { path: 'body.name' }, hint: 'choose another name, or change that list' });
    }
    return this.save(body.name, body, actor, 'priority_list.create');
  }

  async update(name: string, body: PriorityListBody, actor: Actor): Promise<PriorityListSummary> {
    if (body.name !== undefined && body.name !== name) {
      throw new CdpError('INVALID_INPUT', `the body names ${body.name} but the URL ${name}`, { location: { path: 'body.name' }, hint: 'omit name, or make them equal' });
    }
    const existing = await this.get(name);
    if (existing.origin === 'file') throw new CdpError('CONFLICT', `priority list ${name} lives in ${existing.file}`, { location: { path: 'params.name' }, hint: 'edit the file in git' });
    return this.save(name, body, actor, 'priority_list.update');
  }

  /** Refuses while syncs read a slot of the list unless `force`; `usedBy` lists them. */
  async remove(name: string, actor: Actor, usedBy: string[], force: boolean): Promise<void> {
    await this.get(name);
    if (usedBy.length && !force) {
      throw new CdpError('CONFLICT', `priority list ${name} is synced by ${usedBy.join(', ')}`, {
        location: { path: 'params.name' },
        hint: 'delete or change those syncs first, or pass ?force=true',
      });
    }
    await atPath('params.name', () => deletePriorityList(this.ctx.project, name));
    await this.ctx.audit.record({ actor, action: 'priority_list.delete', resourceType: 'priority_list', resourceId: name });
  }

  /** Profiles per slot of a saved list. */
  async counts(name: string): Promise<PriorityListCounts> {
    await this.get(name);
    return atPath('params.name', async () => priorityListCounts(this.ctx.project, await loadPriorityList(this.ctx.project, name)));
  }

  private async save(name: string, body: PriorityListBody, actor: Actor, action: string): Promise<PriorityListSummary> {
    await atPath('body', () => savePriorityList(this.ctx.project, { ...body, name }, { createdBy: actor.email }));
    await this.ctx.audit.record({ actor, action, resourceType: 'priority_list', resourceId: name });
    return this.get(name);
  }
}
