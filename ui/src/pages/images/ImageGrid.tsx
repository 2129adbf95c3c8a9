/**
 * A grid of logged images: one row per key (per run and key when several runs are shown), one
 * column per step. A slider moves the window of steps shown when there are more than fit.
 */
import { useState } from 'react';
import { artifactUrl } from '../../api/tracking';
import type { LoggedImage } from './logged-images';

/** Steps shown side by side. */
export const GRID_STEPS = 6;

export interface ImageSource {
  runId: string;
  runName: string;
  images: LoggedImage[];
}

export function ImageGrid({ sources }: { sources: ImageSource[] }) {
  const steps = [...new Set(sources.flatMap((s) => s.images.map((i) => i.step)))].sort((a, b) => a - b);
  const keys = [...new Set(sources.flatMap((s) => s.images.map((i) => i.key)))].sort((a, b) =>
    a.localeCompare(b),
  );
  const maxStart = Math.max(0, steps.length - GRID_STEPS);
  const [start, setStart] = useState(maxStart);
  const first = Math.min(start, maxStart);
  const shown = steps.slice(first, first + GRID_STEPS);
  const many = sources.length > 1;
  const lookup = new Map<string, LoggedImage>();
  for (const s of sources) for (const i of s.images) lookup.set(`${s.runId}\n${i.key}\n${i.step}`, i);
  if (!steps.length) return null;
  return (
    <div className="image-grid" data-testid="image-grid" data-steps={steps.join(',')}>
      {steps.length > GRID_STEPS && (
        <label className="row small" style={{ gap: 8, marginBottom: 8 }}>
          <span className="muted">Steps</span>
          <input
            type="range"
            min={0}
            max={maxStart}
            step={1}
            value={first}
            onChange={(e) => setStart(Number(e.target.value))}
            aria-label="First step shown"
            data-testid="image-step-slider"
            style={{ flex: 1, maxWidth: 420 }}
          />
          <span className="mono" data-testid="image-step-range">
            {shown[0]}–{shown[shown.length - 1]} of {steps[0]}–{steps[steps.length - 1]}
          </span>
        </label>
      )}
      <div
        className="image-grid-table"
        style={{ gridTemplateColumns: `minmax(120px, 200px) repeat(${shown.length}, minmax(0, 1fr))` }}
      >
        <div className="image-grid-head muted small">{many ? 'Key / run' : 'Key'}</div>
        {shown.map((step) => (
          <div key={step} className="image-grid-head muted small mono" data-testid="image-grid-step">
            step {step}
          </div>
        ))}
        {keys.flatMap((key) =>
          // A run that never logged this key gets no row for it.
          sources
            .filter((s) => s.images.some((i) => i.key === key))
            .map((s) => (
              <div
                key={`${key}\n${s.runId}`}
                className="image-grid-row"
                data-testid="image-grid-row"
                data-key={key}
                data-run-id={s.runId}
              >
                <div className="image-grid-label small">
                  <span className="mono ellipsis" title={key}>
                    {key}
                  </span>
                  {many && (
                    <span className="muted ellipsis" title={s.runName}>
                      {s.runName}
                    </span>
                  )}
                </div>
                {shown.map((step) => {
                  const image = lookup.get(`${s.runId}\n${key}\n${step}`);
                  return (
                    <div
                      key={step}
                      className="image-grid-cell"
                      data-testid="image-grid-cell"
                      data-step={step}
                    >
                      {image ? (
                        <img
                          src={artifactUrl(s.runId, image.thumbnail ?? image.path)}
                          alt={`${key} at step ${step}`}
                          title={`${key}, step ${step}, ${new Date(image.timestamp).toISOString()}`}
                          loading="lazy"
                        />
                      ) : (
                        <span className="muted small">—</span>
                      )}
                    </div>
                  );
                })}
              </div>
            )),
        )}
      </div>
    </div>
  );
}
