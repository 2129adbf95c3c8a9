/** Runs of one or more experiments: table (filter, sort, columns, selection) and charts. */
import { lazy, Suspense, useCallback, useMemo, useRef, useState } from 'react';
import { useAsync } from '../../app/hooks';
import { useQuery, useSetQuery } from '../../app/router';
import { errorMessage } from '../../api/client';
import { collectRunIds, getExperiment } from '../../api/tracking';
import { GroupBySelect } from '../../components/GroupBySelect';
import { ErrorBox, Loading } from '../../components/States';
import { groupChoices } from '../charts/run-groups';
import { NotFoundPage } from '../not-found/NotFoundPage';
import { ColumnPicker } from './ColumnPicker';
import { FilterBox } from './FilterBox';
import { collectKeys, filterKeys, orderByFor, sortLoadedRows } from './columns';
import { groupRuns, type DisplayRow } from './grouping';
import { formatFolded, groupTable, isGroupRow, parseFolded, type TableRow } from './table-groups';
import { RunsEmpty } from './RunsEmpty';
import { RunsHeader } from './RunsHeader';
import { RunsTable } from './RunsTable';
import { SelectionBar } from './SelectionBar';
import { useRunColumns } from './useRunColumns';
import { useRunSearch } from './useRunSearch';
import { useRunsUrlState } from './useRunsUrlState';

/** "Select all matching runs" selects at most this many (the selection lives in the URL). */
export const SELECT_ALL_CAP = 1000;

// The charts (and uPlot) load when first shown.
const ChartsView = lazy(() => import('../charts/ChartsView').then((m) => ({ default: m.ChartsView })));

export function RunsPage({ params }: { params: Record<string, string> }) {
  const ids = useMemo(() => params.ids!.split(',').filter(Boolean), [params.ids]);
  const url = useRunsUrlState();
  const { filter, sortId, sortDir, view, deleted, selected, setSelected } = url;
  const [expanded, setExpanded] = useState<Set<string>>(new Set());

  const experiments = useAsync(
    (signal) => Promise.all(ids.map((id) => getExperiment(id, signal))),
    [ids.join(',')],
  );
  const orderBy = useMemo(() => orderByFor(sortId, sortDir), [sortId, sortDir]);
  const visibleRange = useRef<[number, number]>([0, 50]);
  const displayRef = useRef<TableRow[]>([]);
  const search = useRunSearch(
    { experimentIds: ids, filter, orderBy, viewType: deleted ? 'DELETED_ONLY' : 'ACTIVE_ONLY' },
    () =>
      displayRef.current
        .slice(...visibleRange.current)
        .filter((d): d is DisplayRow => !isGroupRow(d))
        .map((d) => d.row.id),
  );
  const onVisibleRange = useCallback((first: number, last: number) => {
    visibleRange.current = [first, last];
  }, []);
  const keys = useMemo(() => collectKeys(search.rows), [search.rows]);
  const { chosen, choose, columns, resize } = useRunColumns(ids, keys, sortId);
  // Grouping by a param or tag (the same `group` as the charts); collapsed groups in `gfold`.
  const query = useQuery();
  const setQuery = useSetQuery();
  const groupChoicesList = useMemo(() => groupChoices(search.rows), [search.rows]);
  const groupParam = query.get('group');
  const groupBy = groupParam && groupChoicesList.includes(groupParam) ? groupParam : null;
  const foldedParam = query.get('gfold');
  const folded = useMemo(() => parseFolded(foldedParam), [foldedParam]);
  const metricKeys = columns.filter((c) => c.kind === 'metric').map((c) => c.key);
  const tableRows: TableRow[] = useMemo(() => {
    const sorted = sortLoadedRows(search.rows, sortId, sortDir);
    return groupBy ? groupTable(sorted, groupBy, metricKeys, folded, expanded) : groupRuns(sorted, expanded);
  }, [search.rows, expanded, sortId, sortDir, groupBy, folded, metricKeys.join('\n')]);
  const display = useMemo(() => tableRows.filter((d): d is DisplayRow => !isGroupRow(d)), [tableRows]);
  displayRef.current = tableRows;
  const toggleGroup = useCallback(
    (g: string) =>
      setQuery((current) => {
        const next = parseFolded(current.get('gfold'));
        if (next.has(g)) next.delete(g);
        else next.add(g);
        return { gfold: formatFolded(next) };
      }),
    [setQuery],
  );

  const [allMatching, setAllMatching] = useState<{
    loading: boolean;
    count?: number;
    more?: boolean;
    error?: string;
    key: string;
  }>();
  const queryKey = JSON.stringify([ids, filter, deleted]);
  const toggleAll = () => {
    setAllMatching(undefined);
    if (display.length && display.every((d) => selected.has(d.row.id))) setSelected(new Set());
    else setSelected(new Set(display.map((d) => d.row.id)));
  };
  const selectAllMatching = () => {
    setAllMatching({ loading: true, key: queryKey });
    const args = { experimentIds: ids, filter, viewType: deleted ? 'DELETED_ONLY' : 'ACTIVE_ONLY' } as const;
    collectRunIds(args, SELECT_ALL_CAP).then(
      ({ ids: all, more }) => {
        setSelected(new Set(all));
        setAllMatching({ loading: false, count: all.length, more, key: queryKey });
      },
      (e: unknown) => setAllMatching({ loading: false, error: errorMessage(e), key: queryKey }),
    );
  };
  const allLoadedSelected =
    search.rows.length > 1 &&
    selected.size === search.rows.length &&
    search.rows.every((r) => selected.has(r.id));
  const toggleExpand = useCallback((id: string) => {
    setExpanded((old) => {
      const next = new Set(old);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  }, []);

  const names = experiments.data?.map((e) => e.name) ?? [];
  const experimentNames = useMemo(
    () => new Map((experiments.data ?? []).map((e) => [e.experiment_id, e.name])),
    [experiments.data],
  );
  const title = names.length ? names.join(', ') : ids.length > 1 ? `${ids.length} experiments` : '';
  const selectedIds = [...selected];

  if (experiments.notFound)
    return (
      <NotFoundPage
        what={ids.length > 1 ? `One of experiments ${ids.join(', ')}` : `Experiment ${ids[0]}`}
        back={{ to: '/experiments', label: 'list of experiments' }}
      />
    );
  return (
    <div className="runs-page" data-testid="runs-page">
      <RunsHeader ids={ids} title={title} live={search.live} view={view} onView={url.setView} />
      {experiments.error && <ErrorBox message={experiments.error} />}
      <div className="toolbar">
        <FilterBox
          value={filter}
          keys={filterKeys(keys)}
          error={search.badQuery ? search.error : undefined}
          onSubmit={url.setFilter}
        />
        <label className="check">
          <input
            type="checkbox"
            checked={deleted}
            onChange={url.toggleDeleted}
            data-testid="show-deleted-runs"
          />
          Deleted runs
        </label>
        <span style={{ flex: 1 }} />
        {view === 'table' && (
          <GroupBySelect
            value={groupBy}
            choices={groupChoicesList}
            onChange={(next) => setQuery({ group: next, gfold: null })}
          />
        )}
        {view === 'table' && <ColumnPicker keys={keys} chosen={chosen} onChange={choose} />}
      </div>
      {search.badQuery && (
        <div className="error filter-error" role="alert" data-testid="filter-error">
          <strong>Invalid filter or sort.</strong> {search.error}
          {search.rows.length > 0 && (
            <span className="muted"> Showing the results of the last valid search.</span>
          )}
        </div>
      )}
      <SelectionBar
        selectedIds={selectedIds}
        experimentIds={ids}
        deleted={deleted}
        onChart={() => url.setView('charts')}
        onClear={() => {
          setAllMatching(undefined);
          setSelected(new Set());
        }}
        onChanged={search.reload}
        loadedAllSelected={
          allLoadedSelected ? { loaded: search.rows.length, hasMore: search.hasMore } : undefined
        }
        onSelectAllMatching={selectAllMatching}
        allMatching={
          allMatching?.key === queryKey &&
          (allMatching.loading || allMatching.error || selected.size === allMatching.count)
            ? allMatching
            : undefined
        }
      />
      {search.error && !search.badQuery && <ErrorBox message={search.error} onRetry={search.reload} />}
      {view === 'charts' && (selectedIds.length > 0 || !search.loading) ? (
        <Suspense fallback={<Loading label="Loading charts…" />}>
          <ChartsView
            experimentIds={ids}
            rows={search.rows}
            selected={selectedIds}
            rowsLoading={search.loading}
            onSelect={(next) => setSelected(new Set(next))}
          />
        </Suspense>
      ) : search.loading && !search.rows.length ? (
        <Loading label="Loading runs…" />
      ) : tableRows.length === 0 && (!search.error || search.badQuery) ? (
        <RunsEmpty
          filter={filter}
          deleted={deleted}
          experimentName={names[0]}
          onClearFilter={url.clearFilter}
        />
      ) : (
        (!search.error || search.badQuery) && (
          <>
            <RunsTable
              rows={tableRows}
              groupBy={groupBy}
              onToggleGroup={toggleGroup}
              columns={columns}
              selected={selected}
              expanded={expanded}
              sortId={sortId ?? 'attr:start_time'}
              sortDir={sortId ? sortDir : 'desc'}
              hasMore={search.hasMore}
              loadingMore={search.loadingMore}
              onToggleSelect={url.toggleSelected}
              onToggleAll={toggleAll}
              onToggleExpand={toggleExpand}
              onSort={url.sortBy}
              onEndReached={search.loadMore}
              onVisibleRange={onVisibleRange}
              experimentNames={experimentNames}
              onResize={resize}
            />
            <div className="muted small" style={{ marginTop: 6 }} data-testid="runs-count">
              {search.rows.length.toLocaleString('en-US')} runs loaded
              {search.hasMore ? ' — scroll for more' : ''}
            </div>
            {search.hasMore && (
              <button
                className="small"
                onClick={search.loadMore}
                disabled={search.loadingMore}
                title={groupBy ? 'Group counts and aggregates cover the loaded runs' : undefined}
                data-testid="load-more"
              >
                {search.loadingMore ? 'Loading…' : 'Load more runs'}
              </button>
            )}
          </>
        )
      )}
    </div>
  );
}
