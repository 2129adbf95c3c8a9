/**
 * The runs table: only the rows in view (plus a small margin) are in the DOM, so 10,000+ runs
 * scroll smoothly. Rows are absolutely positioned inside a spacer of the full height.
 */
import {
  memo,
  useEffect,
  useLayoutEffect,
  useRef,
  useState,
  type CSSProperties,
  type PointerEvent as ReactPointerEvent,
} from 'react';
import { Link } from '../../app/router';
import {
  formatDuration,
  formatNumber,
  formatRelative,
  formatTime,
  runDuration,
  shortSource,
} from '../../app/format';
import { StatusBadge } from '../../components/States';
import { runUser, type ColumnDef, type RunRow } from './columns';
import type { DisplayRow } from './grouping';
import { isGroupRow, type GroupRow, type TableRow } from './table-groups';
import { MAX_COLUMN_WIDTH, MIN_COLUMN_WIDTH } from './useRunColumns';

export const ROW_HEIGHT = 34;
const OVERSCAN = 8;
const CHECK_WIDTH = 40;

interface Props {
  /** Runs, and when the table is grouped, a header row before each group's runs. */
  rows: TableRow[];
  columns: ColumnDef[];
  selected: ReadonlySet<string>;
  expanded: ReadonlySet<string>;
  sortId: string | null;
  sortDir: string | null;
  hasMore: boolean;
  loadingMore: boolean;
  onToggleSelect(id: string): void;
  onToggleAll(): void;
  onToggleExpand(id: string): void;
  onSort(col: ColumnDef): void;
  onEndReached(): void;
  /** Told which rows are in view, so live refresh can focus on them. */
  onVisibleRange?(first: number, last: number): void;
  /** Experiment names by id, for the Experiment column. */
  experimentNames?: ReadonlyMap<string, string>;
  /** A column's edge was dragged to a new width. */
  onResize?(id: string, width: number): void;
  /** What the table is grouped by (`param:optimizer`), when it is. */
  groupBy?: string | null;
  onToggleGroup?(group: string): void;
}

/** The checkbox and run-name columns stay in place when the table scrolls sideways. */
const PINNED = new Set(['attr:run_name']);

export function RunsTable(props: Props) {
  const { rows, selected, sortId, sortDir } = props;
  // While a column edge is dragged its width changes here; the new width is saved on release.
  const [dragging, setDragging] = useState<{ id: string; width: number } | null>(null);
  const columns = dragging
    ? props.columns.map((c) => (c.id === dragging.id ? { ...c, width: dragging.width } : c))
    : props.columns;
  const startResize = (e: ReactPointerEvent<HTMLSpanElement>, col: ColumnDef) => {
    e.preventDefault();
    e.stopPropagation();
    const x0 = e.clientX;
    const handle = e.currentTarget;
    handle.setPointerCapture(e.pointerId);
    let width = col.width;
    const move = (ev: PointerEvent) => {
      width = Math.min(MAX_COLUMN_WIDTH, Math.max(MIN_COLUMN_WIDTH, col.width + ev.clientX - x0));
      setDragging({ id: col.id, width });
    };
    const up = () => {
      handle.removeEventListener('pointermove', move);
      handle.removeEventListener('pointerup', up);
      setDragging(null);
      props.onResize?.(col.id, width);
    };
    handle.addEventListener('pointermove', move);
    handle.addEventListener('pointerup', up);
  };
  const scroller = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [viewport, setViewport] = useState(600);

  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setViewport(el.clientHeight));
    ro.observe(el);
    setViewport(el.clientHeight);
    return () => ro.disconnect();
  }, []);

  const total = rows.length * ROW_HEIGHT;
  const first = Math.max(0, Math.floor(scrollTop / ROW_HEIGHT) - OVERSCAN);
  const last = Math.min(rows.length, Math.ceil((scrollTop + viewport) / ROW_HEIGHT) + OVERSCAN);

  const { onVisibleRange } = props;
  useEffect(() => onVisibleRange?.(first, last), [first, last, onVisibleRange]);

  // Fetch the next page when the user scrolls near the end of what is loaded. Rows that all fit
  // on screen (collapsed groups or parent runs) do not page on their own: that would fetch the
  // whole experiment for a few header rows. The page then offers to load more.
  const { hasMore, loadingMore, onEndReached } = props;
  const overflows = total > viewport;
  useEffect(() => {
    if (hasMore && !loadingMore && overflows && last >= rows.length - OVERSCAN * 3) onEndReached();
  }, [last, rows.length, hasMore, loadingMore, overflows, onEndReached]);

  const template = `${CHECK_WIDTH}px ${columns.map((c) => `${c.width}px`).join(' ')}`;
  const width = CHECK_WIDTH + columns.reduce((s, c) => s + c.width, 0);
  const runRows = rows.filter((r): r is DisplayRow => !isGroupRow(r));
  const allSelected = runRows.length > 0 && runRows.every((r) => selected.has(r.row.id));

  const visible = [];
  for (let i = first; i < last; i++) {
    const d = rows[i]!;
    if (isGroupRow(d)) {
      visible.push(
        <GroupHeader
          key={`group:${d.group}`}
          g={d}
          top={i * ROW_HEIGHT}
          template={template}
          columns={columns}
          groupBy={props.groupBy ?? ''}
          onToggle={props.onToggleGroup}
        />,
      );
      continue;
    }
    visible.push(
      <Row
        key={d.row.id}
        d={d}
        top={i * ROW_HEIGHT}
        template={template}
        columns={columns}
        selected={selected.has(d.row.id)}
        expanded={props.expanded.has(d.row.id)}
        onToggleSelect={props.onToggleSelect}
        onToggleExpand={props.onToggleExpand}
        experimentNames={props.experimentNames}
      />,
    );
  }

  return (
    <div
      className="runs-scroll panel"
      ref={scroller}
      onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}
      data-testid="runs-table"
      data-row-count={runRows.length}
    >
      <div style={{ width, minWidth: '100%' }}>
        <div className="runs-head" style={{ gridTemplateColumns: template }} role="row">
          <div className="cell check pin" style={{ left: 0 }}>
            <input
              type="checkbox"
              aria-label="Select all loaded runs"
              checked={allSelected}
              onChange={props.onToggleAll}
            />
          </div>
          {columns.map((c) => (
            <div
              key={c.id}
              className={`cell ${c.sortKey || c.clientSort ? 'sortable' : ''} ${c.kind} ${PINNED.has(c.id) ? 'pin pin-last' : ''}`}
              style={PINNED.has(c.id) ? { left: CHECK_WIDTH } : undefined}
              title={
                c.sortKey
                  ? `Sort by ${c.label}`
                  : c.clientSort
                    ? `Sort the loaded runs by ${c.label}`
                    : `${c.label} (not sortable)`
              }
              onClick={() => (c.sortKey || c.clientSort) && props.onSort(c)}
              role="columnheader"
              data-column={c.id}
              aria-sort={sortId === c.id ? (sortDir === 'asc' ? 'ascending' : 'descending') : undefined}
            >
              {c.kind !== 'attr' && (
                <span className={`kind ${c.kind}`}>
                  {c.kind === 'metric' ? 'M' : c.kind === 'param' ? 'P' : 'T'}
                </span>
              )}
              <span className="ellipsis">{c.label}</span>
              {sortId === c.id && <span className="arrow">{sortDir === 'asc' ? '▲' : '▼'}</span>}
              {props.onResize && (
                <span
                  className="col-resize"
                  onPointerDown={(e) => startResize(e, c)}
                  onClick={(e) => e.stopPropagation()}
                  title="Drag to resize"
                  data-testid="column-resize"
                />
              )}
            </div>
          ))}
        </div>
        <div style={{ height: total, position: 'relative' }}>{visible}</div>
        {props.loadingMore && <div className="runs-more muted small">Loading more runs…</div>}
      </div>
    </div>
  );
}

/** A group's header row: its value and run count, and mean (min – max) under each metric column. */
function GroupHeader({
  g,
  top,
  template,
  columns,
  groupBy,
  onToggle,
}: {
  g: GroupRow;
  top: number;
  template: string;
  columns: ColumnDef[];
  groupBy: string;
  onToggle?(group: string): void;
}) {
  const label = groupBy.replace(/^param:/, 'params.').replace(/^tag:/, 'tags.');
  return (
    <div
      className="runs-row group-row"
      style={{ transform: `translateY(${top}px)`, gridTemplateColumns: template }}
      role="row"
      data-testid="group-row"
      data-group={g.group}
      data-collapsed={g.collapsed}
    >
      <div className="cell check pin" style={{ left: 0 }}>
        <button
          className="expander"
          onClick={() => onToggle?.(g.group)}
          aria-expanded={!g.collapsed}
          aria-label={`${g.collapsed ? 'Expand' : 'Collapse'} group ${g.group}`}
          data-testid="group-toggle"
        >
          {g.collapsed ? '▸' : '▾'}
        </button>
      </div>
      {columns.map((c) => {
        const pinned = PINNED.has(c.id);
        const stats = c.kind === 'metric' ? g.stats.get(c.key) : undefined;
        return (
          <div
            key={c.id}
            className={`cell ${c.kind} ${pinned ? 'pin pin-last' : ''}`}
            style={pinned ? { left: CHECK_WIDTH } : undefined}
            data-column={c.id}
          >
            {c.id === 'attr:run_name' ? (
              <span className="ellipsis group-title" title={`${label} = ${g.group}`}>
                <span className="muted">{label} =</span> <strong>{g.group}</strong>{' '}
                <span className="child-count" data-testid="group-count">
                  {g.count} {g.count === 1 ? 'run' : 'runs'}
                </span>
              </span>
            ) : stats ? (
              <span
                className="num group-stat"
                title={`mean ${formatNumber(stats.mean)}, min ${formatNumber(stats.min)}, max ${formatNumber(stats.max)} (${stats.n} runs)`}
                data-testid="group-stat"
                data-mean={stats.mean}
                data-min={stats.min}
                data-max={stats.max}
              >
                {formatNumber(stats.mean)}
                <span className="muted small">
                  {' '}
                  {formatNumber(stats.min)}–{formatNumber(stats.max)}
                </span>
              </span>
            ) : null}
          </div>
        );
      })}
    </div>
  );
}

interface RowProps {
  d: DisplayRow;
  top: number;
  template: string;
  columns: ColumnDef[];
  selected: boolean;
  expanded: boolean;
  onToggleSelect(id: string): void;
  onToggleExpand(id: string): void;
  experimentNames?: ReadonlyMap<string, string>;
}

const Row = memo(function Row({
  d,
  top,
  template,
  columns,
  selected,
  expanded,
  onToggleSelect,
  onToggleExpand,
  experimentNames,
}: RowProps) {
  const style: CSSProperties = { transform: `translateY(${top}px)`, gridTemplateColumns: template };
  return (
    <div
      className={`runs-row ${selected ? 'selected' : ''}`}
      style={style}
      role="row"
      data-run-id={d.row.id}
      data-testid="run-row"
    >
      <div className="cell check pin" style={{ left: 0 }}>
        <input
          type="checkbox"
          aria-label={`Select ${d.row.run.info.run_name}`}
          checked={selected}
          onChange={() => onToggleSelect(d.row.id)}
        />
      </div>
      {columns.map((c) => (
        <div
          key={c.id}
          className={`cell ${c.kind} ${PINNED.has(c.id) ? 'pin pin-last' : ''}`}
          style={PINNED.has(c.id) ? { left: CHECK_WIDTH } : undefined}
          data-column={c.id}
        >
          <Cell
            col={c}
            d={d}
            expanded={expanded}
            onToggleExpand={onToggleExpand}
            experimentNames={experimentNames}
          />
        </div>
      ))}
    </div>
  );
});

function Cell({
  col,
  d,
  expanded,
  onToggleExpand,
  experimentNames,
}: {
  col: ColumnDef;
  d: DisplayRow;
  expanded: boolean;
  onToggleExpand(id: string): void;
  experimentNames?: ReadonlyMap<string, string>;
}) {
  const r: RunRow = d.row;
  const info = r.run.info;
  switch (col.kind) {
    case 'metric': {
      const v = r.metrics.get(col.key);
      return <span className="num">{v === undefined ? '' : formatNumber(v)}</span>;
    }
    case 'param':
    case 'tag': {
      const v = (col.kind === 'param' ? r.params : r.tags).get(col.key) ?? '';
      return (
        <span className="ellipsis" title={v}>
          {v}
        </span>
      );
    }
  }
  switch (col.key) {
    case 'run_name':
      return (
        <span className="name-cell" style={{ paddingLeft: d.depth * 18 }}>
          {d.childCount > 0 ? (
            <button
              className="expander"
              onClick={() => onToggleExpand(r.id)}
              aria-label={expanded ? 'Collapse child runs' : 'Expand child runs'}
              data-testid="expand-children"
            >
              {expanded ? '▾' : '▸'}
            </button>
          ) : (
            <span className="expander-space" />
          )}
          <Link to={`/runs/${r.id}`} className="ellipsis run-link" title={info.run_name}>
            {info.run_name || r.id.slice(0, 8)}
          </Link>
          {d.childCount > 0 && <span className="child-count">{d.childCount}</span>}
          {info.lifecycle_stage === 'deleted' && <span className="badge deleted">Deleted</span>}
        </span>
      );
    case 'status':
      return <StatusBadge status={info.status} />;
    case 'experiment':
      return (
        <span className="ellipsis">{experimentNames?.get(info.experiment_id) ?? info.experiment_id}</span>
      );
    case 'start_time':
      return <span title={formatTime(info.start_time)}>{formatRelative(info.start_time)}</span>;
    case 'duration':
      return (
        <span className="num">
          {formatDuration(runDuration(info.start_time, info.end_time, info.status))}
        </span>
      );
    case 'user':
      return <span className="ellipsis">{runUser(r)}</span>;
    case 'source': {
      const src = r.tags.get('mlflow.source.name');
      return (
        <span className="ellipsis" title={src}>
          {shortSource(src)}
        </span>
      );
    }
  }
  return null;
}
