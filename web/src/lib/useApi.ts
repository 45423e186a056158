import { useCallback, useEffect, useRef, useState } from 'react';
import { api, isAbort, type RequestOptions } from './api';

export interface Loaded<T> {
  data: T | undefined;
  error: Error | undefined;
  loading: boolean;
  /** Fetches again (keeps showing the old data meanwhile). */
  reload(): void;
}

interface InFlight {
  key: string | null;
  controller: AbortController | null;
  /** A reload came while a request was on its way: fetch once more when it is back. */
  again: boolean;
}

/**
 * GETs a path and keeps the answer; refetches when `path` (or the query) changes, aborting the
 * request for the old one. `reload` never aborts: while a request is on its way it only asks for
 * one more, so polling a slow endpoint still gets answers. `path` null: nothing to fetch yet.
 */
export function useApi<T>(path: string | null, query?: RequestOptions['query']): Loaded<T> {
  const [state, setState] = useState<{ data?: T; error?: Error; loading: boolean }>({ loading: path !== null });
  const key = path === null ? null : `${path}?${JSON.stringify(query ?? {})}`;
  const request = useRef({ path, query });
  request.current = { path, query };
  const flight = useRef<InFlight>({ key: null, controller: null, again: false });

  const start = useCallback((forKey: string) => {
    const { path: target, query: params } = request.current;
    if (target === null) return;
    const controller = new AbortController();
    flight.current = { key: forKey, controller, again: false };
    setState((previous) => ({ data: previous.data, loading: true }));
    const done = () => {
      if (flight.current.controller !== controller) return false;
      flight.current.controller = null;
      if (flight.current.again) start(forKey);
      return true;
    };
    api<T>(target, { query: params, signal: controller.signal }).then(
      (data) => {
        if (flight.current.controller === controller) setState({ data, loading: false });
        done();
      },
      (error: unknown) => {
        if (isAbort(error)) return;
        if (flight.current.controller === controller) setState((previous) => ({ data: previous.data, error: error instanceof Error ? error : new Error(String(error)), loading: false }));
        done();
      },
    );
  }, []);

  useEffect(() => {
    if (key === null) {
      setState({ loading: false });
      return;
    }
    start(key);
    return () => {
      flight.current.controller?.abort();
      flight.current = { key: null, controller: null, again: false };
    };
  }, [key, start]);

  const reload = useCallback(() => {
    const current = flight.current;
    if (current.key === null) return;
    if (current.controller) current.again = true;
    else start(current.key);
  }, [start]);

  return { data: state.data, error: state.error, loading: state.loading, reload };
}

/** Calls `work` every `ms` while `active` (polling a running sync). */
export function useInterval(work: () => void, ms: number, active: boolean): void {
  const saved = useRef(work);
  saved.current = work;
  useEffect(() => {
    if (!active) return;
    const id = window.setInterval(() => saved.current(), ms);
    return () => window.clearInterval(id);
  }, [ms, active]);
}
