/** The experiments list: search, create, rename, delete / restore, descriptions, tags, exact run counts, open one or several. */
import { useState } from 'react';
import { useAsync } from '../../app/hooks';
import { Link, navigate, useQuery, useSetQuery } from '../../app/router';
import { formatRelative, formatTime } from '../../app/format';
import {
  countRuns,
  createExperiment,
  deleteExperiment,
  renameExperiment,
  restoreExperiment,
  searchExperiments,
} from '../../api/tracking';
import type { Experiment } from '../../api/types';
import { ConfirmDialog, PromptDialog } from '../../components/Modal';
import { ListStates } from '../../components/ListStates';
import { SearchBox } from '../../components/SearchBox';
import { EmptyState, FirstRunSnippet } from '../../components/States';
import { markdownExcerpt } from '../../components/Markdown';
import { isSystemTag } from '../../app/tags';
import { ExperimentRowActions } from './ExperimentRowActions';

type Dialog =
  | { kind: 'create' }
  | { kind: 'rename'; exp: Experiment }
  | { kind: 'delete'; exp: Experiment }
  | { kind: 'restore'; exp: Experiment };

/** Escapes a user's search text for a quoted LIKE pattern. */
function nameFilter(q: string): string | undefined {
  const t = q.trim();
  if (!t) return undefined;
  return `name ILIKE '%${t.replace(/'/g, "\\'")}%'`;
}

export function ExperimentsPage() {
  const query = useQuery();
  const setQuery = useSetQuery();
  const q = query.get('q') ?? '';
  const deleted = query.get('view') === 'deleted';
  const [dialog, setDialog] = useState<Dialog | null>(null);
  const [selected, setSelected] = useState<Set<string>>(new Set());

  const list = useAsync(
    (signal) =>
      searchExperiments(
        { filter: nameFilter(q), viewType: deleted ? 'DELETED_ONLY' : 'ACTIVE_ONLY', maxResults: 1000 },
        signal,
      ),
    [q, deleted],
  );
  const experiments = list.data?.experiments ?? [];
  const idsKey = deleted ? '' : experiments.map((e) => e.experiment_id).join(',');
  const counts = useAsync(
    (signal) => (idsKey ? countRuns(idsKey.split(','), signal) : Promise.resolve(new Map<string, number>())),
    [idsKey],
  );

  const toggle = (id: string) => {
    const next = new Set(selected);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    setSelected(next);
  };

  return (
    <div data-testid="experiments-page">
      <div className="page-head">
        <h1>Experiments</h1>
        <span className="grow" />
        {selected.size > 1 && (
          <button
            onClick={() => navigate(`/experiments/${[...selected].join(',')}`)}
            data-testid="open-selected"
          >
            Compare runs of {selected.size} experiments
          </button>
        )}
        <button
          className="primary"
          onClick={() => setDialog({ kind: 'create' })}
          data-testid="create-experiment"
        >
          + New experiment
        </button>
      </div>
      <div className="toolbar">
        <SearchBox
          initial={q}
          placeholder="Search experiments by name"
          testId="experiment-search"
          onSearch={(text) => setQuery({ q: text })}
        />
        <span className="grow" style={{ flex: 1 }} />
        <div className="seg">
          <button className={deleted ? '' : 'on'} onClick={() => setQuery({ view: null })}>
            Active
          </button>
          <button
            className={deleted ? 'on' : ''}
            onClick={() => setQuery({ view: 'deleted' })}
            data-testid="show-deleted"
          >
            Deleted
          </button>
        </div>
      </div>
      <ListStates
        state={list}
        loadingLabel="Loading experiments…"
        isEmpty={experiments.length === 0}
        empty={
          q ? (
            <EmptyState title={`No ${deleted ? 'deleted ' : ''}experiment matches “${q}”`}>
              <p>Try another part of the name, or clear the search.</p>
            </EmptyState>
          ) : deleted ? (
            <EmptyState title="No deleted experiments">
              <p>Deleted experiments appear here and can be restored.</p>
            </EmptyState>
          ) : (
            <EmptyState title="No experiments yet">
              <p>Create one with the button above, or log a first run from your training code:</p>
              <FirstRunSnippet />
            </EmptyState>
          )
        }
      >
        <div className="panel" style={{ overflow: 'auto' }}>
          <table className="data" data-testid="experiments-table">
            <thead>
              <tr>
                <th style={{ width: 32 }} />
                <th>Name</th>
                <th>Description</th>
                <th>ID</th>
                <th>Runs</th>
                <th>Created</th>
                <th>Last updated</th>
                <th>Artifact location</th>
                <th style={{ width: 170 }} />
              </tr>
            </thead>
            <tbody>
              {experiments.map((exp) => (
                <tr
                  key={exp.experiment_id}
                  data-testid="experiment-row"
                  data-experiment-id={exp.experiment_id}
                >
                  <td>
                    <input
                      type="checkbox"
                      aria-label={`Select ${exp.name}`}
                      checked={selected.has(exp.experiment_id)}
                      onChange={() => toggle(exp.experiment_id)}
                    />
                  </td>
                  <td>
                    {deleted ? (
                      <span>{exp.name}</span>
                    ) : (
                      <Link to={`/experiments/${exp.experiment_id}`} className="exp-name">
                        {exp.name}
                      </Link>
                    )}
                  </td>
                  <td className="exp-about">
                    <ExperimentAbout exp={exp} />
                  </td>
                  <td className="num muted">{exp.experiment_id}</td>
                  <td className="num">
                    {deleted ? (
                      '—'
                    ) : counts.error ? (
                      <span className="muted" title={counts.error}>
                        ?
                      </span>
                    ) : counts.data?.has(exp.experiment_id) ? (
                      <span data-testid="run-count">
                        {counts.data.get(exp.experiment_id)!.toLocaleString('en-US')}
                      </span>
                    ) : (
                      <span className="muted">…</span>
                    )}
                  </td>
                  <td className="nowrap" title={formatTime(exp.creation_time)}>
                    {formatRelative(exp.creation_time)}
                  </td>
                  <td className="nowrap" title={formatTime(exp.last_update_time)}>
                    {formatRelative(exp.last_update_time)}
                  </td>
                  <td
                    className="mono small muted ellipsis"
                    style={{ maxWidth: 260 }}
                    title={exp.artifact_location}
                  >
                    {exp.artifact_location}
                  </td>
                  <ExperimentRowActions
                    exp={exp}
                    deleted={deleted}
                    onRename={() => setDialog({ kind: 'rename', exp })}
                    onDelete={() => setDialog({ kind: 'delete', exp })}
                    onRestore={() => setDialog({ kind: 'restore', exp })}
                  />
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </ListStates>
      {dialog?.kind === 'create' && (
        <PromptDialog
          title="New experiment"
          label="Runs are grouped into experiments. Pick a name your team will recognise."
          placeholder="e.g. fraud-detection"
          confirmLabel="Create"
          onClose={() => setDialog(null)}
          onSubmit={async (name) => {
            const id = await createExperiment(name);
            navigate(`/experiments/${id}`);
          }}
        />
      )}
      {dialog?.kind === 'rename' && (
        <PromptDialog
          title="Rename experiment"
          initial={dialog.exp.name}
          confirmLabel="Rename"
          onClose={() => setDialog(null)}
          onSubmit={async (name) => {
            await renameExperiment(dialog.exp.experiment_id, name);
            list.reload();
          }}
        />
      )}
      {dialog?.kind === 'delete' && (
        <ConfirmDialog
          title={`Delete “${dialog.exp.name}”?`}
          confirmLabel="Delete"
          danger
          onClose={() => setDialog(null)}
          onConfirm={async () => {
            await deleteExperiment(dialog.exp.experiment_id);
            list.reload();
          }}
        >
          The experiment and its runs move to the Deleted list, where they can be restored.
        </ConfirmDialog>
      )}
      {dialog?.kind === 'restore' && (
        <ConfirmDialog
          title={`Restore “${dialog.exp.name}”?`}
          confirmLabel="Restore"
          onClose={() => setDialog(null)}
          onConfirm={async () => {
            await restoreExperiment(dialog.exp.experiment_id);
            list.reload();
          }}
        />
      )}
    </div>
  );
}

/** An experiment's description (first line, as plain text) and its user tags. */
function ExperimentAbout({ exp }: { exp: Experiment }) {
  const tags = exp.tags ?? [];
  const note = tags.find((t) => t.key === 'mlflow.note.content')?.value;
  const user = tags.filter((t) => !isSystemTag(t.key));
  return (
    <>
      {note && (
        <div className="ellipsis small" title={note} data-testid="experiment-description">
          {markdownExcerpt(note)}
        </div>
      )}
      {user.length > 0 && (
        <div className="row" style={{ gap: 4, flexWrap: 'wrap' }} data-testid="experiment-tags">
          {user.slice(0, 4).map((t) => (
            <span key={t.key} className="pill small mono" title={`${t.key} = ${t.value}`}>
              {t.key}: {t.value.length > 24 ? `${t.value.slice(0, 23)}…` : t.value}
            </span>
          ))}
          {user.length > 4 && <span className="muted small">+{user.length - 4}</span>}
        </div>
      )}
    </>
  );
}
