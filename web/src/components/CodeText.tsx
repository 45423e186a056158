import { Fragment } from 'react';

/**
 * Text from the service (error messages, hints) with its `code` spans shown as code, so people
 * never see literal backticks.
 */
export function CodeText({ text }: { text: string }) {
  const parts = text.split(/`([^`]+)`/);
  return (
    <>
      {parts.map((part, i) => (i % 2 === 1 ? <code key={i}>{part}</code> : <Fragment key={i}>{part}</Fragment>))}
    </>
  );
}

/**
 * Where an input problem is, in the form's words: `body.definition.where.all[0].trait` becomes
 * "where › condition 1 › trait" (no request parts, no JSON paths).
 */
export function fieldLabel(path: string): string {
  const parts = path
    .replace(/^(body|query|params)\.?/, '')
    .replace(/^definition\.?/, '')
    .split('.')
    .filter(Boolean)
    .map((part) => part.replace(/\[(\d+)\]/g, (_, n: string) => ` › item ${Number(n) + 1}`).replace(/_/g, ' '));
  return parts.join(' › ');
}
