import { useEffect, useId, useMemo, useRef, useState, type KeyboardEvent } from 'react';

export interface ComboOption {
  value: string;
  label?: string;
  /** Shown dimmed at the right (a column's type, a count). */
  hint?: string;
}

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
}

const MAX_SHOWN = 60;

/**
 * A searchable picker (WAI-ARIA combobox with a listbox popup): type to filter, arrows to move,
 * Enter to pick, Escape to close. Used for traits, events, properties, audiences and values.
 */
export function Combobox({ value, options, onChange, onPick, label, placeholder, id, freeText, disabled, className, autoFocus }: ComboboxProps) {
  const generated = useId();
  const inputId = id ?? `combo-${generated}`;
  const listId = `${inputId}-list`;
  const [open, setOpen] = useState(false);
  const [query, setQuery] = useState('');
  const [active, setActive] = useState(0);
  const input = useRef<HTMLInputElement>(null);

  const selected = options.find((o) => o.value === value);
  const shownText = freeText ? value : open ? query : (selected?.label ?? selected?.value ?? value);

  const filtered = useMemo(() => {
    const needle = (freeText ? value : query).trim().toLowerCase();
    if (!needle) return options.slice(0, MAX_SHOWN);
    // Exact match first, then names that start with the text, then names that contain it.
    const rank = (o: ComboOption): number => {
      const text = (o.label ?? o.value).toLowerCase();
      return text === needle ? 0 : text.startsWith(needle) ? 1 : text.includes(needle) ? 2 : 3;
    };
    return options
      .map((o, i) => ({ o, i, r: rank(o) }))
      .filter((x) => x.r < 3)
      .sort((a, b) => a.r - b.r || a.i - b.i)
      .map((x) => x.o)
      .slice(0, MAX_SHOWN);
  }, [options, query, value, freeText]);

  function pick(option: ComboOption | undefined): void {
    if (option) (onPick ?? onChange)(option.value);
    setOpen(false);
    setQuery('');
  }

  function openList(): void {
    if (disabled) return;
    setOpen(true);
    setActive(Math.max(0, filtered.findIndex((o) => o.value === value)));
  }

  function onKeyDown(event: KeyboardEvent<HTMLInputElement>): void {
    switch (event.key) {
      case 'ArrowDown':
        event.preventDefault();
        if (!open) openList();
        else setActive((i) => Math.min(filtered.length - 1, i + 1));
        break;
      case 'ArrowUp':
        event.preventDefault();
        setActive((i) => Math.max(0, i - 1));
        break;
      case 'Enter':
        if (open && filtered[active]) {
          event.preventDefault();
          pick(filtered[active]);
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
        autoComplete="off"
        spellCheck={false}
        placeholder={placeholder ?? label}
        value={shownText}
        disabled={disabled}
        autoFocus={autoFocus}
        onFocus={() => {
          if (!freeText) setQuery('');
        }}
        onClick={openList}
        onChange={(event) => {
          if (freeText) onChange(event.target.value);
          else setQuery(event.target.value);
          setOpen(true);
          setActive(0);
        }}
        onKeyDown={onKeyDown}
        onBlur={() => {
          setOpen(false);
          setQuery('');
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
              <span>{option.label ?? option.value}</span>
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
      {open && filtered.length === 0 && !freeText ? (
        <div className="combo-list combo-none" role="status">
          No match for “{query}”
        </div>
      ) : null}
    </div>
  );
}
