/** A list page's search field: searches on submit, and clears the search as soon as the field is emptied. */
import { useState } from 'react';

interface Props {
  /** The search in effect (from the URL). */
  initial: string;
  placeholder: string;
  testId: string;
  /** The text to search for, or null when the field was cleared. */
  onSearch(text: string | null): void;
}

export function SearchBox({ initial, placeholder, testId, onSearch }: Props) {
  const [text, setText] = useState(initial);
  return (
    <form
      className="row"
      onSubmit={(e) => {
        e.preventDefault();
        onSearch(text);
      }}
    >
      <input
        type="search"
        placeholder={placeholder}
        value={text}
        onChange={(e) => {
          setText(e.target.value);
          if (!e.target.value) onSearch(null);
        }}
        style={{ width: 320 }}
        data-testid={testId}
      />
      <button type="submit">Search</button>
    </form>
  );
}
