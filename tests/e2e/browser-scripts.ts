/**
 * Expressions the keyboard and accessibility tests evaluate in the page. They are plain
 * JavaScript strings because the tests' TypeScript has no DOM types (Node code must not use them).
 */

/** The focused element's text. */
export const FOCUSED_TEXT = `document.activeElement ? document.activeElement.textContent : null`;

/** The focused element's name attribute. */
export const FOCUSED_NAME = `document.activeElement ? document.activeElement.getAttribute('name') : null`;

/** Whether the focused element is inside an element matching a selector. */
export const focusedInside = (selector: string): string => `!!(document.activeElement && document.activeElement.closest(${JSON.stringify(selector)}))`;

/** Whether focus is in the first condition of the builder. */
export const FOCUS_IN_FIRST_CONDITION = `!!document.activeElement && document.activeElement.closest('.condition-item') === document.querySelector('.condition-item')`;

/** Whether a combobox's highlighted option (aria-activedescendant) lies within its listbox's visible box. */
export const ACTIVE_OPTION_IN_VIEW = `(() => {
  const input = document.activeElement;
  const active = document.getElementById(input.getAttribute('aria-activedescendant') || '');
  const list = active && active.closest('[role="listbox"]');
  if (!active || !list) return false;
  const box = list.getBoundingClientRect();
  const rect = active.getBoundingClientRect();
  return rect.top >= box.top - 1 && rect.bottom <= box.bottom + 1;
})()`;

/** The focused element's focus ring (the last box-shadow colour): its alpha and its contrast with white. */
export const FOCUS_RING_CONTRAST = `(() => {
  const shadow = getComputedStyle(document.activeElement).boxShadow;
  const colours = [...shadow.matchAll(/rgba?\\(([^)]+)\\)/g)].map((m) => m[1].split(',').map((n) => Number(n.trim())));
  const ring = colours[colours.length - 1];
  const channel = (c) => { c = c / 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
  const luminance = 0.2126 * channel(ring[0]) + 0.7152 * channel(ring[1]) + 0.0722 * channel(ring[2]);
  return { ratio: 1.05 / (luminance + 0.05), alpha: ring.length > 3 ? ring[3] : 1 };
})()`;

export interface FocusStop {
  name: string;
  top: number;
  left: number;
  /** Below the sticky header's bottom edge it is not: the header covers it. */
  covered: boolean;
  skipLink: boolean;
}

/** Where the focused element is, and whether the sticky header covers it. */
export const FOCUS_STOP = `(() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const header = document.querySelector('.topbar').getBoundingClientRect();
  const rect = el.getBoundingClientRect();
  const skipLink = el.classList.contains('skip-link');
  // The skip link shows over the header by design, and only while focused.
  const inHeader = !!el.closest('.topbar') || skipLink;
  return { name: el.tagName + ' ' + (el.textContent || '').trim().slice(0, 30), top: rect.top + window.scrollY, left: rect.left, covered: !inHeader && rect.top < header.bottom - 1, skipLink };
})()`;

/** aria-describedby / -labelledby / -controls references to ids that are not in the page. */
export const DANGLING_ARIA = `[...document.querySelectorAll('[aria-describedby], [aria-labelledby], [aria-controls]')].flatMap((el) =>
  ['aria-describedby', 'aria-labelledby', 'aria-controls'].flatMap((attr) =>
    (el.getAttribute(attr) || '').split(/\\s+/).filter((id) => id && !document.getElementById(id)).map((id) => attr + '=' + id)))`;

/** axe-core over the page, WCAG 2.1 A and AA rules (axe must be injected first). */
export const AXE_WCAG21 = `axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } })`;
