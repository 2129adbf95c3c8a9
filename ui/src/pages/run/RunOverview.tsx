/** The overview tab of a run page. */
import { useAsync } from '../../app/hooks';
import { Link, withQuery } from '../../app/router';
import { formatDuration, formatNumber, formatTime, runDuration } from '../../app/format';
import { getRun, searchRuns, setRunTag } from '../../api/tracking';
import type { Run } from '../../api/types';
import { DescriptionEditor } from '../../components/DescriptionEditor';
import { StatusBadge } from '../../components/States';
import { TagsEditor } from './TagsEditor';
import { useResourceAccess } from '../../auth/permission';

const NOTE_TAG = 'mlflow.note.content';

export function RunOverview({ run, onChanged }: { run: Run; onChanged(): void }) {
  const info = run.info;
  // Tags and the description are run data: changing them needs EDIT on the run's experiment.
  const denied = useResourceAccess('experiment', info.experiment_id).denied('update');
  const tags = new Map((run.data.tags ?? []).map((t) => [t.key, t.value]));
  const parentId = tags.get('mlflow.parentRunId');
  const children = useAsync(
    (signal) =>
      searchRuns(
        {
          experimentIds: [info.experiment_id],
          filter: `tags.mlflow.parentRunId = '${info.run_id}'`,
          maxResults: 200,
        },
        signal,
      ),
    [info.run_id],
  );
  const commit = tags.get('mlflow.source.git.commit');
  const repo = tags.get('mlflow.source.git.repoURL') ?? tags.get('mlflow.gitRepoURL');
  const branch = tags.get('mlflow.source.git.branch') ?? tags.get('mlflow.gitBranchName');
  const metrics = [...(run.data.metrics ?? [])].sort((a, b) => a.key.localeCompare(b.key));
  const params = [...(run.data.params ?? [])].sort((a, b) => a.key.localeCompare(b.key));
  const datasets = run.inputs?.dataset_inputs ?? [];

  return (
    <div className="run-overview">
      <div className="grid2 section">
        <div className="panel pad">
          <h2>Details</h2>
          <table className="data kv" data-testid="run-details">
            <tbody>
              <tr>
                <td>Run ID</td>
                <td className="mono small">{info.run_id}</td>
              </tr>
              <tr>
                <td>Status</td>
                <td>
                  <StatusBadge status={info.status} />
                </td>
              </tr>
              <tr>
                <td>Started</td>
                <td>{formatTime(info.start_time)}</td>
              </tr>
              <tr>
                <td>Ended</td>
                <td>{formatTime(info.end_time)}</td>
              </tr>
              <tr>
                <td>Duration</td>
                <td data-testid="run-duration">
                  {formatDuration(runDuration(info.start_time, info.end_time, info.status))}
                </td>
              </tr>
              <tr>
                <td>User</td>
                <td>{tags.get('mlflow.user') || info.user_id || '—'}</td>
              </tr>
              <tr>
                <td>Source</td>
                <td className="mono small">
                  {tags.get('mlflow.source.name') ?? '—'}
                  {tags.get('mlflow.source.type') && (
                    <span className="muted"> ({tags.get('mlflow.source.type')})</span>
                  )}
                </td>
              </tr>
              <tr>
                <td>Git commit</td>
                <td className="mono small" data-testid="git-commit">
                  {commit ?? '—'}
                  {branch && <span className="muted"> on {branch}</span>}
                  {repo && <div className="muted">{repo}</div>}
                </td>
              </tr>
              <tr>
                <td>Parent run</td>
                <td>{parentId ? <ParentLink id={parentId} /> : '—'}</td>
              </tr>
              <tr>
                <td>Child runs</td>
                <td data-testid="child-runs">
                  {children.data?.runs.length
                    ? children.data.runs.map((c) => (
                        <div key={c.info.run_id}>
                          <Link to={`/runs/${c.info.run_id}`}>{c.info.run_name || c.info.run_id}</Link>{' '}
                          <StatusBadge status={c.info.status} />
                        </div>
                      ))
                    : children.loading
                      ? '…'
                      : '—'}
                </td>
              </tr>
              <tr>
                <td>Artifact URI</td>
                <td className="mono small">{info.artifact_uri}</td>
              </tr>
            </tbody>
          </table>
        </div>
        <Description
          runId={info.run_id}
          value={tags.get(NOTE_TAG) ?? ''}
          onChanged={onChanged}
          denied={denied}
        />
      </div>

      <div className="grid2 section">
        <div className="panel pad">
          <h2>Parameters ({params.length})</h2>
          {params.length ? (
            <table className="data" data-testid="run-params">
              <tbody>
                {params.map((p) => (
                  <tr key={p.key}>
                    <td className="mono small">{p.key}</td>
                    <td className="mono small" style={{ wordBreak: 'break-word' }}>
                      {p.value}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : (
            <p className="muted">No parameters logged.</p>
          )}
        </div>
        <div className="panel pad">
          <h2>Metrics ({metrics.length})</h2>
          {metrics.length ? (
            <table className="data" data-testid="run-metrics">
              <thead>
                <tr>
                  <th>Key</th>
                  <th>Latest</th>
                  <th>Step</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {metrics.map((m) => (
                  <tr key={m.key} data-key={m.key}>
                    <td className="mono small">{m.key}</td>
                    <td className="num">{formatNumber(m.value)}</td>
                    <td className="num muted">{m.step}</td>
                    <td>
                      <Link
                        to={withQuery(`/experiments/${info.experiment_id}`, {
                          view: 'charts',
                          sel: info.run_id,
                          metrics: m.key,
                        })}
                        className="small"
                      >
                        Chart
                      </Link>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : (
            <p className="muted">No metrics logged.</p>
          )}
        </div>
      </div>

      <div className="grid2 section">
        <TagsEditor runId={info.run_id} tags={run.data.tags ?? []} onChanged={onChanged} denied={denied} />
        <div className="panel pad">
          <h2>Datasets ({datasets.length})</h2>
          {datasets.length ? (
            <table className="data" data-testid="run-datasets">
              <thead>
                <tr>
                  <th>Name</th>
                  <th>Digest</th>
                  <th>Context</th>
                  <th>Source</th>
                </tr>
              </thead>
              <tbody>
                {datasets.map((d, i) => (
                  <tr key={i}>
                    <td>{d.dataset.name}</td>
                    <td className="mono small">{d.dataset.digest}</td>
                    <td>{d.tags?.find((t) => t.key === 'mlflow.data.context')?.value ?? '—'}</td>
                    <td className="mono small" style={{ wordBreak: 'break-all' }}>
                      <span className="muted">{d.dataset.source_type}</span> {d.dataset.source}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : (
            <p className="muted">No datasets logged as inputs of this run.</p>
          )}
        </div>
      </div>
    </div>
  );
}

function ParentLink({ id }: { id: string }) {
  const parent = useAsync((signal) => getRun(id, signal), [id]);
  return (
    <Link to={`/runs/${id}`} data-testid="parent-link">
      {parent.data?.info.run_name || id}
    </Link>
  );
}

function Description(props: { runId: string; value: string; onChanged(): void; denied?: string }) {
  const { runId, value, onChanged, denied } = props;
  return (
    <DescriptionEditor
      value={value}
      testId="run-description"
      emptyText="No description. Use Edit to note what this run tried and what you learned."
      denied={denied}
      onSave={async (text) => {
        await setRunTag(runId, NOTE_TAG, text);
        onChanged();
      }}
    />
  );
}
