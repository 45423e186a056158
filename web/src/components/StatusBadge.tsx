const TONES: Record<string, 'ok' | 'warn' | 'bad' | 'info' | 'idle'> = {
  success: 'ok',
  ok: 'ok',
  partial: 'warn',
  interrupted: 'warn',
  skipped: 'idle',
  retryable: 'warn',
  failed: 'bad',
  error: 'bad',
  rejected: 'bad',
  running: 'info',
  paused: 'idle',
  never: 'idle',
};

const LABELS: Record<string, string> = { never: 'never run' };

/** A run or row status as a coloured pill (the word is always shown: colour is not the only cue). */
export function StatusBadge({ status }: { status: string | null | undefined }) {
  const value = status ?? 'never';
  return <span className={`badge badge-${TONES[value] ?? 'idle'}`}>{LABELS[value] ?? value}</span>;
}
