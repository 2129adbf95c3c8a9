/** The runs table's columns: attributes, the chosen metric/param columns (remembered per experiment set), and the sorted one. */
import { useMemo } from 'react';
import { useStoredState } from '../../app/hooks';
import { ATTRIBUTE_COLUMNS, EXPERIMENT_COLUMN, columnFor, type ColumnDef } from './columns';

export function useRunColumns(
  ids: string[],
  keys: { metrics: string[]; params: string[] },
  sortId: string | null,
): { chosen: string[]; choose: (ids: string[]) => void; columns: ColumnDef[] } {
  const [stored, choose] = useStoredState<string[] | null>(`cairn.columns.${ids.join(',')}`, null);
  const chosen = stored ?? [
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
  return { chosen, choose, columns };
}
