/** Runs of one or more experiments: table (filter, sort, columns, selection) and charts. */
import { lazy, Suspense, useCallback, useMemo, useRef, useState } from 'react';
import { useAsync, useStoredState } from '../../app/hooks';
import { Link, navigate, useQuery, useSetQuery, withQuery } from '../../app/router';
import { deleteRun, getExperiment, restoreRun } from '../../api/tracking';
import { ConfirmDialog } from '../../components/Modal';
import { EmptyState, ErrorBox, FirstRunSnippet, Loading } from '../../components/States';
import { ColumnPicker } from './ColumnPicker';
import { FilterBox } from './FilterBox';
import {
  ATTRIBUTE_COLUMNS,
  EXPERIMENT_COLUMN,
  collectKeys,
  columnFor,
  filterKeys,
  orderByFor,
  type ColumnDef,
} from './columns';
import { groupRuns, type DisplayRow } from './grouping';
import { RunsTable } from './RunsTable';
import { useRunSearch } from './useRunSearch';

// The charts (and uPlot) load when first shown.
const ChartsView = lazy(() => import('../charts/ChartsView').then((m) => ({ default: m.ChartsView })));

export function RunsPage({ params }: { params: Record<string, string> }) {
  const ids = useMemo(() => params.ids!.split(',').filter(Boolean), [params.ids]);
  const query = useQuery();
  const setQuery = useSetQuery();
  const filter = query.get('filter') ?? '';
  const sortId = query.get('sort');
  const sortDir = query.get('dir');
  const view = query.get('view') === 'charts' ? 'charts' : 'table';
  const deleted = query.get('lifecycle') === 'deleted';
  const selectedParam = query.get('sel') ?? '';
  const selected = useMemo(() => new Set(selectedParam.split(',').filter(Boolean)), [selectedParam]);
  const [expanded, setExpanded] = useState<Set<string>>(new Set());
  const [confirm, setConfirm] = useState<'delete' | 'restore' | null>(null);

  const experiments = useAsync(
    (signal) => Promise.all(ids.map((id) => getExperiment(id, signal))),
    [ids.join(',')],
  );
  const orderBy = useMemo(() => orderByFor(sortId, sortDir), [sortId, sortDir]);
  const visibleRange = useRef<[number, number]>([0, 50]);
  const displayRef = useRef<DisplayRow[]>([]);
  const search = useRunSearch(
    { experimentIds: ids, filter, orderBy, viewType: deleted ? 'DELETED_ONLY' : 'ACTIVE_ONLY' },
    () => displayRef.current.slice(...visibleRange.current).map((d) => d.row.id),
  );
  const onVisibleRange = useCallback((first: number, last: number) => {
    visibleRange.current = [first, last];
  }, []);
  const keys = useMemo(() => collectKeys(search.rows), [search.rows]);
  const [storedColumns, setStoredColumns] = useStoredState<string[] | null>(
    `cairn.columns.${ids.join(',')}`,
    null,
  );
  const chosen = storedColumns ?? [
    ...keys.metrics.slice(0, 4).map((k) => `metric:${k}`),
    ...keys.params.slice(0, 4).map((k) => `param:${k}`),
  ];
  const columns: ColumnDef[] = useMemo(() => {
    const attrs =
      ids.length > 1
        ? [ATTRIBUTE_COLUMNS[0]!, EXPERIMENT_COLUMN, ...ATTRIBUTE_COLUMNS.slice(1)]
        : ATTRIBUTE_COLUMNS;
    const list = [...attrs, ...chosen.map(columnFor)];
    // A sort on a column that is not shown would be invisible: show it.
    if (sortId && !list.some((c) => c.id === sortId)) list.push(columnFor(sortId));
    return list;
  }, [chosen.join('\n'), sortId, ids.length]);
  const display = useMemo(() => groupRuns(search.rows, expanded), [search.rows, expanded]);
  displayRef.current = display;

  const setSelected = useCallback(
    (next: Set<string>) => setQuery({ sel: [...next].join(',') || null }),
    [setQuery],
  );
  const toggleSelect = useCallback(
    (id: string) => {
      const next = new Set(
        new URLSearchParams(window.location.search).get('sel')?.split(',').filter(Boolean),
      );
      if (next.has(id)) next.delete(id);
      else next.add(id);
      setSelected(next);
    },
    [setSelected],
  );
  const toggleAll = () => {
    if (display.length && display.every((d) => selected.has(d.row.id))) setSelected(new Set());
    else setSelected(new Set(display.map((d) => d.row.id)));
  };
  const toggleExpand = useCallback((id: string) => {
    setExpanded((old) => {
      const next = new Set(old);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  }, []);
  const onSort = (col: ColumnDef) => {
    if (sortId === col.id) setQuery({ sort: col.id, dir: sortDir === 'asc' ? 'desc' : 'asc' });
    else setQuery({ sort: col.id, dir: col.kind === 'metric' || col.key === 'start_time' ? 'desc' : 'asc' });
  };

  const names = experiments.data?.map((e) => e.name) ?? [];
  const experimentNames = useMemo(
    () => new Map((experiments.data ?? []).map((e) => [e.experiment_id, e.name])),
    [experiments.data],
  );
  const title = names.length ? names.join(', ') : ids.length > 1 ? `${ids.length} experiments` : '';
  const selectedIds = [...selected];

  return (
    <div className="runs-page" data-testid="runs-page">
      <div className="crumbs">
        <Link to="/experiments">Experiments</Link> /
      </div>
      <div className="page-head">
        <h1 data-testid="experiment-title">{title || '…'}</h1>
        {ids.length === 1 && <span className="muted small">ID {ids[0]}</span>}
        {search.live && (
          <span
            className="badge RUNNING"
            title="Runs are in progress: this view refreshes every 1.5 s"
            data-testid="live-indicator"
          >
            Live
          </span>
        )}
        <span className="grow" />
        <div className="seg">
          <button
            className={view === 'table' ? 'on' : ''}
            onClick={() => setQuery({ view: null })}
            data-testid="view-table"
          >
            Table
          </button>
          <button
            className={view === 'charts' ? 'on' : ''}
            onClick={() => setQuery({ view: 'charts' })}
            data-testid="view-charts"
          >
            Charts
          </button>
        </div>
      </div>
      {experiments.error && <ErrorBox message={experiments.error} />}
      <div className="toolbar">
        <FilterBox
          value={filter}
          keys={filterKeys(keys)}
          error={search.badQuery ? search.error : undefined}
          onSubmit={(f) => setQuery({ filter: f || null }, true)}
        />
        <label className="check">
          <input
            type="checkbox"
            checked={deleted}
            onChange={() => setQuery({ lifecycle: deleted ? null : 'deleted', sel: null })}
            data-testid="show-deleted-runs"
          />
          Deleted runs
        </label>
        <span style={{ flex: 1 }} />
        {view === 'table' && <ColumnPicker keys={keys} chosen={chosen} onChange={setStoredColumns} />}
      </div>
      {selected.size > 0 && (
        <div className="selection-bar toolbar" data-testid="selection-bar">
          <strong>{selected.size} selected</strong>
          <button
            disabled={selected.size < 2}
            onClick={() =>
              navigate(withQuery('/compare', { runs: selectedIds.join(','), exp: ids.join(',') }))
            }
            data-testid="compare-selected"
          >
            Compare
          </button>
          <button onClick={() => setQuery({ view: 'charts' })}>Chart</button>
          {deleted ? (
            <button onClick={() => setConfirm('restore')} data-testid="restore-selected">
              Restore
            </button>
          ) : (
            <button className="danger" onClick={() => setConfirm('delete')} data-testid="delete-selected">
              Delete
            </button>
          )}
          <button className="ghost" onClick={() => setSelected(new Set())}>
            Clear selection
          </button>
        </div>
      )}
      {search.error && !search.badQuery && <ErrorBox message={search.error} onRetry={search.reload} />}
      {view === 'charts' && (selectedIds.length > 0 || !search.loading) ? (
        <Suspense fallback={<Loading label="Loading charts…" />}>
          <ChartsView rows={search.rows} selected={selectedIds} rowsLoading={search.loading} />
        </Suspense>
      ) : search.loading && !search.rows.length ? (
        <Loading label="Loading runs…" />
      ) : display.length === 0 && !search.error ? (
        <div className="panel">
          {filter ? (
            <EmptyState title="No runs match this filter">
              <p>
                Check the filter above, or{' '}
                <a onClick={() => setQuery({ filter: null })} href="#">
                  clear it
                </a>
                .
              </p>
            </EmptyState>
          ) : deleted ? (
            <EmptyState title="No deleted runs">
              <p>Runs you delete appear here and can be restored.</p>
            </EmptyState>
          ) : (
            <EmptyState title="No runs in this experiment yet">
              <p>Log a first run from your training code; it appears here while it runs:</p>
              <FirstRunSnippet experimentName={names[0]} />
            </EmptyState>
          )}
        </div>
      ) : (
        !search.badQuery && (
          <>
            <RunsTable
              rows={display}
              columns={columns}
              selected={selected}
              expanded={expanded}
              sortId={sortId ?? 'attr:start_time'}
              sortDir={sortId ? sortDir : 'desc'}
              hasMore={search.hasMore}
              loadingMore={search.loadingMore}
              onToggleSelect={toggleSelect}
              onToggleAll={toggleAll}
              onToggleExpand={toggleExpand}
              onSort={onSort}
              onEndReached={search.loadMore}
              onVisibleRange={onVisibleRange}
              experimentNames={experimentNames}
            />
            <div className="muted small" style={{ marginTop: 6 }} data-testid="runs-count">
              {search.rows.length.toLocaleString('en-US')} runs loaded
              {search.hasMore ? ' — scroll for more' : ''}
            </div>
          </>
        )
      )}
      {confirm && (
        <ConfirmDialog
          title={`${confirm === 'delete' ? 'Delete' : 'Restore'} ${selected.size} run${selected.size > 1 ? 's' : ''}?`}
          confirmLabel={confirm === 'delete' ? 'Delete' : 'Restore'}
          danger={confirm === 'delete'}
          onClose={() => setConfirm(null)}
          onConfirm={async () => {
            for (const id of selectedIds) await (confirm === 'delete' ? deleteRun(id) : restoreRun(id));
            setSelected(new Set());
            search.reload();
          }}
        >
          {confirm === 'delete'
            ? 'Deleted runs can be restored from the “Deleted runs” view.'
            : 'The runs return to the active list.'}
        </ConfirmDialog>
      )}
    </div>
  );
}
