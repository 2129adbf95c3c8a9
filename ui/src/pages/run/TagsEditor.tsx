/** A run's tags: add, edit and delete user tags; system tags (`mlflow.*`, `cairn.*`) are listed read-only behind a toggle. */
import { useState } from 'react';
import { deleteRunTag, setRunTag } from '../../api/tracking';
import type { Tag } from '../../api/types';
import { isSystemTag } from '../../app/tags';
import { TagEditor } from '../../components/TagEditor';

export function TagsEditor(props: { runId: string; tags: Tag[]; onChanged(): void; denied?: string }) {
  const { runId, tags, onChanged, denied } = props;
  const [showSystem, setShowSystem] = useState(false);
  const user = tags.filter((t) => !isSystemTag(t.key));
  const system = tags.filter((t) => isSystemTag(t.key)).sort((a, b) => a.key.localeCompare(b.key));

  return (
    <TagEditor
      tags={user}
      testId="run-tags"
      denied={denied}
      onSet={async (key, value) => {
        await setRunTag(runId, key, value);
        onChanged();
      }}
      onDelete={async (key) => {
        await deleteRunTag(runId, key);
        onChanged();
      }}
    >
      {system.length > 0 && (
        <div style={{ marginTop: 12 }}>
          <button
            className="small ghost"
            onClick={() => setShowSystem(!showSystem)}
            data-testid="toggle-system-tags"
            aria-expanded={showSystem}
          >
            {showSystem ? '▾' : '▸'} System tags ({system.length})
          </button>
          {showSystem && (
            <table className="data">
              <tbody>
                {system.map((t) => (
                  <tr key={t.key} data-testid="system-tag-row">
                    <td className="mono small muted" style={{ width: '35%' }}>
                      {t.key}
                    </td>
                    <td className="mono small" style={{ wordBreak: 'break-word' }}>
                      {t.value.length > 300 ? `${t.value.slice(0, 300)}…` : t.value}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
      )}
    </TagEditor>
  );
}
