/** One run: overview (info, description, params, metrics, tags, datasets) and artifacts. */
import { useAsync, useInterval } from '../../app/hooks';
import { Link, useQuery, useSetQuery } from '../../app/router';
import { getExperiment, getRun } from '../../api/tracking';
import { ErrorBox, Loading, StatusBadge } from '../../components/States';
import { NotFoundPage } from '../not-found/NotFoundPage';
import { ImageGrid } from '../images/ImageGrid';
import { useLoggedImages } from '../images/LoggedImagesSection';
import { ArtifactBrowser } from './ArtifactBrowser';
import { RunOverview } from './RunOverview';

export function RunPage({ params }: { params: Record<string, string> }) {
  const runId = params.runId!;
  const query = useQuery();
  const setQuery = useSetQuery();
  const tabParam = query.get('tab');
  const tab = tabParam === 'artifacts' || tabParam === 'images' ? tabParam : 'overview';
  const run = useAsync((signal) => getRun(runId, signal), [runId]);
  const runName = run.data?.info.run_name || runId.slice(0, 8);
  const images = useLoggedImages([{ id: runId, name: runName }]);
  const imageSources = (images.data ?? []).filter((s) => s.images.length > 0);
  const expId = run.data?.info.experiment_id;
  const experiment = useAsync(
    (signal) => (expId ? getExperiment(expId, signal) : Promise.resolve(undefined)),
    [expId],
  );
  // Keep a running run's numbers fresh without a reload.
  useInterval(() => run.reload(), 1500, run.data?.info.status === 'RUNNING');

  if (run.notFound && !run.data)
    return <NotFoundPage what={`Run ${runId}`} back={{ to: '/experiments', label: 'list of experiments' }} />;
  if (run.error && !run.data) return <ErrorBox message={run.error} onRetry={run.reload} />;
  if (!run.data) return <Loading label="Loading run…" />;
  const info = run.data.info;
  return (
    <div data-testid="run-page">
      <div className="crumbs">
        <Link to="/experiments">Experiments</Link> /{' '}
        <Link to={`/experiments/${info.experiment_id}`}>
          {experiment.data?.name ?? `Experiment ${info.experiment_id}`}
        </Link>{' '}
        /
      </div>
      <div className="page-head">
        <h1 data-testid="run-title">{info.run_name || info.run_id}</h1>
        <StatusBadge status={info.status} />
        {info.lifecycle_stage === 'deleted' && <span className="badge deleted">Deleted</span>}
      </div>
      <div className="tabs">
        <button
          className={tab === 'overview' ? 'on' : ''}
          onClick={() => setQuery({ tab: null, path: null })}
          data-testid="tab-overview"
        >
          Overview
        </button>
        <button
          className={tab === 'artifacts' ? 'on' : ''}
          onClick={() => setQuery({ tab: 'artifacts' })}
          data-testid="tab-artifacts"
        >
          Artifacts
        </button>
        {(imageSources.length > 0 || tab === 'images') && (
          <button
            className={tab === 'images' ? 'on' : ''}
            onClick={() => setQuery({ tab: 'images', path: null })}
            data-testid="tab-images"
          >
            Images
          </button>
        )}
      </div>
      {tab === 'overview' ? (
        <RunOverview run={run.data} onChanged={run.reload} />
      ) : tab === 'images' ? (
        <div className="panel pad" data-testid="logged-images">
          {images.error ? (
            <ErrorBox message={images.error} onRetry={images.reload} />
          ) : !images.data ? (
            <Loading label="Loading images…" />
          ) : imageSources.length ? (
            <ImageGrid sources={imageSources} />
          ) : (
            <p className="muted">
              No images logged by step. <code>mlflow.log_image(image, key="samples", step=step)</code> logs
              them.
            </p>
          )}
        </div>
      ) : (
        <ArtifactBrowser runId={runId} />
      )}
    </div>
  );
}
