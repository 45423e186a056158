import * as client from 'openid-client';
import type { Logger } from 'pino';
import type { AuditLog } from '../../audit/index.js';
import { decideRole } from '../../auth/index.js';
import { type User, type UserStore } from '../../state/index.js';
import { isLoopbackHost, type OidcConfig } from '../../config/index.js';
import { decryptSecret, encryptSecret, type SecretKey, type SecretResolver } from '../../secrets/index.js';

/** Why a sign-in was refused: the login page shows a sentence per reason (web/src/pages/LoginPage.tsx). */
export type SsoFailure = 'not_configured' | 'unavailable' | 'expired' | 'denied' | 'failed' | 'no_email' | 'unverified_email' | 'no_role' | 'disabled';

/** A refused SSO sign-in: the person is sent back to the login page with `reason`; `message` goes to the log and audit. */
export class SsoRefusal extends Error {
  constructor(
    readonly reason: SsoFailure,
    message: string,
  ) {
    super(message);
    this.name = 'SsoRefusal';
  }
}

/** What the browser keeps between leaving for the provider and coming back (encrypted, httpOnly, 10 minutes). */
export interface PendingLogin {
  state: string;
  nonce: string;
  verifier: string;
  redirectUri: string;
  returnTo: string;
  expiresAt: number;
}

export const OIDC_COOKIE = 'cdp_oidc';
export const OIDC_CALLBACK_PATH = '/api/auth/oidc/callback';
const PENDING_TTL_MS = 10 * 60 * 1000;
/** The cookie's ciphertext is bound to this name (AES-GCM additional data): a stored secret's ciphertext cannot pass for it. */
const COOKIE_AAD = 'cdp-oidc-pending-login';

/** The pending login as its cookie value: AES-256-GCM under the secret key, so the browser can neither read nor forge it. */
export function sealPendingLogin(key: SecretKey, pending: PendingLogin): string {
  return encryptSecret(key, COOKIE_AAD, JSON.stringify(pending));
}

export function openPendingLogin(key: SecretKey, cookie: string | undefined): PendingLogin {
  if (!cookie) throw new SsoRefusal('expired', 'no sign-in was started in this browser (the cookie is missing)');
  let pending: PendingLogin;
  try {
    pending = JSON.parse(decryptSecret(key, COOKIE_AAD, cookie)) as PendingLogin;
  } catch {
    throw new SsoRefusal('expired', 'the sign-in cookie cannot be read (tampered, or written with another CDP_SECRET_KEY)');
  }
  if (pending.expiresAt <= Date.now()) throw new SsoRefusal('expired', 'the sign-in took longer than 10 minutes');
  return pending;
}

export interface OidcDeps {
  key: SecretKey;
  resolveSecret: SecretResolver;
  users: UserStore;
  audit: AuditLog;
  log: Logger;
}

/**
 * Only a path on this site. `//evil.example` and `/\evil.example` would leave it, and browsers drop
 * tabs and newlines from URLs (`/<tab>/evil.example` is `//evil.example`): no backslash, no
 * whitespace or control character anywhere.
 */
export function safeReturnTo(value: unknown): string {
  if (typeof value !== 'string' || !value.startsWith('/') || value.startsWith('//')) return '/';
  for (const char of value) {
    const code = char.codePointAt(0)!;
    if (code <= 0x20 || code === 0x7f || char === '\\') return '/';
  }
  return value;
}

/** openid-client's message and the causes under it (which claim or parameter failed, the provider's OAuth error). */
function describeOidcError(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current instanceof Error && depth < 4; depth++) {
    const oauth = current as Error & { error?: unknown; error_description?: unknown };
    const code = typeof oauth.error === 'string' ? ` (${oauth.error}${typeof oauth.error_description === 'string' ? `: ${oauth.error_description}` : ''})` : '';
    parts.push(`${current.message}${code}`);
    if (current instanceof client.WWWAuthenticateChallengeError) {
      // The provider's answer is in the challenge: `Basic error="invalid_client", error_description="..."`.
      const challenges = current.cause.map(({ parameters }) => [parameters.error, parameters.error_description].filter(Boolean).join(': '));
      parts.push(challenges.join('; '));
      break;
    }
    current = current.cause;
  }
  return parts.join(': ') || String(error);
}

/**
 * OpenID Connect sign-in (authorization code + PKCE + state + nonce) with `openid-client`: sends the
 * browser to the provider, checks what comes back, maps the identity to a role by the configured
 * rules and creates the CDP user on first sign-in.
 */
export class OidcLogin {
  private discovered: Promise<client.Configuration> | undefined;

  constructor(
    readonly config: OidcConfig,
    private readonly deps: OidcDeps,
  ) {}

  get name(): string {
    return this.config.name;
  }

  /** The provider's metadata, read once (a failure is retried on the next sign-in). */
  private configuration(): Promise<client.Configuration> {
    this.discovered ??= this.discover().catch((error: unknown) => {
      this.discovered = undefined;
      const detail = error instanceof Error ? error.message : String(error);
      throw new SsoRefusal('unavailable', `could not read the OpenID configuration of ${this.config.issuer}: ${detail}`);
    });
    return this.discovered;
  }

  private async discover(): Promise<client.Configuration> {
    const { config } = this;
    const secret = config.clientSecret ? await this.deps.resolveSecret(config.clientSecret, 'auth.oidc.clientSecret') : undefined;
    const auth = secret === undefined ? client.None() : config.clientAuth === 'client_secret_post' ? client.ClientSecretPost(secret) : client.ClientSecretBasic(secret);
    const issuer = new URL(config.issuer);
    // The config (reviewed code) may name a provider on this machine over http; anything else is https (schema-checked).
    const insecure = issuer.protocol === 'http:' && isLoopbackHost(issuer.hostname);
    return client.discovery(issuer, config.clientId, undefined, auth, { timeout: 10, ...(insecure ? { execute: [client.allowInsecureRequests] } : {}) });
  }

  /** Starts a sign-in: the provider URL to send the browser to, and the cookie to set. */
  async begin(serviceOrigin: string, returnTo: string): Promise<{ url: URL; cookie: string }> {
    const configuration = await this.configuration();
    const pending: PendingLogin = {
      state: client.randomState(),
      nonce: client.randomNonce(),
      verifier: client.randomPKCECodeVerifier(),
      redirectUri: this.config.redirectUri ?? `${serviceOrigin}${OIDC_CALLBACK_PATH}`,
      returnTo: safeReturnTo(returnTo),
      expiresAt: Date.now() + PENDING_TTL_MS,
    };
    const url = client.buildAuthorizationUrl(configuration, {
      redirect_uri: pending.redirectUri,
      scope: this.config.scopes.join(' '),
      response_type: 'code',
      code_challenge: await client.calculatePKCECodeChallenge(pending.verifier),
      code_challenge_method: 'S256',
      state: pending.state,
      nonce: pending.nonce,
    });
    return { url, cookie: sealPendingLogin(this.deps.key, pending) };
  }

  /**
   * Finishes a sign-in from the provider's redirect: checks state, exchanges the code with the PKCE
   * verifier, verifies the ID token (signature, issuer, audience, nonce), reads the user info, and
   * returns the CDP user with the role the rules give. Throws SsoRefusal otherwise.
   */
  async complete(query: URLSearchParams, cookie: string | undefined): Promise<{ user: User; returnTo: string }> {
    const pending = openPendingLogin(this.deps.key, cookie);
    const configuration = await this.configuration();
    const callback = new URL(pending.redirectUri);
    callback.search = query.toString();
    let claims: Record<string, unknown>;
    try {
      const tokens = await client.authorizationCodeGrant(configuration, callback, {
        pkceCodeVerifier: pending.verifier,
        expectedState: pending.state,
        expectedNonce: pending.nonce,
        idTokenExpected: true,
      });
      const idClaims = tokens.claims()!;
      const info = configuration.serverMetadata().userinfo_endpoint ? await client.fetchUserInfo(configuration, tokens.access_token, idClaims.sub) : {};
      // Signed ID token claims win over the user info response.
      claims = { ...info, ...idClaims };
    } catch (error) {
      if (error instanceof client.AuthorizationResponseError) {
        throw new SsoRefusal('denied', `the provider refused the sign-in: ${error.error}${error.error_description ? ` (${error.error_description})` : ''}`);
      }
      throw new SsoRefusal('failed', `the sign-in could not be verified: ${describeOidcError(error)}`);
    }
    return { user: await this.userFor(claims), returnTo: pending.returnTo };
  }

  /** Just-in-time provisioning: the user by email, created on first sign-in; the role follows the rules at every sign-in. */
  private async userFor(claims: Record<string, unknown>): Promise<User> {
    const email = typeof claims.email === 'string' ? claims.email.trim().toLowerCase() : '';
    if (!email.includes('@')) throw new SsoRefusal('no_email', `the provider sent no email address for subject ${String(claims.sub)}; request the "email" scope`);
    // Users are matched by email, so an address the provider says it has not verified is never trusted.
    // Some providers (Cognito) send the flag as a string.
    const verified = claims.email_verified === true || claims.email_verified === 'true';
    if (claims.email_verified === false || claims.email_verified === 'false') throw new SsoRefusal('unverified_email', `the provider has not verified ${email}`);
    const decision = decideRole(claims, email, verified, this.config.roles, this.config.defaultRole);
    if (decision.role === null) throw new SsoRefusal('no_role', `${email} may not use CDP: ${decision.reason}`);
    const name = typeof claims.name === 'string' ? claims.name.slice(0, 200) : null;
    const existing = await this.deps.users.findByEmail(email);
    if (existing?.disabled) throw new SsoRefusal('disabled', `the CDP account ${email} is disabled`);
    if (!existing) {
      const user = await this.createUser(email, decision.role, name);
      this.deps.log.info({ userId: user.id, role: user.role, by: decision.by }, 'sso: user created on first sign-in');
      return user;
    }
    const role = await this.keepLastAdmin(existing, decision.role);
    if (existing.role === role && (name === null || existing.name === name)) return existing;
    const user = await this.deps.users.update(existing.id, { role, ...(name !== null ? { name } : {}) });
    if (existing.role !== role) {
      await this.deps.audit.record({
        actor: { type: 'system', id: null, email: null },
        action: 'user.update',
        resourceType: 'user',
        resourceId: String(user.id),
        details: { role: { from: existing.role, to: role }, by: `sso ${decision.by}` },
      });
    }
    return user;
  }

  /** A sign-in never demotes the last active admin (the service would have nobody to manage it); it says so in the log. */
  private async keepLastAdmin(existing: User, role: User['role']): Promise<User['role']> {
    if (existing.role !== 'admin' || role === 'admin') return role;
    if ((await this.deps.users.countOtherActiveAdmins(existing.id)) > 0) return role;
    this.deps.log.warn({ userId: existing.id, mapped: role }, 'sso: the rules map the last active admin to a lesser role; kept admin until another admin exists');
    return 'admin';
  }

  private async createUser(email: string, role: User['role'], name: string | null): Promise<User> {
    try {
      const user = await this.deps.users.create({ email, role, name, password: null });
      await this.deps.audit.record({ actor: { type: 'system', id: null, email: null }, action: 'user.create', resourceType: 'user', resourceId: String(user.id), details: { role, via: 'sso' } });
      return user;
    } catch (error) {
      // Two first sign-ins at once: the other one created the user.
      const raced = await this.deps.users.findByEmail(email);
      if (raced) return raced;
      throw error;
    }
  }
}
