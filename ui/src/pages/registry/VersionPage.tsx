/** One model version: source run, stage, aliases, description, tags, model files; transition and delete. */
import { useState } from 'react';
import { useAsync } from '../../app/hooks';
import { Link, navigate } from '../../app/router';
import { formatTime } from '../../app/format';
import { getRun } from '../../api/tracking';
import {
  deleteModelVersion,
  deleteVersionTag,
  getDownloadUri,
  getModelVersion,
  getRegisteredModel,
  listModelVersions,
  parseRunsUri,
  setVersionTag,
  updateModelVersion,
  type ModelVersion,
} from '../../api/registry';
import { ConfirmDialog } from '../../components/Modal';
import { ErrorBox, Loading } from '../../components/States';
import { AliasEditor } from './AliasEditor';
import { AliasChip, StageBadge, modelPath, runLink } from './Badges';
import { DescriptionEditor } from './DescriptionEditor';
import { ModelFiles } from './ModelFiles';
import { TagTable } from './TagTable';
import { TransitionDialog } from './TransitionDialog';

type Dialog = 'transition' | 'delete' | null;

export function VersionPage({ params }: { params: Record<string, string> }) {
  const name = params.name!;
  const version = params.version!;
  const mv = useAsync((signal) => getModelVersion(name, version, signal), [name, version]);
  const model = useAsync((signal) => getRegisteredModel(name, signal), [name]);
  const versions = useAsync((signal) => listModelVersions(name, signal), [name]);
  const [dialog, setDialog] = useState<Dialog>(null);
  const reload = () => {
    mv.reload();
    model.reload();
  };

  const crumbs = (
    <div className="crumbs">
      <Link to="/models">Models</Link> / <Link to={modelPath(name)}>{name}</Link> /
    </div>
  );
  if (mv.error && !mv.data)
    return (
      <div data-testid="version-page">
        {crumbs}
        <ErrorBox message={mv.error} onRetry={mv.reload} />
      </div>
    );
  if (!mv.data) return <Loading label="Loading model version…" />;
  const v = mv.data;
  const aliases = model.data?.aliases ?? [];
  const mine = aliases.filter((a) => a.version === v.version);

  return (
    <div data-testid="version-page">
      {crumbs}
      <div className="page-head">
        <h1 data-testid="version-title">
          {name} <span className="muted">·</span> Version {v.version}
        </h1>
        <StageBadge stage={v.current_stage} />
        <div className="chips">
          {mine.map((a) => (
            <AliasChip key={a.alias} alias={a.alias} />
          ))}
        </div>
        <span className="grow" />
        <button onClick={() => setDialog('transition')} data-testid="transition-stage">
          Transition stage
        </button>
        <button className="danger" onClick={() => setDialog('delete')} data-testid="delete-version">
          Delete
        </button>
      </div>
      {mv.error && <ErrorBox message={mv.error} onRetry={mv.reload} />}
      <div className="grid2 section">
        <Details mv={v} />
        <div style={{ display: 'flex', flexDirection: 'column', gap: 14 }}>
          <DescriptionEditor
            value={v.description ?? ''}
            placeholder="No description. Use Edit to note what changed in this version and how it was validated."
            onSave={async (text) => {
              await updateModelVersion(name, v.version, text);
              mv.reload();
            }}
          />
          <AliasEditor
            modelName={name}
            aliases={aliases}
            versions={(versions.data ?? []).map((x) => x.version)}
            version={v.version}
            onChanged={reload}
          />
        </div>
      </div>
      <div className="section">
        <TagTable
          tags={v.tags ?? []}
          onSet={async (k, val) => {
            await setVersionTag(name, v.version, k, val);
            mv.reload();
          }}
          onDelete={async (k) => {
            await deleteVersionTag(name, v.version, k);
            mv.reload();
          }}
        />
      </div>
      <div className="section">
        <ModelFiles mv={v} />
      </div>
      {dialog === 'transition' && (
        <TransitionDialog
          mv={v}
          others={(versions.data ?? []).filter((x) => x.version !== v.version)}
          onClose={() => setDialog(null)}
          onDone={() => {
            reload();
            versions.reload();
          }}
        />
      )}
      {dialog === 'delete' && (
        <ConfirmDialog
          title={`Delete version ${v.version} of “${name}”?`}
          confirmLabel="Delete version"
          danger
          onClose={() => setDialog(null)}
          onConfirm={async () => {
            await deleteModelVersion(name, v.version);
            navigate(modelPath(name));
          }}
        >
          {`The version, its tags${mine.length ? ` and its aliases (${mine.map((a) => '@' + a.alias).join(', ')})` : ''} are removed from the registry. It cannot be undone; the source run and its artifacts are kept.`}
        </ConfirmDialog>
      )}
    </div>
  );
}

function Details({ mv }: { mv: ModelVersion }) {
  const source = parseRunsUri(mv.source);
  const runId = mv.run_id || source?.runId;
  const run = useAsync((signal) => (runId ? getRun(runId, signal) : Promise.resolve(undefined)), [runId]);
  const download = useAsync((signal) => getDownloadUri(mv.name, mv.version, signal), [mv.name, mv.version]);
  const status =
    mv.status === 'READY' ? 'Ready' : mv.status === 'PENDING_REGISTRATION' ? 'Pending' : 'Failed';
  return (
    <div className="panel pad">
      <h2>Details</h2>
      <table className="data kv" data-testid="version-details">
        <tbody>
          <tr>
            <td>Source run</td>
            <td>
              {runId ? (
                <Link
                  to={runLink(runId, source?.runId === runId ? source.path : undefined)}
                  data-testid="source-run-link"
                >
                  {run.data?.info.run_name || runId}
                </Link>
              ) : (
                <span className="muted">—</span>
              )}
              {run.error && <span className="muted small"> (run not found)</span>}
            </td>
          </tr>
          <tr>
            <td>Source</td>
            <td className="mono small" style={{ wordBreak: 'break-all' }} data-testid="version-source">
              {mv.source}
            </td>
          </tr>
          {download.data && download.data !== mv.source && (
            <tr>
              <td>Storage</td>
              <td className="mono small muted" style={{ wordBreak: 'break-all' }} data-testid="download-uri">
                {download.data}
              </td>
            </tr>
          )}
          <tr>
            <td>Use it</td>
            <td className="mono small" data-testid="model-uri">
              models:/{mv.name}/{mv.version}
            </td>
          </tr>
          <tr>
            <td>Stage</td>
            <td>
              <StageBadge stage={mv.current_stage} />
            </td>
          </tr>
          <tr>
            <td>Status</td>
            <td>
              {status}
              {mv.status_message && <span className="muted small"> — {mv.status_message}</span>}
            </td>
          </tr>
          <tr>
            <td>Registered</td>
            <td>{formatTime(mv.creation_timestamp)}</td>
          </tr>
          <tr>
            <td>Last modified</td>
            <td>{formatTime(mv.last_updated_timestamp)}</td>
          </tr>
          {mv.user_id && (
            <tr>
              <td>Registered by</td>
              <td>{mv.user_id}</td>
            </tr>
          )}
        </tbody>
      </table>
    </div>
  );
}
