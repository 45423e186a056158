import { useId, type ReactNode } from 'react';
import { invalidProps } from '../lib/field-errors';

/**
 * A labelled form control with an optional hint and error: both are tied to the control with
 * aria-describedby (read after the name), not folded into the label; an error marks it
 * aria-invalid and is shown under it.
 */
export function Field({
  label,
  hint,
  error,
  className,
  children,
}: {
  label: ReactNode;
  hint?: ReactNode;
  error?: string;
  className?: string;
  children(props: { id: string; 'aria-describedby'?: string; 'aria-invalid'?: true }): ReactNode;
}) {
  const id = useId();
  const hintId = `${id}-hint`;
  return (
    <div className={`field ${error ? 'invalid' : ''} ${className ?? ''}`}>
      <label htmlFor={id}>{label}</label>
      {children({ id, ...invalidProps(id, error, hint ? hintId : undefined) })}
      {error ? <FieldError id={`${id}-error`} message={error} /> : null}
      {hint ? (
        <small id={hintId} className="muted">
          {hint}
        </small>
      ) : null}
    </div>
  );
}

/** The message under an invalid field (its id is what the control's aria-describedby names). */
export function FieldError({ id, message }: { id: string; message: string }) {
  return (
    <small id={id} className="field-error">
      {message}
    </small>
  );
}
