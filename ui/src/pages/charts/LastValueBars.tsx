/** A bar chart of each run's last logged value of one metric (from the runs' latest metrics, no fetch). */
import { formatNumber, toNumber } from '../../app/format';
import type { RunRow } from '../runs/columns';
import type { ChartRun } from './chart-data';

const BAR_HEIGHT = 18;
const MAX_BARS = 50;

export function LastValueBars({
  metricKey,
  runs,
  rows,
  hidden,
}: {
  metricKey: string;
  runs: ChartRun[];
  rows: RunRow[];
  hidden: ReadonlySet<string>;
}) {
  const byId = new Map(rows.map((r) => [r.id, r]));
  const bars = runs
    .filter((r) => !hidden.has(r.id))
    .map((run) => ({ run, value: toNumber(byId.get(run.id)?.metrics.get(metricKey)) }))
    .filter((b) => Number.isFinite(b.value))
    .sort((a, b) => b.value - a.value);
  const shown = bars.slice(0, MAX_BARS);
  const lo = Math.min(0, ...shown.map((b) => b.value));
  const hi = Math.max(0, ...shown.map((b) => b.value));
  const span = hi - lo || 1;
  return (
    <div className="chart-panel panel" data-testid="bar-chart" data-metric={metricKey}>
      <div className="chart-head">
        <strong className="mono">{metricKey}</strong>
        <span className="muted small">
          Last value per run{bars.length > MAX_BARS ? ` (top ${MAX_BARS})` : ''}
        </span>
      </div>
      {shown.length === 0 ? (
        <p className="muted small">No finite values.</p>
      ) : (
        <div className="bars" style={{ maxHeight: 250, overflowY: 'auto' }}>
          {shown.map((b) => (
            <div key={b.run.id} className="bar-row small" style={{ height: BAR_HEIGHT }} data-testid="bar">
              <span className="ellipsis bar-label" title={b.run.name}>
                {b.run.name}
              </span>
              <span className="bar-track">
                <span
                  className="bar-fill"
                  style={{
                    left: `${((Math.min(0, b.value) - lo) / span) * 100}%`,
                    width: `${(Math.abs(b.value) / span) * 100}%`,
                    background: b.run.color,
                  }}
                />
              </span>
              <span className="mono bar-value">{formatNumber(b.value)}</span>
            </div>
          ))}
        </div>
      )}
    </div>
  );
}
