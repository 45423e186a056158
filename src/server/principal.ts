import type { Request } from 'express';
import type { Actor } from '../audit/index.js';
import { can } from '../auth/index.js';
import { type User } from '../state/index.js';
import type { PiiView } from '../privacy/pii.js';

/** Who is calling: a user, through a browser session or an API token. */
export interface Principal {
  user: User;
  via: 'session' | 'token';
  tokenId: number | null;
  /** The raw session token (to log out); null for API tokens. */
  sessionToken: string | null;
}

export function actorOf(principal: Principal): Actor {
  return { type: principal.via === 'session' ? 'user' : 'token', id: String(principal.user.id), email: principal.user.email };
}

/** Whether responses to this caller mask PII: everyone without `pii:read` (and anonymous callers) sees it masked. */
export function piiViewOf(principal: Principal | null): PiiView {
  return { mask: !principal || !can(principal.user.role, 'pii:read') };
}

export const SESSION_COOKIE = 'cdp_session';

/** Reads one cookie from the Cookie header (no dependency needed for one name). */
export function readCookie(req: Request, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() !== name) continue;
    const raw = part.slice(eq + 1).trim();
    try {
      return decodeURIComponent(raw);
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** The bearer token of an `Authorization: Bearer ...` header. */
export function readBearer(req: Request): string | undefined {
  const header = req.headers.authorization;
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}
