/**
 * The runs page's view state, which lives in the URL so that every view is linkable: filter,
 * sort column and direction, table or charts, deleted runs, and the selection. The one place
 * the page reads and changes it.
 */
import { useCallback, useMemo } from 'react';
import { useQuery, useSetQuery } from '../../app/router';
import type { ColumnDef } from './columns';

export type RunsView = 'table' | 'charts';

const idSet = (value: string | null): Set<string> => new Set((value ?? '').split(',').filter(Boolean));
const idList = (ids: Iterable<string>): string | null => [...ids].join(',') || null;

export function useRunsUrlState() {
  const query = useQuery();
  const setQuery = useSetQuery();
  const selectedParam = query.get('sel') ?? '';
  const selected = useMemo(() => idSet(selectedParam), [selectedParam]);
  const sortId = query.get('sort');
  const sortDir = query.get('dir');
  const deleted = query.get('lifecycle') === 'deleted';

  const setSelected = useCallback((next: Set<string>) => setQuery({ sel: idList(next) }), [setQuery]);
  // Computed from the URL at the time of the click, so quick successive clicks all count.
  const toggleSelected = useCallback(
    (id: string) =>
      setQuery((current) => {
        const next = idSet(current.get('sel'));
        if (next.has(id)) next.delete(id);
        else next.add(id);
        return { sel: idList(next) };
      }),
    [setQuery],
  );

  return {
    filter: query.get('filter') ?? '',
    sortId,
    sortDir,
    view: (query.get('view') === 'charts' ? 'charts' : 'table') as RunsView,
    deleted,
    selected,
    setSelected,
    toggleSelected,
    /** A new filter is worth a Back step; '' clears it. */
    setFilter: (filter: string) => setQuery({ filter: filter || null }, true),
    clearFilter: () => setQuery({ filter: null }),
    setView: (view: RunsView) => setQuery({ view: view === 'charts' ? 'charts' : null }),
    /** Switching between active and deleted runs clears the selection. */
    toggleDeleted: () => setQuery({ lifecycle: deleted ? null : 'deleted', sel: null }),
    /** Sorts by `col`; sorting by the current column again flips the direction. */
    sortBy: (col: ColumnDef) => {
      if (sortId === col.id) setQuery({ sort: col.id, dir: sortDir === 'asc' ? 'desc' : 'asc' });
      else
        setQuery({
          sort: col.id,
          dir: col.kind === 'metric' || col.key === 'start_time' || col.key === 'duration' ? 'desc' : 'asc',
        });
    },
  };
}
