import { useEffect, useMemo, useState, type FormEvent } from 'react';
import { Field } from '../components/Field';
import { PageHeader, usePageTitle } from '../components/Layout';
import { ProfileMatches } from '../components/ProfileMatches';
import { EmptyState, ErrorNote, Loading } from '../components/States';
import { api, ApiError, isAbort } from '../lib/api';
import { formatCount, formatDate, formatTime, formatValue, toDate } from '../lib/format';
import { Link, navigate, useLocation } from '../lib/router';
import type { AudienceSummary, IdentityStats, ProfileView } from '../lib/types';
import { useApi } from '../lib/useApi';

const AUTO = 'auto';
const PROFILE_ID = 'profile_id';
const EVENTS = 50;
/** Profiles carry one `consent_<purpose>` column per consent purpose: granted, denied or unknown. */
const CONSENT = 'consent_';
const CONSENT_TONES: Record<string, string> = { granted: 'ok', denied: 'bad' };

/** Which id types to try, best guess first, for a value typed without saying what it is. */
function guessOrder(value: string, idTypes: string[]): string[] {
  const first: string[] = [];
  if (value.includes('@')) first.push('email');
  else if (/^\+?[\d\s().-]{7,}$/.test(value)) first.push('phone');
  const known = first.filter((t) => idTypes.includes(t));
  return [...known, PROFILE_ID, ...idTypes.filter((t) => !known.includes(t))];
}

async function findProfile(type: string, value: string, idTypes: string[], signal: AbortSignal): Promise<{ profile: ProfileView; foundBy: string }> {
  const order = type === AUTO ? guessOrder(value, idTypes) : [type];
  let lastError: unknown = null;
  for (const candidate of order) {
    try {
      const profile =
        candidate === PROFILE_ID
          ? await api<ProfileView>(`/api/profiles/${encodeURIComponent(value)}`, { query: { events: EVENTS }, signal })
          : await api<ProfileView>('/api/profiles', { query: { id_type: candidate, value, events: EVENTS }, signal });
      return { profile, foundBy: candidate };
    } catch (error) {
      // Guessing the type: a value that is not a valid <type> (an email tried as a phone) is simply not that type.
      const notThisType = type === AUTO && error instanceof ApiError && error.status === 400 && candidate !== order[0];
      if (!notThisType && (!(error instanceof ApiError) || error.status !== 404 || error.message.includes('no identity graph'))) throw error;
      if (!notThisType) lastError = error;
    }
  }
  throw type === AUTO ? new ApiError(404, 'NOT_FOUND', `No profile found for “${value}”.`, null, 'check the spelling, or pick the identifier type') : lastError;
}

export function ProfilesPage() {
  usePageTitle('Profiles');
  const { query } = useLocation();
  const stats = useApi<IdentityStats>('/api/identity/stats');
  const idTypes = useMemo(() => stats.data?.byIdType.map((t) => t.idType) ?? [], [stats.data]);
  const wantedType = query.get('id') ? PROFILE_ID : (query.get('type') ?? AUTO);
  const wantedValue = query.get('id') ?? query.get('value') ?? '';
  const [type, setType] = useState(wantedType);
  const [value, setValue] = useState(wantedValue);
  const [result, setResult] = useState<{ profile?: ProfileView; foundBy?: string; error?: unknown; loading: boolean }>({ loading: false });

  // The form follows the address (back/forward), not the other way round.
  useEffect(() => {
    setType(wantedType);
    setValue(wantedValue);
  }, [wantedType, wantedValue]);

  useEffect(() => {
    if (!wantedValue || !stats.data) {
      setResult({ loading: false });
      return;
    }
    const controller = new AbortController();
    setResult({ loading: true });
    findProfile(wantedType, wantedValue, idTypes, controller.signal).then(
      (found) => setResult({ ...found, loading: false }),
      (error: unknown) => {
        if (!isAbort(error)) setResult({ error, loading: false });
      },
    );
    return () => controller.abort();
  }, [wantedType, wantedValue, stats.data, idTypes]);

  function search(event: FormEvent) {
    event.preventDefault();
    const text = value.trim();
    if (!text) return;
    navigate(type === PROFILE_ID ? `/profiles?id=${encodeURIComponent(text)}` : `/profiles?type=${encodeURIComponent(type)}&value=${encodeURIComponent(text)}`);
  }

  return (
    <>
      <PageHeader title="Profiles" subtitle="Look a customer up by email, phone or any identifier and see everything known about them." />
      <form className="card search-form" role="search" onSubmit={search}>
        <Field label="Identifier type">
          {(props) => (
            <select {...props} value={type} onChange={(e) => setType(e.target.value)}>
              <option value={AUTO}>Any (guess)</option>
              {idTypes.map((t) => (
                <option key={t} value={t}>
                  {t}
                </option>
              ))}
              <option value={PROFILE_ID}>profile id</option>
            </select>
          )}
        </Field>
        <Field label="Identifier" className="grow">
          {(props) => (
            <input {...props} type="search" name="identifier" placeholder="jane@example.com, +1 415 555 0100, a user id…" value={value} onChange={(e) => setValue(e.target.value)} />
          )}
        </Field>
        <button type="submit" className="button primary">
          Search
        </button>
      </form>
      {stats.error ? <ErrorNote error={stats.error} onRetry={stats.reload} /> : null}
      {stats.data && !stats.data.built ? <EmptyState title="No profiles yet">Run the pipeline (<code>cdp run</code>) to build identity and profiles first.</EmptyState> : null}
      {result.loading ? <Loading label="Looking up…" /> : null}
      {result.error ? <ErrorNote error={result.error} /> : null}
      {!wantedValue && stats.data?.built ? <EmptyState title="Search for a customer">Type any identifier the customer left in any source: an email, a phone number, a user id, a device id.</EmptyState> : null}
      {result.profile && !result.loading ? <Profile profile={result.profile} foundBy={result.foundBy!} /> : null}
    </>
  );
}

/** A person's name from common traits, else their email; null when neither is known. */
function displayName(profile: ProfileView): string | null {
  const text = (key: string) => (typeof profile.traits[key] === 'string' ? (profile.traits[key] as string).trim() : '');
  return [text('first_name'), text('last_name')].filter(Boolean).join(' ') || text('email') || text('name') || null;
}

function Profile({ profile, foundBy }: { profile: ProfileView; foundBy: string }) {
  const traits = Object.entries(profile.traits).filter(([key]) => !key.startsWith(CONSENT));
  const consent = Object.entries(profile.traits).filter(([key]) => key.startsWith(CONSENT));
  const byType = useMemo(() => {
    const map = new Map<string, ProfileView['identifiers']>();
    for (const id of profile.identifiers) map.set(id.idType, [...(map.get(id.idType) ?? []), id]);
    return map;
  }, [profile.identifiers]);
  return (
    <article aria-labelledby="profile-title" data-testid="profile">
      <div className="profile-head">
        <h2 id="profile-title">{displayName(profile) ?? 'Profile'}</h2>
        <span className="muted small">
          <code>{profile.profileId}</code> · found by {foundBy === PROFILE_ID ? 'profile id' : foundBy} · {formatCount(profile.identifiers.length)} identifiers from {formatCount(profile.sources.length)} sources
        </span>
        {profile.mergedFrom ? <p className="notice">Profile {profile.mergedFrom} was merged into this one.</p> : null}
        {profile.piiMasked ? (
          <p className="notice" data-testid="pii-masked">
            Personal data hidden for your role: values tagged as PII are masked.
          </p>
        ) : null}
      </div>
      <div className="profile-grid">
        <section className="card" aria-labelledby="traits-title">
          <h3 id="traits-title">Traits</h3>
          {traits.length === 0 ? (
            <p className="muted">No traits are configured.</p>
          ) : (
            <dl className="facts">
              {traits.map(([key, value]) => (
                <div key={key}>
                  <dt>{key}</dt>
                  <dd>{formatValue(value)}</dd>
                </div>
              ))}
            </dl>
          )}
          {consent.length ? <Consent traits={consent} /> : null}
        </section>
        <section className="card" aria-labelledby="ids-title">
          <h3 id="ids-title">Identifiers</h3>
          {[...byType].map(([idType, ids]) => (
            <div key={idType} className="id-group">
              <h4>{idType}</h4>
              <ul className="plain-list">
                {ids.map((id) => (
                  <li key={id.value}>
                    <code>{id.value}</code>{' '}
                    <span className="muted small">
                      seen {formatDate(id.firstSeen)} – {formatDate(id.lastSeen)}
                    </span>
                  </li>
                ))}
              </ul>
            </div>
          ))}
          <h3>Sources</h3>
          <ul className="plain-list">
            {profile.sources.map((s) => (
              <li key={s.source}>
                {s.source} <span className="muted small">{formatCount(s.records)} records</span>
              </li>
            ))}
          </ul>
        </section>
        <section className="card" aria-labelledby="memberships-title">
          <h3 id="memberships-title">Audiences</h3>
          <Memberships profileId={profile.profileId} />
        </section>
      </div>
      <ProfileMatches profileId={profile.profileId} />
      <section className="card" aria-labelledby="events-title">
        <h3 id="events-title">Recent events</h3>
        <Timeline events={profile.events} />
      </section>
    </article>
  );
}

function Consent({ traits }: { traits: Array<[string, unknown]> }) {
  return (
    <>
      <h3 className="consent-title">Consent</h3>
      <ul className="consent-list" data-testid="consent">
        {traits.map(([key, value]) => {
          const status = typeof value === 'string' && value ? value : 'unknown';
          return (
            <li key={key}>
              {key.slice(CONSENT.length).replace(/_/g, ' ')} <span className={`badge badge-${CONSENT_TONES[status] ?? 'idle'}`}>{status}</span>
            </li>
          );
        })}
      </ul>
    </>
  );
}

/**
 * The audiences this profile is in. The API has no membership route for one profile, so each
 * audience is counted with an extra `profile_id = <id>` condition (a handful of small queries).
 */
function Memberships({ profileId }: { profileId: string }) {
  const audiences = useApi<AudienceSummary[]>('/api/audiences');
  const [state, setState] = useState<{ members?: string[]; error?: unknown }>({});
  useEffect(() => {
    if (!audiences.data) return;
    const controller = new AbortController();
    const names = audiences.data.filter((a) => !a.error).map((a) => a.name);
    setState({});
    (async () => {
      const members: string[] = [];
      const queue = [...names];
      const worker = async () => {
        for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
          const where = { all: [{ audience: name }, { trait: 'profile_id', op: 'eq', value: profileId }] };
          const { count } = await api<{ count: number }>('/api/audiences/count', { method: 'POST', body: { definition: { where } }, signal: controller.signal });
          if (count > 0) members.push(name);
        }
      };
      await Promise.all([worker(), worker(), worker()]);
      setState({ members: members.sort() });
    })().catch((error: unknown) => {
      if (!isAbort(error)) setState({ error });
    });
    return () => controller.abort();
  }, [audiences.data, profileId]);
  if (audiences.error) return <ErrorNote error={audiences.error} />;
  if (state.error) return <ErrorNote error={state.error} />;
  if (!state.members) return <Loading label="Checking audiences…" />;
  if (state.members.length === 0) return <p className="muted">In no audience.</p>;
  return (
    <ul className="plain-list" data-testid="memberships">
      {state.members.map((name) => (
        <li key={name}>
          <Link to={`/audiences/${encodeURIComponent(name)}`}>{name}</Link>
        </li>
      ))}
    </ul>
  );
}

function Timeline({ events }: { events: ProfileView['events'] }) {
  if (events.length === 0) return <p className="muted">No events.</p>;
  const days = new Map<string, ProfileView['events']>();
  for (const event of events) {
    const day = formatDate(event.at);
    days.set(day, [...(days.get(day) ?? []), event]);
  }
  return (
    <ol className="timeline">
      {[...days].map(([day, list]) => (
        <li key={day}>
          <h4 className="timeline-day">{day}</h4>
          <ul>
            {list.map((event, i) => (
              <li key={i} className="timeline-item">
                <time dateTime={toDate(event.at)?.toISOString()}>{formatTime(event.at)}</time>
                <span className="timeline-event">{event.event ?? '(unnamed)'}</span>
                <span className="tag">{event.source}</span>
                <details>
                  <summary>properties</summary>
                  <dl className="facts small">
                    {Object.entries(event.properties).map(([key, value]) => (
                      <div key={key}>
                        <dt>{key}</dt>
                        <dd>{formatValue(value)}</dd>
                      </div>
                    ))}
                  </dl>
                </details>
              </li>
            ))}
          </ul>
        </li>
      ))}
    </ol>
  );
}
