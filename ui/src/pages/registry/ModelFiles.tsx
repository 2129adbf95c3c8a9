/** A model version's files: its `MLmodel` (flavors, signature, input example) and a download link. */
import { useAsync } from '../../app/hooks';
import { ApiError } from '../../api/client';
import { fetchModelFile, modelFileUrl, type ModelVersion } from '../../api/registry';
import { MlmodelView } from '../../components/model/MlmodelView';
import { EmptyState, ErrorBox, Loading } from '../../components/States';

/** The MLmodel text, or null when the version's files hold none (a 404, not a failure). */
async function loadMlmodel(mv: ModelVersion, signal: AbortSignal): Promise<string | null> {
  try {
    return await fetchModelFile(mv, 'MLmodel', signal);
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) return null;
    throw e;
  }
}

export function ModelFiles({ mv }: { mv: ModelVersion }) {
  const mlmodel = useAsync((signal) => loadMlmodel(mv, signal), [mv.name, mv.version, mv.source]);
  return (
    <div className="panel pad" data-testid="model-files">
      <div className="row" style={{ marginBottom: 10 }}>
        <h2 style={{ margin: 0, flex: 1 }}>Model</h2>
        {typeof mlmodel.data === 'string' && (
          <a className="btn" href={modelFileUrl(mv.name, mv.version, 'MLmodel')} download="MLmodel">
            Download MLmodel
          </a>
        )}
      </div>
      {mlmodel.error ? (
        <ErrorBox
          message={`Could not read the model's MLmodel file: ${mlmodel.error}`}
          onRetry={mlmodel.reload}
        />
      ) : mlmodel.data === undefined ? (
        <Loading label="Loading model files…" />
      ) : mlmodel.data === null ? (
        <EmptyState title="No MLmodel file">
          <p>
            The version's source <code>{mv.source}</code> holds no <code>MLmodel</code> file, so its flavors
            and signature are unknown. Models logged with <code>cairn.models.logModel</code> or{' '}
            <code>mlflow.&lt;flavor&gt;.log_model</code> include one.
          </p>
        </EmptyState>
      ) : (
        <MlmodelView text={mlmodel.data} loadFile={(rel) => fetchModelFile(mv, rel)} />
      )}
    </div>
  );
}
