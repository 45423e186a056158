import { compileAudience, listAudiences } from '../../audiences/index.js';
import type { Project } from '../../project/index.js';

export interface AudienceMembership {
  audience: string;
  /** Set when the audience could not be evaluated (e.g. it names a trait that no longer exists). */
  error?: string;
}

/**
 * The saved audiences (files and UI) the person's profile is in right now: each audience's own
 * compiled SQL, narrowed to the profile ids, counted in the warehouse.
 */
export async function audienceMemberships(project: Project, profileIds: readonly string[]): Promise<AudienceMembership[]> {
  if (!profileIds.length) return [];
  const warehouse = await project.warehouse();
  const d = warehouse.dialect;
  const ids = profileIds.map((id) => d.literal(id)).join(', ');
  const out: AudienceMembership[] = [];
  for (const audience of await listAudiences(project)) {
    if (audience.error) continue;
    try {
      const { sql } = await compileAudience(project, audience.name);
      const [row] = await warehouse.query<{ n: number | bigint }>(`SELECT COUNT(*) AS n FROM (${sql}) m WHERE m.profile_id IN (${ids})`);
      if (Number(row?.n ?? 0) > 0) out.push({ audience: audience.name });
    } catch (error) {
      out.push({ audience: audience.name, error: (error as Error).message });
    }
  }
  return out;
}
