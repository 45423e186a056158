import { useRef, useState, type FormEvent } from 'react';
import { Field } from '../components/Field';
import { SsoSignIn } from '../components/SsoSignIn';
import { ErrorNote } from '../components/States';
import { usePageTitle } from '../components/Layout';
import { api } from '../lib/api';
import type { Me } from '../lib/types';

export function LoginPage({ onSignedIn }: { onSignedIn(me: Me): void }) {
  usePageTitle('Sign in');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const passwordInput = useRef<HTMLInputElement>(null);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onSignedIn(await api<Me>('/api/auth/login', { method: 'POST', body: { email, password } }));
    } catch (caught) {
      setError(caught);
      setBusy(false);
      // The disabled button lost focus: put it back on the password, ready to retype (the error is an alert).
      requestAnimationFrame(() => passwordInput.current?.select());
    }
  }

  return (
    <main className="center-page">
      <form className="card login" onSubmit={submit} aria-labelledby="login-title">
        <div className="brand login-brand">
          <span className="brand-mark" aria-hidden="true" />
          CDP
        </div>
        <h1 id="login-title">Sign in</h1>
        <SsoSignIn />
        <Field label="Email">
          {(props) => (
            <input {...props} type="email" name="email" autoComplete="username" required autoFocus value={email} onChange={(e) => setEmail(e.target.value)} />
          )}
        </Field>
        <Field label="Password">
          {(props) => (
            <input {...props} ref={passwordInput} type="password" name="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} />
          )}
        </Field>
        {error ? <ErrorNote error={error} title="Could not sign in" /> : null}
        <button type="submit" className="button primary wide" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
        <p className="muted small">No account? An admin creates one with `cdp user add`.</p>
      </form>
    </main>
  );
}
