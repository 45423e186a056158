import { createHash, randomBytes } from 'node:crypto';
import type { CollectConfig, SecretRef } from '../config/index.js';
import { resolveEnvSecret } from '../config/index.js';
import { CdpError } from '../errors.js';
import type { SecretStore } from '../state/index.js';

/** Stored secrets holding write keys of sources created in the UI. */
export const STORED_KEY_PREFIX = 'collect:';
const REFRESH_MS = 30_000;
/** A key nobody has (a typo, a guess) refreshes the table at most this often. */
const MISS_REFRESH_MS = 2_000;

export interface SourceInfo {
  name: string;
  /** Where the key lives: config `{env}`, config `{secret}`, or created in the UI. */
  origin: 'env' | 'secret' | 'ui';
  /** Name of the environment variable or stored secret. */
  ref: string;
  /** False when the variable or secret is not set: that source's requests are refused. */
  set: boolean;
}

function digest(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** A new write key: 32 random bytes, URL-safe (analytics.js puts it in the settings URL). */
export function newWriteKey(): string {
  return randomBytes(24).toString('base64url');
}

/**
 * Which source a write key belongs to. Keys come from config (`{env}` / `{secret}` references) or
 * were created in the UI (stored encrypted as `collect:<source>`). They are held in memory only as
 * SHA-256 digests, and never appear in an error text.
 */
export class WriteKeys {
  private table = new Map<string, string>();
  private loadedAt = 0;
  private loading: Promise<void> | null = null;

  constructor(
    private readonly config: CollectConfig | undefined,
    private readonly secrets: SecretStore,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  /** The source a key belongs to, or undefined. */
  async sourceOf(key: string | undefined): Promise<string | undefined> {
    if (!key) return undefined;
    const age = Date.now() - this.loadedAt;
    if (age > REFRESH_MS) await this.reload();
    const hit = this.table.get(digest(key));
    if (hit !== undefined || age < MISS_REFRESH_MS) return hit;
    await this.reload();
    return this.table.get(digest(key));
  }

  async sources(): Promise<SourceInfo[]> {
    const out: SourceInfo[] = [];
    for (const [name, ref] of Object.entries(this.config?.writeKeys ?? {})) {
      out.push('env' in ref ? { name, origin: 'env', ref: ref.env, set: Boolean(this.env[ref.env]) } : { name, origin: 'secret', ref: ref.secret, set: await this.secrets.has(ref.secret) });
    }
    for (const secret of await this.secrets.names(STORED_KEY_PREFIX)) {
      const name = secret.slice(STORED_KEY_PREFIX.length);
      if (!out.some((s) => s.name === name)) out.push({ name, origin: 'ui', ref: secret, set: true });
    }
    return out.sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Creates a source with a new key (UI); returns the key, shown once. */
  async create(name: string, actor: string): Promise<string> {
    if ((await this.sources()).some((s) => s.name === name)) {
      throw new CdpError('CONFLICT', `a source named ${name} exists already`, { location: { path: 'body.name' }, hint: 'rotate its key instead, or pick another name' });
    }
    return this.setKey(`${STORED_KEY_PREFIX}${name}`, actor);
  }

  /** Replaces a source's key (the old one stops working at once here, within 30 s on other services). */
  async rotate(name: string, actor: string): Promise<string> {
    const source = (await this.sources()).find((s) => s.name === name);
    if (!source) throw new CdpError('NOT_FOUND', `no source named ${name}`, { location: { path: 'params.name' } });
    if (source.origin === 'env') {
      throw new CdpError('CONFLICT', `the write key of ${name} comes from the environment variable ${source.ref}`, {
        hint: 'set a new value there and restart, or reference a stored secret ({secret: name}) in collect.writeKeys',
      });
    }
    return this.setKey(source.ref, actor);
  }

  /** Deletes a source created in the UI. */
  async delete(name: string): Promise<void> {
    const source = (await this.sources()).find((s) => s.name === name);
    if (!source) throw new CdpError('NOT_FOUND', `no source named ${name}`, { location: { path: 'params.name' } });
    if (source.origin !== 'ui') throw new CdpError('CONFLICT', `${name} is declared in collect.writeKeys of the project config`, { hint: 'remove it there' });
    await this.secrets.delete(source.ref);
    await this.reload();
  }

  private async setKey(secretName: string, actor: string): Promise<string> {
    const key = newWriteKey();
    await this.secrets.set(secretName, key, actor);
    await this.reload();
    return key;
  }

  private reload(): Promise<void> {
    this.loading ??= this.load().finally(() => {
      this.loading = null;
    });
    return this.loading;
  }

  private async load(): Promise<void> {
    const table = new Map<string, string>();
    const add = async (name: string, ref: SecretRef) => {
      try {
        const key = 'env' in ref ? resolveEnvSecret(ref, `collect.writeKeys.${name}`, this.env) : await this.secrets.reveal(ref.secret);
        table.set(digest(key), name);
      } catch {
        // Not set (yet): this source's requests are refused until it is; the Sources page says so.
      }
    };
    for (const [name, ref] of Object.entries(this.config?.writeKeys ?? {})) await add(name, ref);
    for (const secret of await this.secrets.names(STORED_KEY_PREFIX)) {
      const name = secret.slice(STORED_KEY_PREFIX.length);
      if (!this.config?.writeKeys[name]) await add(name, { secret });
    }
    this.table = table;
    this.loadedAt = Date.now();
  }
}
