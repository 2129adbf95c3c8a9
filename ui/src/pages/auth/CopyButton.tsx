/** Copies a text to the clipboard and says so for a moment. */
import { useState } from 'react';

export function CopyButton({ text }: { text: string }) {
  const [done, setDone] = useState<'copied' | 'failed'>();
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setDone('copied');
    } catch {
      setDone('failed');
    }
    window.setTimeout(() => setDone(undefined), 2000);
  };
  return (
    <button onClick={copy} data-testid="copy-secret" title="Copy to the clipboard">
      {done === 'copied' ? 'Copied' : done === 'failed' ? 'Copy failed: select and copy' : 'Copy'}
    </button>
  );
}
