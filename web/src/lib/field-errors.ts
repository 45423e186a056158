import { useEffect, type RefObject } from 'react';
import { ApiError } from './api';

/**
 * API 400s name the field (`body.channel.smtp.host`); forms show the message next to that field.
 * The path is the form's key without the request part; the message loses its leading path.
 */
export function errorPath(error: unknown): string | null {
  if (!(error instanceof ApiError) || !error.path) return null;
  return error.path.replace(/^(body|query|params)\.?/, '') || null;
}

/** The message in people's words: "body.config.url: refused…" becomes "Refused…". */
export function errorMessage(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const bare = text.replace(/^[A-Za-z_][\w.[\]-]*: /, '');
  return bare.charAt(0).toUpperCase() + bare.slice(1);
}

/** The message for a field when the error is about it (its key, or something inside it). */
export function errorAt(error: unknown, ...keys: string[]): string | undefined {
  const path = errorPath(error);
  if (!path) return undefined;
  return keys.some((key) => path === key || path.startsWith(`${key}.`) || path.startsWith(`${key}[`)) ? errorMessage(error) : undefined;
}

/** Props of a control that has an error: aria-invalid, and aria-describedby naming the rendered message (and its hint). */
export function invalidProps(id: string, message: string | undefined, describedBy?: string): { 'aria-invalid'?: true; 'aria-describedby'?: string } {
  const ids = [message ? `${id}-error` : null, describedBy ?? null].filter(Boolean).join(' ');
  return { ...(message ? { 'aria-invalid': true as const } : {}), ...(ids ? { 'aria-describedby': ids } : {}) };
}

/**
 * After a failed save, focus goes to the first invalid field of the form, or else to `fallback`
 * (the error note), so keyboard and screen-reader users land on what to fix.
 */
export function useFocusOnError(form: RefObject<HTMLElement | null>, error: unknown, fallback?: RefObject<HTMLElement | null>): void {
  useEffect(() => {
    if (!error) return;
    const invalid = form.current?.querySelector<HTMLElement>('[aria-invalid="true"]');
    if (invalid) {
      const details = invalid.closest('details');
      if (details && !details.open) details.open = true;
      invalid.focus();
    } else fallback?.current?.focus();
  }, [error, form, fallback]);
}
