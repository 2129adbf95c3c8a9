/** A text input that suggests values (through a datalist) while the user types. */
import type { InputHTMLAttributes } from 'react';

interface Props extends Omit<InputHTMLAttributes<HTMLInputElement>, 'list'> {
  /** The datalist's element id (unique on the page). */
  listId: string;
  suggestions: string[];
}

export function SuggestInput({ listId, suggestions, ...input }: Props) {
  return (
    <>
      <input {...input} list={listId} />
      <datalist id={listId}>
        {suggestions.map((s) => (
          <option key={s} value={s} />
        ))}
      </datalist>
    </>
  );
}
