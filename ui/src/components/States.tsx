/** Loading, error and empty states used by every page, so they look the same everywhere. */
import type { ReactNode } from 'react';

export function Loading({ label = 'Loading…' }: { label?: string }) {
  return (
    <div className="loading" role="status">
      <span className="spinner" />
      {label}
    </div>
  );
}

export function ErrorBox({ message, onRetry }: { message: string; onRetry?: () => void }) {
  return (
    <div className="error row" role="alert">
      <span style={{ flex: 1 }}>{message}</span>
      {onRetry && (
        <button className="small" onClick={onRetry}>
          Retry
        </button>
      )}
    </div>
  );
}

export function EmptyState({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="empty">
      <h2>{title}</h2>
      {children}
    </div>
  );
}

/** The code a user runs to log a first run against this server. */
export function FirstRunSnippet({ experimentName }: { experimentName?: string }) {
  const origin = window.location.origin;
  const exp = experimentName ?? 'my-experiment';
  return (
    <pre className="snippet">{`// TypeScript, with the Cairn SDK (npm install cairn-ml; an ES module project)
import * as cairn from 'cairn-ml';
cairn.setTrackingUri(${JSON.stringify(origin).replace(/"/g, "'")});
await cairn.setExperiment(${JSON.stringify(exp).replace(/"/g, "'")});
await cairn.withRun({}, async (run) => {
  run.logParams({ learning_rate: 0.01 });
  for (let step = 0; step < 100; step++) run.logMetric('loss', 1 / (step + 1), { step });
});

# Python, with the MLflow client (pip install mlflow)
import mlflow
mlflow.set_tracking_uri("${origin}")
mlflow.set_experiment(${JSON.stringify(exp)})
with mlflow.start_run():
    mlflow.log_param("learning_rate", 0.01)
    for step in range(100):
        mlflow.log_metric("loss", 1 / (step + 1), step=step)`}</pre>
  );
}

export function StatusBadge({ status }: { status: string }) {
  return <span className={`badge ${status}`}>{status.charAt(0) + status.slice(1).toLowerCase()}</span>;
}
