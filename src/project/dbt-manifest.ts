import { existsSync, readFileSync, statSync } from 'node:fs';
import { CdpError } from '../errors.js';
import type { RelationRef } from '../warehouse/index.js';

/**
 * The relations of a dbt manifest (target/manifest.json, written by dbt-core or by cdp), so config
 * can name a dbt model as `ref:<model>` wherever it names a relation. Read once per file version.
 */
interface ManifestNode {
  resource_type?: string;
  name?: string;
  schema?: string;
  alias?: string | null;
  package_name?: string;
}

const cache = new Map<string, { mtime: number; nodes: ManifestNode[] }>();

function nodesOf(path: string): ManifestNode[] {
  const mtime = statSync(path).mtimeMs;
  const cached = cache.get(path);
  if (cached && cached.mtime === mtime) return cached.nodes;
  let parsed: { nodes?: Record<string, ManifestNode> };
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8')) as { nodes?: Record<string, ManifestNode> };
  } catch (error) {
    throw new CdpError('CONFIG_INVALID', `cannot read the dbt manifest ${path}: ${(error as Error).message}`, { hint: 'run dbt (or cdp run) again to rewrite target/manifest.json' });
  }
  const nodes = Object.values(parsed.nodes ?? {}).filter((node) => ['model', 'seed', 'snapshot'].includes(String(node.resource_type)));
  cache.set(path, { mtime, nodes });
  return nodes;
}

/** `ref:orders` or `ref:package.orders` -> the relation dbt built for that node. */
export function relationFromManifest(path: string, reference: string): RelationRef {
  if (!existsSync(path)) {
    throw new CdpError('CONFIG_NOT_FOUND', `ref:${reference} needs a dbt manifest, and ${path} does not exist`, {
      hint: 'run `dbt run` (or `cdp run` in the dbt project) first, or set models.manifest to where target/manifest.json is',
    });
  }
  const dot = reference.indexOf('.');
  const [pkg, name] = dot > 0 ? [reference.slice(0, dot), reference.slice(dot + 1)] : [undefined, reference];
  const matches = nodesOf(path).filter((node) => node.name === name && (pkg === undefined || node.package_name === pkg));
  if (matches.length === 0) {
    throw new CdpError('CONFIG_INVALID', `ref:${reference}: the dbt manifest ${path} has no model, seed or snapshot named ${name}`, { hint: 'name a node of the dbt project (its file name without .sql)' });
  }
  if (matches.length > 1) throw new CdpError('CONFIG_INVALID', `ref:${reference} is ambiguous: ${matches.map((m) => `${m.package_name}.${m.name}`).join(', ')}`, { hint: 'write ref:<package>.<model>' });
  const node = matches[0]!;
  return { schema: node.schema!, name: node.alias || name! };
}
