/** One registered model: description, tags, aliases, versions; rename and delete. */
import { useState } from 'react';
import { useAsync } from '../../app/hooks';
import { Link, navigate } from '../../app/router';
import { formatRelative, formatTime } from '../../app/format';
import {
  deleteModelTag,
  deleteRegisteredModel,
  getRegisteredModel,
  listModelVersions,
  parseRunsUri,
  renameRegisteredModel,
  setModelTag,
  updateRegisteredModel,
  type ModelVersion,
  type RegisteredModel,
} from '../../api/registry';
import { getRun } from '../../api/tracking';
import { ConfirmDialog, PromptDialog } from '../../components/Modal';
import { EmptyState, ErrorBox, Loading } from '../../components/States';
import { AliasEditor } from './AliasEditor';
import { AliasChip, StageBadge, VersionLink, modelPath, runLink } from './Badges';
import { DescriptionEditor } from './DescriptionEditor';
import { markdownExcerpt } from '../../components/Markdown';
import { RegisterSnippet } from './RegisterSnippet';
import { TagTable } from './TagTable';
import { useResourceAccess } from '../../auth/permission';
import { PermissionsLink } from '../permissions/PermissionsLink';

type Dialog = 'rename' | 'delete' | null;

export function ModelPage({ params }: { params: Record<string, string> }) {
  const name = params.name!;
  const model = useAsync((signal) => getRegisteredModel(name, signal), [name]);
  const versions = useAsync((signal) => listModelVersions(name, signal), [name]);
  const [dialog, setDialog] = useState<Dialog>(null);
  const access = useResourceAccess('registered_model', name);
  const reload = () => {
    model.reload();
    versions.reload();
  };

  if (model.error && !model.data)
    return (
      <div data-testid="model-page">
        <Crumbs />
        <ErrorBox message={model.error} onRetry={model.reload} />
      </div>
    );
  if (!model.data) return <Loading label="Loading model…" />;
  const m = model.data;
  const list = versions.data ?? [];

  return (
    <div data-testid="model-page">
      <Crumbs />
      <div className="page-head">
        <h1 data-testid="model-title">{m.name}</h1>
        <span className="muted small">
          {list.length} version{list.length === 1 ? '' : 's'} · created{' '}
          <span title={formatTime(m.creation_timestamp)}>{formatRelative(m.creation_timestamp)}</span> ·
          updated{' '}
          <span title={formatTime(m.last_updated_timestamp)}>{formatRelative(m.last_updated_timestamp)}</span>
        </span>
        <span className="grow" />
        <PermissionsLink kind="registered_model" id={m.name} access={access} />
        <button
          onClick={() => setDialog('rename')}
          disabled={!!access.denied('update')}
          title={access.denied('update')}
          data-testid="rename-model"
        >
          Rename
        </button>
        <button
          className="danger"
          onClick={() => setDialog('delete')}
          disabled={!!access.denied('delete')}
          title={access.denied('delete')}
          data-testid="delete-model"
        >
          Delete
        </button>
      </div>
      {model.error && <ErrorBox message={model.error} onRetry={model.reload} />}
      <div className="grid2 section">
        <DescriptionEditor
          value={m.description ?? ''}
          placeholder="No description. Use Edit to say what this model predicts, what data it was trained on and who owns it."
          denied={access.denied('update')}
          onSave={async (text) => {
            await updateRegisteredModel(m.name, text);
            model.reload();
          }}
        />
        <AliasEditor
          modelName={m.name}
          aliases={m.aliases ?? []}
          versions={list.map((v) => v.version)}
          onChanged={reload}
          denied={access.denied('update')}
        />
      </div>
      <div className="section">
        <TagTable
          tags={m.tags ?? []}
          denied={access.denied('update')}
          onSet={async (k, v) => {
            await setModelTag(m.name, k, v);
            model.reload();
          }}
          onDelete={async (k) => {
            await deleteModelTag(m.name, k);
            model.reload();
          }}
        />
      </div>
      <div className="panel section" style={{ overflow: 'auto' }}>
        <div className="row" style={{ padding: '12px 14px 0' }}>
          <h2 style={{ flex: 1 }}>Versions</h2>
        </div>
        <VersionsTable model={m} versions={versions.data} error={versions.error} onRetry={versions.reload} />
      </div>
      {dialog === 'rename' && (
        <PromptDialog
          title="Rename model"
          label="Clients loading models:/ URIs with the old name will need the new one."
          initial={m.name}
          confirmLabel="Rename"
          onClose={() => setDialog(null)}
          onSubmit={async (newName) => {
            const renamed = await renameRegisteredModel(m.name, newName);
            navigate(modelPath(renamed.name), { replace: true });
          }}
        />
      )}
      {dialog === 'delete' && (
        <ConfirmDialog
          title={`Delete model “${m.name}”?`}
          confirmLabel="Delete model"
          danger
          onClose={() => setDialog(null)}
          onConfirm={async () => {
            await deleteRegisteredModel(m.name);
            navigate('/models');
          }}
        >
          {`This deletes the model and its ${list.length} version${list.length === 1 ? '' : 's'}, tags and aliases. It cannot be undone. The runs and their artifacts are kept.`}
        </ConfirmDialog>
      )}
    </div>
  );
}

function Crumbs() {
  return (
    <div className="crumbs">
      <Link to="/models">Models</Link> /
    </div>
  );
}

interface TableProps {
  model: RegisteredModel;
  versions: ModelVersion[] | undefined;
  error: string | undefined;
  onRetry(): void;
}

/** Names of the versions' source runs (a model's versions usually come from a handful of runs). */
function useRunNames(versions: ModelVersion[] | undefined): Map<string, string> {
  const ids = [...new Set((versions ?? []).map((v) => v.run_id || parseRunsUri(v.source)?.runId || ''))]
    .filter(Boolean)
    .slice(0, 100);
  const names = useAsync(
    async (signal) => {
      const runs = await Promise.all(ids.map((id) => getRun(id, signal).catch(() => undefined)));
      return new Map(runs.filter((r) => r !== undefined).map((r) => [r.info.run_id, r.info.run_name ?? '']));
    },
    [ids.join(',')],
  );
  return names.data ?? new Map();
}

function VersionsTable({ model, versions, error, onRetry }: TableProps) {
  const runNames = useRunNames(versions);
  if (error) return <ErrorBox message={error} onRetry={onRetry} />;
  if (!versions) return <Loading label="Loading versions…" />;
  if (!versions.length)
    return (
      <EmptyState title="No versions yet">
        <p>
          Open a run's <strong>Artifacts</strong> tab, select a model's <code>MLmodel</code> file and choose{' '}
          <strong>Register model</strong>, or run:
        </p>
        <RegisterSnippet modelName={model.name} />
      </EmptyState>
    );
  const aliasesOf = new Map<string, string[]>();
  for (const a of model.aliases ?? [])
    aliasesOf.set(a.version, [...(aliasesOf.get(a.version) ?? []), a.alias]);
  return (
    <table className="data" data-testid="versions-table">
      <thead>
        <tr>
          <th>Version</th>
          <th>Stage</th>
          <th>Aliases</th>
          <th>Source run</th>
          <th>Created</th>
          <th>Status</th>
          <th>Description</th>
        </tr>
      </thead>
      <tbody>
        {versions.map((v) => {
          const source = parseRunsUri(v.source);
          const runId = v.run_id || source?.runId;
          return (
            <tr key={v.version} data-testid="version-row" data-version={v.version}>
              <td className="nowrap">
                <VersionLink name={v.name} version={v.version} />
              </td>
              <td>
                <StageBadge stage={v.current_stage} />
              </td>
              <td>
                <div className="chips">
                  {(aliasesOf.get(v.version) ?? []).map((a) => (
                    <AliasChip key={a} alias={a} />
                  ))}
                </div>
              </td>
              <td className="mono small">
                {runId ? (
                  <Link
                    to={runLink(runId, source?.runId === runId ? source.path : undefined)}
                    data-testid="run-link"
                  >
                    {runNames.get(runId) || runId.slice(0, 8)}
                  </Link>
                ) : (
                  <span className="muted ellipsis" title={v.source}>
                    {v.source}
                  </span>
                )}
              </td>
              <td className="nowrap" title={formatTime(v.creation_timestamp)}>
                {formatRelative(v.creation_timestamp)}
              </td>
              <td className="small">
                {v.status === 'READY' ? 'Ready' : v.status === 'PENDING_REGISTRATION' ? 'Pending' : 'Failed'}
              </td>
              <td className="muted small ellipsis" style={{ maxWidth: 280 }} title={v.description}>
                {markdownExcerpt(v.description)}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
