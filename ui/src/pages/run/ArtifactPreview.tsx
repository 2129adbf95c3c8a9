/**
 * Preview of one artifact. Untrusted markup (HTML, SVG) is never run in the app's origin: it is
 * shown as escaped source, or rendered in an iframe sandboxed without same-origin or scripts
 * (SVG files open rendered, HTML as source).
 */
import { useState } from 'react';
import { useAsync } from '../../app/hooks';
import { formatBytes } from '../../app/format';
import { artifactUrl, fetchArtifactText } from '../../api/tracking';
import { ErrorBox, Loading } from '../../components/States';
import { MlmodelView } from '../../components/model/MlmodelView';
import { CsvTable } from './CsvTable';

const MAX_PREVIEW_BYTES = 5 * 1024 * 1024;
const IMAGE = /\.(png|jpe?g|gif|webp|bmp|ico)$/i;
const MARKUP = /\.(html?|svg)$/i;
const TEXT =
  /\.(txt|log|md|json|jsonl|ya?ml|csv|tsv|py|ts|js|mjs|sh|toml|ini|cfg|conf|xml|r|sql|ipynb|properties|env|gitignore)$|(^|\/)(MLmodel|MLproject|requirements\.txt|Dockerfile|LICENSE|README)$/i;

export type PreviewKind = 'mlmodel' | 'image' | 'markup' | 'json' | 'csv' | 'text' | 'binary';

export function previewKind(path: string): PreviewKind {
  const name = path.slice(path.lastIndexOf('/') + 1);
  if (name === 'MLmodel') return 'mlmodel';
  if (IMAGE.test(name)) return 'image';
  if (MARKUP.test(name)) return 'markup';
  if (/\.json$/i.test(name)) return 'json';
  if (/\.(csv|tsv)$/i.test(name)) return 'csv';
  if (TEXT.test(name) || !name.includes('.')) return 'text';
  return 'binary';
}

export function ArtifactPreview({ runId, path, size }: { runId: string; path: string; size?: number }) {
  const kind = previewKind(path);
  const url = artifactUrl(runId, path);
  return (
    <div data-testid="artifact-preview" data-kind={kind}>
      <div className="preview-head">
        <strong className="mono ellipsis">{path}</strong>
        {size !== undefined && <span className="muted small">{formatBytes(size)}</span>}
        <span style={{ flex: 1 }} />
        <a className="btn" href={url} download data-testid="artifact-download">
          Download
        </a>
      </div>
      {kind === 'image' ? (
        <img src={url} alt={path} data-testid="image-preview" />
      ) : kind === 'binary' ? (
        <p className="muted">No preview for this file type. Use Download to open it.</p>
      ) : size !== undefined && size > MAX_PREVIEW_BYTES ? (
        <p className="muted">
          This file is {formatBytes(size)}, too large to preview here. Use Download to open it.
        </p>
      ) : (
        <TextPreview key={path} runId={runId} path={path} kind={kind} />
      )}
    </div>
  );
}

function TextPreview({ runId, path, kind }: { runId: string; path: string; kind: PreviewKind }) {
  const text = useAsync((signal) => fetchArtifactText(runId, path, signal), [runId, path]);
  // An SVG is a picture: it opens rendered (in the same empty sandbox); HTML opens as source.
  const [rendered, setRendered] = useState(/\.svg$/i.test(path));
  if (text.error) return <ErrorBox message={text.error} onRetry={text.reload} />;
  if (text.data === undefined) return <Loading label="Loading file…" />;
  const body = text.data;
  if (kind === 'mlmodel') {
    const dir = path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : '';
    return (
      <MlmodelView text={body} loadFile={(rel) => fetchArtifactText(runId, dir ? `${dir}/${rel}` : rel)} />
    );
  }
  if (kind === 'json') {
    let pretty = body;
    try {
      pretty = JSON.stringify(JSON.parse(body), null, 2);
    } catch {
      // Not valid JSON: show it as it is.
    }
    return (
      <pre className="code-block" data-testid="text-preview">
        {pretty}
      </pre>
    );
  }
  if (kind === 'csv') return <CsvTable text={body} separator={/\.tsv$/i.test(path) ? '\t' : ','} />;
  if (kind === 'markup') {
    return (
      <div>
        <div className="seg" style={{ marginBottom: 10 }}>
          <button
            className={rendered ? '' : 'on'}
            onClick={() => setRendered(false)}
            data-testid="show-source"
          >
            Source
          </button>
          <button
            className={rendered ? 'on' : ''}
            onClick={() => setRendered(true)}
            data-testid="render-sandboxed"
          >
            Rendered (sandboxed)
          </button>
        </div>
        {rendered ? (
          // An empty sandbox: no scripts, no same-origin access, no forms, no top navigation.
          <iframe
            sandbox=""
            srcDoc={body}
            title={path}
            referrerPolicy="no-referrer"
            data-testid="sandboxed-frame"
          />
        ) : (
          <pre className="code-block" data-testid="text-preview">
            {body}
          </pre>
        )}
      </div>
    );
  }
  return (
    <pre className="code-block" data-testid="text-preview">
      {body}
    </pre>
  );
}
