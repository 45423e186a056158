import { useId, type ReactNode } from 'react';

/**
 * A labelled form control with an optional hint: the hint is tied to the control with
 * aria-describedby (read after the name), not folded into the label.
 */
export function Field({ label, hint, className, children }: { label: ReactNode; hint?: ReactNode; className?: string; children(props: { id: string; 'aria-describedby'?: string }): ReactNode }) {
  const id = useId();
  const hintId = `${id}-hint`;
  return (
    <div className={`field ${className ?? ''}`}>
      <label htmlFor={id}>{label}</label>
      {children({ id, ...(hint ? { 'aria-describedby': hintId } : {}) })}
      {hint ? (
        <small id={hintId} className="muted">
          {hint}
        </small>
      ) : null}
    </div>
  );
}
