import { useEffect, useState } from 'react';
import { api } from '../lib/api';

interface Providers {
  password: true;
  oidc: { name: string; loginUrl: string } | null;
}

/** What the service's `sso_error` reasons mean to the person at the login page (src/server/services/oidc.ts). */
const SSO_ERRORS: Record<string, string> = {
  not_configured: 'Single sign-on is not set up on this service. Sign in with your email and password.',
  unavailable: 'The identity provider could not be reached. Try again in a minute; if it keeps failing, an admin should check auth.oidc.issuer and the service log.',
  expired: 'The sign-in expired, or was finished in another browser or tab. Start it again.',
  denied: 'The identity provider did not sign you in.',
  failed: 'The answer from the identity provider could not be verified. Start again; if it keeps failing, an admin should check the service log.',
  no_email: 'Your identity provider sent no email address, which CDP needs. Ask your admin to release the email claim to CDP.',
  unverified_email: 'Your identity provider has not verified your email address, so CDP cannot match it to an account.',
  no_role: 'You are signed in at your identity provider, but no CDP role is mapped to your groups or email domain. Ask a CDP admin to map your group (auth.oidc.roles) or to give you an account.',
  disabled: 'Your CDP account is disabled. Ask a CDP admin to enable it.',
};

/** "Sign in with <provider>" when single sign-on is configured, and why the last SSO attempt was refused. */
export function SsoSignIn() {
  const [providers, setProviders] = useState<Providers | null>(null);
  const reason = new URLSearchParams(window.location.search).get('sso_error');

  useEffect(() => {
    api<Providers>('/api/auth/providers').then(setProviders, () => setProviders(null));
  }, []);

  const { pathname, search } = window.location;
  const returnTo = pathname === '/login' ? '/' : `${pathname}${search}`;
  return (
    <>
      {reason ? (
        <div className="error-note" role="alert">
          <strong>Single sign-on refused</strong>
          <p>{SSO_ERRORS[reason] ?? 'The single sign-on did not complete. Start it again.'}</p>
        </div>
      ) : null}
      {providers?.oidc ? (
        <>
          {/* A plain link, not a form: the redirect to the provider is a navigation, so CSP form-action does not apply. */}
          <a className="button primary wide" href={`${providers.oidc.loginUrl}?returnTo=${encodeURIComponent(returnTo)}`}>
            Sign in with {providers.oidc.name}
          </a>
          <p className="muted small login-or">or with your email and password</p>
        </>
      ) : null}
    </>
  );
}
