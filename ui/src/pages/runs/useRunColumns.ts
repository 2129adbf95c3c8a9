/**
 * The runs table's columns: attributes, the chosen metric/param columns and the sorted one.
 * The chosen columns live in the URL (`cols`, so a shared link shows the same table) and are
 * remembered per experiment set for the next visit; column widths are remembered per column.
 */
import { useMemo } from 'react';
import { useStoredState } from '../../app/hooks';
import { useQuery, useSetQuery } from '../../app/router';
import { ATTRIBUTE_COLUMNS, EXPERIMENT_COLUMN, columnFor, type ColumnDef } from './columns';

export const MIN_COLUMN_WIDTH = 60;
export const MAX_COLUMN_WIDTH = 800;

/** Column ids joined with commas; a comma inside a key is escaped. */
export const encodeColumns = (ids: string[]): string =>
  ids.map((id) => id.replace(/%/g, '%25').replace(/,/g, '%2C')).join(',');
export const decodeColumns = (text: string): string[] =>
  text
    .split(',')
    .filter(Boolean)
    .map((id) => id.replace(/%2C/gi, ',').replace(/%25/g, '%'));

export interface RunColumns {
  chosen: string[];
  choose: (ids: string[]) => void;
  columns: ColumnDef[];
  resize: (id: string, width: number) => void;
}

export function useRunColumns(
  ids: string[],
  keys: { metrics: string[]; params: string[] },
  sortId: string | null,
): RunColumns {
  const query = useQuery();
  const setQuery = useSetQuery();
  const [stored, store] = useStoredState<string[] | null>(`cairn.columns.${ids.join(',')}`, null);
  const [widths, storeWidths] = useStoredState<Record<string, number>>('cairn.column-widths', {});
  const fromUrl = query.get('cols');
  const chosen = (fromUrl !== null ? decodeColumns(fromUrl) : stored) ?? [
    ...keys.metrics.slice(0, 4).map((k) => `metric:${k}`),
    ...keys.params.slice(0, 4).map((k) => `param:${k}`),
  ];
  const choose = (next: string[]) => {
    store(next);
    // An empty choice is kept as `cols=` so the defaults do not come back.
    setQuery({ cols: encodeColumns(next) || ',' });
  };
  const widthsKey = JSON.stringify(widths);
  const columns: ColumnDef[] = useMemo(() => {
    const attrs =
      ids.length > 1
        ? [ATTRIBUTE_COLUMNS[0]!, EXPERIMENT_COLUMN, ...ATTRIBUTE_COLUMNS.slice(1)]
        : ATTRIBUTE_COLUMNS;
    const list = [...attrs, ...chosen.map(columnFor)];
    // A sort on a column that is not shown would be invisible: show it.
    if (sortId && !list.some((c) => c.id === sortId)) list.push(columnFor(sortId));
    return list.map((c) => (widths[c.id] ? { ...c, width: widths[c.id]! } : c));
  }, [chosen.join('\n'), sortId, ids.length, widthsKey]);
  const resize = (id: string, width: number) =>
    storeWidths({
      ...widths,
      [id]: Math.round(Math.min(MAX_COLUMN_WIDTH, Math.max(MIN_COLUMN_WIDTH, width))),
    });
  return { chosen, choose, columns, resize };
}
