/**
 * Registers a model folder of a run's artifacts: as the first version of a new registered model, or
 * as the next version of an existing one. The version's source is `runs:/<run_id>/<path>`.
 */
import { useState } from 'react';
import { useAsync } from '../../app/hooks';
import {
  createModelVersion,
  createRegisteredModel,
  nameContainsFilter,
  searchRegisteredModels,
  type ModelVersion,
} from '../../api/registry';
import { FormDialog } from '../../components/Modal';
import { SuggestInput } from '../../components/SuggestInput';

interface Props {
  runId: string;
  /** The model folder, relative to the run's artifact root ('' for the root itself). */
  path: string;
  onClose(): void;
  onRegistered(mv: ModelVersion): void;
}

type Mode = 'new' | 'existing';
const MODES: [Mode, string][] = [
  ['new', 'New model'],
  ['existing', 'Existing model'],
];

export function runsSource(runId: string, path: string): string {
  return path ? `runs:/${runId}/${path}` : `runs:/${runId}`;
}

export function RegisterModelDialog({ runId, path, onClose, onRegistered }: Props) {
  const [mode, setMode] = useState<Mode>('new');
  const [name, setName] = useState('');
  const [existing, setExisting] = useState('');
  const [description, setDescription] = useState('');
  // Suggestions for the existing-model field: names containing what was typed so far.
  const suggestions = useAsync(
    (signal) =>
      searchRegisteredModels(
        { filter: nameContainsFilter(existing), orderBy: ['name ASC'], maxResults: 50 },
        signal,
      ),
    [existing],
  );
  const names = (suggestions.data?.models ?? []).map((m) => m.name);
  const source = runsSource(runId, path);

  return (
    <FormDialog
      title="Register model"
      submitLabel="Register"
      onClose={onClose}
      testId="register-dialog"
      onSubmit={async () => {
        const target = (mode === 'new' ? name : existing).trim();
        if (!target)
          throw new Error(
            mode === 'new' ? 'Please enter a name for the new model.' : 'Please choose a model.',
          );
        if (mode === 'new') await createRegisteredModel(target);
        const mv = await createModelVersion({
          name: target,
          source,
          runId,
          description: description.trim() || undefined,
        });
        onRegistered(mv);
      }}
    >
      <p>
        Registers <code>{source}</code> as a new version. The version keeps pointing at this run's files.
      </p>
      <div className="seg" role="radiogroup" style={{ marginBottom: 4 }}>
        {MODES.map(([m, label]) => (
          <button
            key={m}
            type="button"
            className={mode === m ? 'on' : ''}
            role="radio"
            aria-checked={mode === m}
            onClick={() => setMode(m)}
            data-testid={`register-mode-${m}`}
          >
            {label}
          </button>
        ))}
      </div>
      {mode === 'new' ? (
        <>
          <label className="field" htmlFor="register-name">
            Model name
          </label>
          <input
            id="register-name"
            value={name}
            onChange={(e) => setName(e.target.value)}
            placeholder="e.g. fraud-detector"
            autoFocus
            data-testid="register-name"
          />
        </>
      ) : (
        <>
          <label className="field" htmlFor="register-existing">
            Model
          </label>
          <SuggestInput
            id="register-existing"
            value={existing}
            onChange={(e) => setExisting(e.target.value)}
            placeholder="Type to search registered models"
            listId="register-existing-names"
            suggestions={names}
            autoFocus
            autoComplete="off"
            data-testid="register-existing"
          />
          {suggestions.data && names.length === 0 && (
            <p className="muted small" style={{ margin: '6px 0 0' }}>
              {existing ? 'No registered model matches.' : 'No registered models yet: choose New model.'}
            </p>
          )}
        </>
      )}
      <label className="field" htmlFor="register-description">
        Version description (optional)
      </label>
      <textarea
        id="register-description"
        rows={3}
        value={description}
        onChange={(e) => setDescription(e.target.value)}
        style={{ minHeight: 60 }}
        data-testid="register-description"
      />
    </FormDialog>
  );
}
