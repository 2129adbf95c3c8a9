/**
 * Shown above an artifact preview when the selected file lies in a model folder (one holding an
 * `MLmodel` file): lists the registry versions made from that folder and offers to register it.
 */
import { useState } from 'react';
import { useAsync } from '../../app/hooks';
import { Link } from '../../app/router';
import { apiGet } from '../../api/client';
import { listArtifacts } from '../../api/tracking';
import { parseRunsUri, quoteFilterValue, type ModelVersion } from '../../api/registry';
import { versionPath } from './Badges';
import { RegisterModelDialog } from './RegisterModelDialog';

const parentOf = (path: string): string => (path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : '');

/** Registry versions whose source is this run (any folder of it). */
async function versionsOfRun(runId: string, signal: AbortSignal): Promise<ModelVersion[]> {
  const res = await apiGet<{ model_versions?: ModelVersion[] }>(
    'model-versions/search',
    { filter: `run_id = ${quoteFilterValue(runId)}`, max_results: 200 },
    signal,
  );
  return res.model_versions ?? [];
}

export function ModelFolderActions({ runId, selected }: { runId: string; selected: string }) {
  const dir = parentOf(selected);
  const isMlmodel = selected === 'MLmodel' || selected.endsWith('/MLmodel');
  // Only a sibling listing is needed when another file of the folder is selected.
  const siblings = useAsync(
    (signal) => (isMlmodel || !selected ? Promise.resolve([]) : listArtifacts(runId, dir, signal)),
    [runId, dir, isMlmodel, selected === ''],
  );
  const mlmodelPath = dir ? `${dir}/MLmodel` : 'MLmodel';
  const isModelFolder = isMlmodel || (siblings.data ?? []).some((f) => !f.is_dir && f.path === mlmodelPath);
  const registered = useAsync(
    (signal) => (isModelFolder ? versionsOfRun(runId, signal) : Promise.resolve([])),
    [runId, isModelFolder],
  );
  const [open, setOpen] = useState(false);
  if (!selected || !isModelFolder) return null;
  const fromHere = (registered.data ?? [])
    .filter((mv) => {
      const src = parseRunsUri(mv.source);
      return src?.runId === runId && src.path === dir;
    })
    .sort((a, b) => a.name.localeCompare(b.name) || Number(a.version) - Number(b.version));
  return (
    <div className="notice register-bar" data-testid="model-folder-actions">
      <span className="text">
        <strong className="mono">{dir ? `${dir}/` : 'This run’s artifact root'}</strong> holds a model.
        {fromHere.length > 0 && (
          <span data-testid="registered-notice">
            {' '}
            Registered as{' '}
            {fromHere.map((mv, i) => (
              <span key={`${mv.name}/${mv.version}`}>
                {i > 0 && ', '}
                <Link to={versionPath(mv.name, mv.version)} data-testid="registered-version">
                  {mv.name} version {mv.version}
                </Link>
              </span>
            ))}
            .
          </span>
        )}
      </span>
      <button className="primary small" onClick={() => setOpen(true)} data-testid="register-model">
        Register model
      </button>
      {open && (
        <RegisterModelDialog
          runId={runId}
          path={dir}
          onClose={() => setOpen(false)}
          onRegistered={() => registered.reload()}
        />
      )}
    </div>
  );
}
