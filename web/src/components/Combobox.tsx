import { useEffect, useId, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import { rankOptions, type ComboOption } from './rank-options';

export type { ComboOption };

interface ComboboxProps {
  value: string;
  options: readonly ComboOption[];
  onChange(value: string): void;
  /** Called instead of onChange when an option is picked (free text: typing and picking differ). */
  onPick?(value: string): void;
  /** Accessible name (also used as the placeholder unless one is given). */
  label: string;
  placeholder?: string;
  id?: string;
  /** Free text with suggestions (enum values) instead of a pick from the list. */
  freeText?: boolean;
  disabled?: boolean;
  className?: string;
  /** Focus on mount (a condition just added). */
  autoFocus?: boolean;
  /** Marks the input invalid (its error is shown next to it). */
  invalid?: boolean;
  /** Ids of what describes the input (its error message). */
  describedBy?: string;
}


/**
 * A searchable picker (WAI-ARIA combobox with a listbox popup): type to filter, arrows to move,
 * Enter to pick, Escape to close. Used for traits, events, properties, audiences and values.
 */
export function Combobox({ value, options, onChange, onPick, label, placeholder, id, freeText, disabled, className, autoFocus, invalid, describedBy }: ComboboxProps) {
  const generated = useId();
  const inputId = id ?? `combo-${generated}`;
  const listId = `${inputId}-list`;
  const [open, setOpen] = useState(false);
  const [query, setQuery] = useState('');
  const [active, setActive] = useState(0);
  const input = useRef<HTMLInputElement>(null);

  const selected = options.find((o) => o.value === value);
  const shownText = freeText ? value : open ? query : (selected?.label ?? selected?.value ?? value);

  const typed = freeText ? value : query;
  const { shown: filtered } = useMemo(() => rankOptions(options, typed), [options, typed]);
  /** Enter was pressed while several options matched and none was highlighted. */
  const [ambiguous, setAmbiguous] = useState(false);

  function pick(option: ComboOption | undefined): void {
    if (option) (onPick ?? onChange)(option.value);
    setOpen(false);
    setQuery('');
  }

  function openList(): void {
    if (disabled || open) return;
    setOpen(true);
    // The current value is highlighted; with none, nothing is (Enter then picks nothing).
    setActive(filtered.findIndex((o) => o.value === value));
  }

  function onKeyDown(event: KeyboardEvent<HTMLInputElement>): void {
    switch (event.key) {
      case 'ArrowDown':
        event.preventDefault();
        setAmbiguous(false);
        if (!open) openList();
        else setActive((i) => Math.min(filtered.length - 1, i + 1));
        break;
      case 'ArrowUp':
        event.preventDefault();
        setAmbiguous(false);
        setActive((i) => Math.max(0, i - 1));
        break;
      case 'Enter':
        // Only the highlighted option is ever picked; free text keeps what was typed.
        if (open && filtered[active]) {
          event.preventDefault();
          pick(filtered[active]);
        } else if (open && !freeText && filtered.length > 0) {
          event.preventDefault();
          setAmbiguous(true);
        }
        break;
      case 'Escape':
        if (open) {
          event.preventDefault();
          event.stopPropagation();
          setOpen(false);
          setQuery('');
        }
        break;
      case 'Tab':
        setOpen(false);
        setQuery('');
        break;
    }
  }

  const activeId = open && filtered[active] ? `${inputId}-opt-${active}` : undefined;
  const listShown = open && filtered.length > 0;
  // The highlighted option stays in view while arrows move it through a long list.
  useEffect(() => {
    if (activeId) document.getElementById(activeId)?.scrollIntoView({ block: 'nearest' });
  }, [activeId]);
  return (
    <div className={`combo ${className ?? ''}`}>
      <input
        ref={input}
        id={inputId}
        type="text"
        role="combobox"
        aria-label={label}
        aria-autocomplete="list"
        aria-expanded={open}
        aria-controls={listShown ? listId : undefined}
        aria-activedescendant={activeId}
        aria-invalid={invalid || undefined}
        aria-describedby={describedBy}
        autoComplete="off"
        spellCheck={false}
        placeholder={placeholder ?? label}
        value={shownText}
        disabled={disabled}
        autoFocus={autoFocus}
        onFocus={() => {
          if (!freeText) setQuery('');
          // Pickers list what they hold on focus (typing is not needed to see the choices).
          if (!freeText) openList();
        }}
        onClick={openList}
        onChange={(event) => {
          const text = event.target.value;
          if (freeText) onChange(text);
          else setQuery(text);
          setOpen(true);
          setAmbiguous(false);
          setActive(freeText ? -1 : rankOptions(options, text).sure);
        }}
        onKeyDown={onKeyDown}
        onBlur={() => {
          setOpen(false);
          setQuery('');
          setAmbiguous(false);
        }}
      />
      {listShown ? (
        <ul id={listId} role="listbox" className="combo-list" aria-label={label}>
          {filtered.map((option, i) => (
            <li
              key={option.value}
              id={`${inputId}-opt-${i}`}
              role="option"
              aria-selected={option.value === value}
              className={i === active ? 'active' : undefined}
              // mousedown, not click: the input's blur would close the list first.
              onMouseDown={(event) => {
                event.preventDefault();
                pick(option);
              }}
              onMouseEnter={() => setActive(i)}
            >
              <span className="combo-text">
                <span>{option.label ?? option.value}</span>
                {option.label && option.label !== option.value ? <span className="combo-name">{option.value}</span> : null}
                {option.description ? <span className="combo-description">{option.description}</span> : null}
              </span>
              {option.hint ? (
                <span className="combo-hint">
                  <span className="visually-hidden">, </span>
                  {option.hint}
                </span>
              ) : null}
            </li>
          ))}
        </ul>
      ) : null}
      {open && ambiguous && active < 0 ? (
        <div className="combo-ambiguous" role="alert">
          {filtered.length} options match “{query}”: use ↓ and ↑ to highlight one, then Enter.
        </div>
      ) : null}
      {open && filtered.length === 0 && !freeText ? (
        <div className="combo-list combo-none" role="status">
          No match for “{query}”
        </div>
      ) : null}
    </div>
  );
}
