/**
 * A real OpenID Connect provider (the `oidc-provider` library, certified by the OpenID Foundation)
 * running in the test process on a random loopback port: discovery, JWKS, authorization endpoint
 * with its development login form (any login, any password), token endpoint with PKCE, user info.
 * Accounts are a table of claims by login.
 */
import { generateKeyPairSync } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider, { type KoaContextWithOIDC } from 'oidc-provider';

export interface IdpAccount {
  email?: string;
  /** Some providers send it as a string ('true'/'false'). */
  email_verified?: boolean | string;
  name?: string;
  groups?: string[];
}

export interface TestIdp {
  issuer: string;
  /** Client authenticating with HTTP Basic; `<clientId>-client_secret_post` and `<clientId>-none` (public) exist too. */
  clientId: string;
  clientSecret: string;
  /** Registers the CDP service's callback URL(s) as the client's redirect URIs (the provider is built then). */
  register(redirectUris: string[]): void;
  /** Authorization requests the provider received, as their query parameters. */
  authorizations: URLSearchParams[];
  close(): Promise<void>;
}

export async function startIdp(accounts: Record<string, IdpAccount>, options: { clientId?: string; clientSecret?: string } = {}): Promise<TestIdp> {
  const clientId = options.clientId ?? 'cdp-test-client';
  const clientSecret = options.clientSecret ?? 'cdp-test-client-secret-0123456789';
  let handler: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  const authorizations: URLSearchParams[] = [];
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://idp');
    if (url.pathname === '/auth') authorizations.push(url.searchParams);
    if (!handler) res.writeHead(503).end('provider not registered yet');
    else handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const signingKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });

  return {
    issuer,
    clientId,
    clientSecret,
    authorizations,
    register(redirectUris) {
      const provider = new Provider(issuer, {
        // The same app three ways: secret by HTTP Basic (OIDC's default), secret in the form body, public (PKCE only).
        clients: (['client_secret_basic', 'client_secret_post', 'none'] as const).map((method) => ({
          client_id: method === 'client_secret_basic' ? clientId : `${clientId}-${method}`,
          ...(method === 'none' ? {} : { client_secret: clientSecret }),
          redirect_uris: redirectUris,
          grant_types: ['authorization_code'],
          response_types: ['code'],
          token_endpoint_auth_method: method,
        })),
        jwks: { keys: [{ ...signingKey, kid: 'test-key', use: 'sig', alg: 'RS256' }] },
        cookies: { keys: ['test-idp-cookie-key-0123456789'] },
        claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'], groups: ['groups'] },
        scopes: ['openid', 'email', 'profile', 'groups'],
        pkce: { required: () => true },
        // Explicit lifetimes (the library nags about its defaults otherwise).
        ttl: { Interaction: 600, Session: 3600, Grant: 3600, AccessToken: 600, IdToken: 600, AuthorizationCode: 60 },
        features: { devInteractions: { enabled: true } },
        async findAccount(_ctx: KoaContextWithOIDC, sub: string) {
          const account = accounts[sub];
          if (!account) return undefined;
          return { accountId: sub, claims: () => ({ sub, ...account }) };
        },
        // A first-party client: no consent screen, as a company's IdP is set up for its own apps.
        async loadExistingGrant(ctx: KoaContextWithOIDC) {
          const { oidc } = ctx;
          const existing = oidc.result?.consent?.grantId ?? oidc.session?.grantIdFor(oidc.client!.clientId);
          if (existing) return oidc.provider.Grant.find(existing);
          const grant = new oidc.provider.Grant({ clientId: oidc.client!.clientId, accountId: oidc.session!.accountId! });
          grant.addOIDCScope(String(oidc.params?.scope ?? 'openid'));
          await grant.save();
          return grant;
        },
      });
      handler = provider.callback();
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * A browser without a screen, for tests that drive the whole redirect dance over HTTP: one cookie
 * jar per host, redirects followed by hand (so each hop can be inspected), forms posted.
 */
export class HttpBrowser {
  private readonly jars = new Map<string, Map<string, string>>();

  cookies(url: string): Map<string, string> {
    const host = new URL(url).host;
    let jar = this.jars.get(host);
    if (!jar) this.jars.set(host, (jar = new Map()));
    return jar;
  }

  async request(url: string, init: { method?: string; form?: Record<string, string> } = {}): Promise<Response> {
    const jar = this.cookies(url);
    const headers: Record<string, string> = {};
    if (jar.size) headers.cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    if (init.form) headers['content-type'] = 'application/x-www-form-urlencoded';
    const res = await fetch(url, {
      method: init.method ?? (init.form ? 'POST' : 'GET'),
      headers,
      redirect: 'manual',
      ...(init.form ? { body: new URLSearchParams(init.form).toString() } : {}),
    });
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      const expired = attributes.some((a) => /^\s*expires=Thu, 01 Jan 1970/i.test(a) || /^\s*max-age=0\s*$/i.test(a));
      if (expired || value === '') jar.delete(name);
      else jar.set(name, value);
    }
    return res;
  }

  /** Follows redirects until a page answers (or `stopAt` matches a Location); returns the last response and its URL. */
  async follow(url: string, stopAt?: (location: URL) => boolean): Promise<{ res: Response; url: string }> {
    let current = url;
    for (let hops = 0; hops < 20; hops++) {
      const res = await this.request(current);
      const location = res.headers.get('location');
      if (res.status < 300 || res.status >= 400 || !location) return { res, url: current };
      const next = new URL(location, current);
      if (stopAt?.(next)) return { res, url: next.href };
      current = next.href;
    }
    throw new Error(`too many redirects from ${url}`);
  }

  /** Signs in at the provider's development login form on `pageUrl` and follows the redirects that result. */
  async signInAtProvider(pageUrl: string, html: string, login: string, stopAt?: (location: URL) => boolean): Promise<{ res: Response; url: string }> {
    const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
    if (!action) throw new Error(`no login form at ${pageUrl}: ${html.slice(0, 300)}`);
    const submitted = await this.request(new URL(action, pageUrl).href, { form: { prompt: 'login', login, password: 'any-password' } });
    const location = submitted.headers.get('location');
    if (!location) throw new Error(`the provider's login form answered ${submitted.status}: ${(await submitted.text()).slice(0, 300)}`);
    return this.follow(new URL(location, pageUrl).href, stopAt);
  }
}
