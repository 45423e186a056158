import { useEffect, useRef, type ReactNode, type RefObject } from 'react';
import { useSession } from '../lib/auth';
import { Link, useLocation } from '../lib/router';
import type { Permission } from '../lib/types';

const NAV: Array<{ to: string; label: string; permission?: Permission }> = [
  { to: '/', label: 'Overview' },
  { to: '/dashboards', label: 'Dashboards' },
  { to: '/audiences', label: 'Audiences' },
  { to: '/profiles', label: 'Profiles', permission: 'profiles:read' },
  { to: '/review', label: 'Review matches' },
  { to: '/predictions', label: 'Predictions' },
  { to: '/syncs', label: 'Syncs' },
  { to: '/destinations', label: 'Destinations' },
  { to: '/sources', label: 'Sources' },
  { to: '/alerts', label: 'Alerts' },
  { to: '/privacy', label: 'Privacy', permission: 'privacy:manage' },
];

/** The frame of every signed-in page: skip link, navigation, who is signed in, the page. */
export function Layout({ children }: { children: ReactNode }) {
  const { me, can, logout } = useSession();
  const { path } = useLocation();
  const main = useRef<HTMLElement>(null);
  const first = useRef(true);

  // After client-side navigation, move focus to the new page (what a full page load would do).
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    main.current?.focus({ preventScroll: true });
  }, [path]);

  const header = useRef<HTMLElement>(null);
  useHeaderHeight(header);

  const current = (to: string) => (to === '/' ? path === '/' : path === to || path.startsWith(`${to}/`));
  return (
    <div className="app">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar" ref={header}>
        <Link to="/" className="brand" aria-label="CDP home">
          <span className="brand-mark" aria-hidden="true" />
          CDP
        </Link>
        <nav aria-label="Main">
          <ul>
            {NAV.filter((item) => !item.permission || can(item.permission)).map((item) => (
              <li key={item.to}>
                <Link to={item.to} aria-current={current(item.to) ? 'page' : undefined}>
                  {item.label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <div className="who">
          <span className="who-email" title={me.user.email}>
            {me.user.name ?? me.user.email}
          </span>
          <span className="badge badge-idle" data-testid="role">
            {me.user.role}
          </span>
          <button type="button" className="button small" onClick={() => void logout()}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" ref={main} tabIndex={-1}>
        {children}
      </main>
    </div>
  );
}

/**
 * Keeps --header-height (read by `scroll-padding-top` in styles.css) equal to the sticky header's
 * height, which grows when the page is zoomed or narrow and the navigation wraps.
 */
function useHeaderHeight(header: RefObject<HTMLElement | null>): void {
  useEffect(() => {
    const el = header.current;
    if (!el) return;
    const update = () => document.documentElement.style.setProperty('--header-height', `${Math.ceil(el.getBoundingClientRect().height)}px`);
    update();
    const observer = new ResizeObserver(update);
    observer.observe(el);
    return () => observer.disconnect();
  }, [header]);
}

/** A page's title row: heading, a line of context, and its actions on the right. */
export function PageHeader({ title, subtitle, actions, back }: { title: ReactNode; subtitle?: ReactNode; actions?: ReactNode; back?: { to: string; label: string } }) {
  return (
    <div className="page-header">
      <div>
        {back ? (
          <Link to={back.to} className="back-link">
            ← {back.label}
          </Link>
        ) : null}
        <h1>{title}</h1>
        {subtitle ? <p className="subtitle">{subtitle}</p> : null}
      </div>
      {actions ? <div className="page-actions">{actions}</div> : null}
    </div>
  );
}

/** Sets the document title while a page is shown. */
export function usePageTitle(title: string): void {
  useEffect(() => {
    document.title = `${title} · CDP`;
  }, [title]);
}
