import { useEffect, useState } from 'react';
import { ErrorNote } from '../components/States';
import { api, isAbort } from '../lib/api';
import type { AudienceExplanation, Condition } from '../lib/types';

const DEBOUNCE_MS = 300;

/** "Explain this audience": the draft in plain words (POST /api/audiences/explain), under the tree. */
export function ExplainPanel({ where, splits }: { where: Condition; splits?: unknown }) {
  const key = JSON.stringify({ where, splits });
  const [state, setState] = useState<{ explanation?: AudienceExplanation; error?: unknown }>({});
  useEffect(() => {
    const controller = new AbortController();
    const timer = window.setTimeout(() => {
      const definition = JSON.parse(key) as { where: Condition; splits?: unknown };
      api<AudienceExplanation>('/api/audiences/explain', { method: 'POST', body: { definition: definition.splits ? definition : { where: definition.where } }, signal: controller.signal }).then(
        (explanation) => setState({ explanation }),
        (error: unknown) => {
          if (!isAbort(error)) setState({ error });
        },
      );
    }, DEBOUNCE_MS);
    return () => {
      window.clearTimeout(timer);
      controller.abort();
    };
  }, [key]);
  const { explanation, error } = state;
  return (
    <section className="card explain-card" aria-labelledby="explain-title" data-testid="explanation">
      <h2 id="explain-title" className="step-title">
        In plain words
      </h2>
      {error ? <ErrorNote error={error} title="Cannot explain this audience" /> : null}
      {explanation ? (
        <>
          <p>{explanation.summary}</p>
          <ul className="explain-lines">
            {explanation.lines.map((line, i) => (
              <li key={i} style={{ marginLeft: `${line.depth * 1.25}rem` }}>
                {line.text}
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </section>
  );
}
