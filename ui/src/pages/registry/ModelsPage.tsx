/** The registered models list: name search, sort, paging, latest versions, stages and aliases. */
import { useState } from 'react';
import { useAsync } from '../../app/hooks';
import { Link, navigate, useQuery, useSetQuery } from '../../app/router';
import { formatRelative, formatTime } from '../../app/format';
import {
  createRegisteredModel,
  nameContainsFilter,
  searchRegisteredModels,
  type RegisteredModel,
} from '../../api/registry';
import { PromptDialog } from '../../components/Modal';
import { ListStates } from '../../components/ListStates';
import { SearchBox } from '../../components/SearchBox';
import { EmptyState } from '../../components/States';
import { AliasChip, StageBadge, modelPath, versionPath } from './Badges';
import { markdownExcerpt } from '../../components/Markdown';
import { RegisterSnippet } from './RegisterSnippet';

const SORTS: { key: string; label: string; orderBy: string }[] = [
  { key: 'name', label: 'Name A→Z', orderBy: 'name ASC' },
  { key: '-name', label: 'Name Z→A', orderBy: 'name DESC' },
  { key: '-updated', label: 'Recently updated', orderBy: 'last_updated_timestamp DESC' },
  { key: 'updated', label: 'Least recently updated', orderBy: 'last_updated_timestamp ASC' },
  { key: '-created', label: 'Newest', orderBy: 'creation_timestamp DESC' },
  { key: 'created', label: 'Oldest', orderBy: 'creation_timestamp ASC' },
];
const PAGE_SIZES = [25, 50, 100];

function latestVersion(m: RegisteredModel): string | undefined {
  const nums = (m.latest_versions ?? []).map((v) => Number(v.version)).filter(Number.isFinite);
  return nums.length ? String(Math.max(...nums)) : undefined;
}

export function ModelsPage() {
  const query = useQuery();
  const setQuery = useSetQuery();
  const q = query.get('q') ?? '';
  const sort = SORTS.find((s) => s.key === query.get('sort')) ?? SORTS[0]!;
  const size = PAGE_SIZES.includes(Number(query.get('size'))) ? Number(query.get('size')) : PAGE_SIZES[0]!;
  const pageToken = query.get('page') ?? undefined;
  // Tokens of the pages before this one, for "Previous"; a deep link to a later page starts empty.
  const [previous, setPrevious] = useState<(string | null)[]>([]);
  const [creating, setCreating] = useState(false);

  const list = useAsync(
    (signal) =>
      searchRegisteredModels(
        { filter: nameContainsFilter(q), orderBy: [sort.orderBy], pageToken, maxResults: size },
        signal,
      ),
    [q, sort.orderBy, pageToken, size],
  );
  const models = list.data?.models ?? [];
  const resetPaging = { page: null };

  const sortHeader = (label: string, asc: string, desc: string) => {
    const on = sort.key === asc || sort.key === desc;
    return (
      <th
        className="sortable"
        style={{ cursor: 'pointer', userSelect: 'none' }}
        onClick={() => {
          setPrevious([]);
          setQuery({ sort: sort.key === asc ? desc : asc, ...resetPaging });
        }}
        aria-sort={on ? (sort.key === asc ? 'ascending' : 'descending') : undefined}
        data-testid={`sort-${asc}`}
      >
        {label} {on ? (sort.key === asc ? '↑' : '↓') : ''}
      </th>
    );
  };

  return (
    <div data-testid="models-page">
      <div className="page-head">
        <h1>Models</h1>
        <span className="grow" />
        <button className="primary" onClick={() => setCreating(true)} data-testid="create-model">
          + New model
        </button>
      </div>
      <div className="toolbar">
        <SearchBox
          initial={q}
          placeholder="Search models by name"
          testId="model-search"
          onSearch={(text) => {
            setPrevious([]);
            setQuery({ q: text, ...resetPaging });
          }}
        />
        <span style={{ flex: 1 }} />
        <label className="row small muted">
          Sort
          <select
            value={sort.key}
            onChange={(e) => {
              setPrevious([]);
              setQuery({ sort: e.target.value, ...resetPaging });
            }}
            data-testid="model-sort"
          >
            {SORTS.map((s) => (
              <option key={s.key} value={s.key}>
                {s.label}
              </option>
            ))}
          </select>
        </label>
      </div>
      <ListStates
        state={list}
        loadingLabel="Loading models…"
        isEmpty={models.length === 0}
        empty={
          q ? (
            <EmptyState title={`No model matches “${q}”`}>
              <p>Try another part of the name, or clear the search.</p>
            </EmptyState>
          ) : pageToken ? (
            <EmptyState title="No more models">
              <button onClick={() => setQuery(resetPaging)}>Back to the first page</button>
            </EmptyState>
          ) : (
            <EmptyState title="No registered models yet">
              <p>
                Register a model logged by a run: open the run's <strong>Artifacts</strong> tab, select the
                model's <code>MLmodel</code> file and choose <strong>Register model</strong>. Or from code:
              </p>
              <RegisterSnippet />
            </EmptyState>
          )
        }
      >
        <div className="panel" style={{ overflow: 'auto' }}>
          <table className="data" data-testid="models-table">
            <thead>
              <tr>
                {sortHeader('Name', 'name', '-name')}
                <th>Latest version</th>
                <th>Aliases</th>
                <th>Stages</th>
                {sortHeader('Created', 'created', '-created')}
                {sortHeader('Last modified', 'updated', '-updated')}
                <th>Description</th>
              </tr>
            </thead>
            <tbody>
              {models.map((m) => {
                const latest = latestVersion(m);
                const staged = (m.latest_versions ?? []).filter((v) => v.current_stage !== 'None');
                return (
                  <tr key={m.name} data-testid="model-row" data-model={m.name}>
                    <td>
                      <Link to={modelPath(m.name)} className="model-name" data-testid="model-link">
                        {m.name}
                      </Link>
                    </td>
                    <td className="nowrap" data-testid="latest-version">
                      {latest ? <Link to={versionPath(m.name, latest)}>Version {latest}</Link> : '—'}
                    </td>
                    <td>
                      <div className="chips">
                        {(m.aliases ?? []).map((a) => (
                          <Link
                            key={a.alias}
                            to={versionPath(m.name, a.version)}
                            title={`Version ${a.version}`}
                          >
                            <AliasChip alias={`${a.alias} → v${a.version}`} />
                          </Link>
                        ))}
                      </div>
                    </td>
                    <td>
                      <div className="chips">
                        {staged.map((v) => (
                          <Link key={v.current_stage} to={versionPath(m.name, v.version)}>
                            <StageBadge stage={v.current_stage} /> <span className="small">v{v.version}</span>
                          </Link>
                        ))}
                      </div>
                    </td>
                    <td className="nowrap" title={formatTime(m.creation_timestamp)}>
                      {formatRelative(m.creation_timestamp)}
                    </td>
                    <td className="nowrap" title={formatTime(m.last_updated_timestamp)}>
                      {formatRelative(m.last_updated_timestamp)}
                    </td>
                    <td className="muted small ellipsis" style={{ maxWidth: 320 }} title={m.description}>
                      {markdownExcerpt(m.description)}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          <div className="pager" data-testid="models-pager">
            <label className="row small muted">
              Per page
              <select
                value={size}
                onChange={(e) => {
                  setPrevious([]);
                  setQuery({ size: e.target.value, ...resetPaging });
                }}
              >
                {PAGE_SIZES.map((s) => (
                  <option key={s}>{s}</option>
                ))}
              </select>
            </label>
            <span style={{ flex: 1 }} />
            {pageToken && previous.length === 0 ? (
              <button className="small" onClick={() => setQuery(resetPaging, true)}>
                First page
              </button>
            ) : (
              <button
                className="small"
                disabled={previous.length === 0}
                onClick={() => {
                  const before = previous[previous.length - 1] ?? null;
                  setPrevious(previous.slice(0, -1));
                  setQuery({ page: before }, true);
                }}
                data-testid="prev-page"
              >
                ← Previous
              </button>
            )}
            <button
              className="small"
              disabled={!list.data?.nextPageToken}
              onClick={() => {
                setPrevious([...previous, pageToken ?? null]);
                setQuery({ page: list.data?.nextPageToken ?? null }, true);
              }}
              data-testid="next-page"
            >
              Next →
            </button>
          </div>
        </div>
      </ListStates>
      {creating && (
        <PromptDialog
          title="New registered model"
          label="A registered model groups the versions of one model. Register versions from a run's artifacts."
          placeholder="e.g. fraud-detector"
          confirmLabel="Create"
          onClose={() => setCreating(false)}
          onSubmit={async (name) => {
            const m = await createRegisteredModel(name);
            navigate(modelPath(m.name));
          }}
        />
      )}
    </div>
  );
}
