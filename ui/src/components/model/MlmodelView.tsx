/**
 * An `MLmodel` file rendered for people: summary, flavors, signature tables and the input
 * example. Shared by the run page's artifact browser and the model registry pages.
 */
import { summarizeMlModel, type SignatureField } from '../../../../src/models/summary';
import { useAsync } from '../../app/hooks';
import { formatBytes } from '../../app/format';
import { ErrorBox } from '../States';

function asObject(v: unknown): Record<string, unknown> {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

function show(v: unknown): string {
  if (v === null || v === undefined || v === '') return '—';
  if (typeof v === 'string') return v;
  return JSON.stringify(v);
}

interface Row {
  name: string;
  type: string;
  last: string;
}

function SchemaTable({ title, third, rows }: { title: string; third: string; rows: Row[] }) {
  return (
    <div style={{ marginBottom: 12 }}>
      <h3>{title}</h3>
      <table className="data" data-testid={`signature-${title.toLowerCase()}`}>
        <thead>
          <tr>
            <th>Name</th>
            <th>Type</th>
            <th>{third}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r, i) => (
            <tr key={i}>
              <td className="mono small">{r.name || <span className="muted">({i})</span>}</td>
              <td className="mono small">{r.type}</td>
              <td className="mono small">{r.last}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Inputs or outputs: tensors show their shape, columns whether they are required. */
function FieldsTable({ title, fields }: { title: string; fields: SignatureField[] }) {
  const tensor = fields.some((f) => f.shape);
  const rows = fields.map((f) => ({
    name: f.name,
    type: f.type,
    last: f.shape ? `[${f.shape.join(', ')}]` : f.required ? 'required' : 'optional',
  }));
  return <SchemaTable title={title} third={tensor ? 'Shape' : 'Required'} rows={rows} />;
}

function InputExample({ path, loadFile }: { path: string; loadFile(rel: string): Promise<string> }) {
  const ex = useAsync(() => loadFile(path), [path]);
  if (ex.error) return <ErrorBox message={`Input example ${path}: ${ex.error}`} />;
  if (ex.data === undefined) return <p className="muted">Loading input example…</p>;
  let value: unknown;
  try {
    value = JSON.parse(ex.data);
  } catch {
    return <pre className="code-block">{ex.data}</pre>;
  }
  // Records orient (`[{col: value}, …]`, plain or under `dataframe_records`) is shown as a table too.
  const records = Array.isArray(value) ? value : asObject(value).dataframe_records;
  if (Array.isArray(records) && records.length > 0 && records.every((r) => asObject(r) === r)) {
    const columns = [...new Set(records.flatMap((r) => Object.keys(asObject(r))))];
    value = { columns, data: records.map((r) => columns.map((c) => asObject(r)[c] ?? null)) };
  }
  const split = asObject(asObject(value).dataframe_split ?? value);
  if (Array.isArray(split.columns) && Array.isArray(split.data)) {
    const cols = split.columns as unknown[];
    return (
      <table className="data" data-testid="input-example">
        <thead>
          <tr>
            {cols.map((c, i) => (
              <th key={i}>{show(c)}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {(split.data as unknown[]).slice(0, 50).map((row, i) => (
            <tr key={i}>
              {(Array.isArray(row) ? row : [row]).map((v, j) => (
                <td key={j} className="mono small">
                  {show(v)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    );
  }
  return (
    <pre className="code-block" data-testid="input-example">
      {JSON.stringify(value, null, 2)}
    </pre>
  );
}

export function MlmodelView({ text, loadFile }: { text: string; loadFile(rel: string): Promise<string> }) {
  // The same summary the server side tests (src/models/summary.ts).
  const summary = summarizeMlModel(text);
  const signature = summary.signature;
  const facts: [string, unknown][] = [
    ['Artifact path', summary.artifactPath],
    ['Run ID', summary.runId],
    ['Model ID', summary.modelId],
    ['Model UUID', summary.modelUuid],
    ['Created (UTC)', summary.createdAt],
    ['MLflow version', summary.mlflowVersion],
    ['Size', summary.sizeBytes === undefined ? undefined : formatBytes(summary.sizeBytes)],
  ];
  return (
    <div className="mlmodel" data-testid="mlmodel-view">
      {summary.warnings.map((w) => (
        <ErrorBox key={w} message={w} />
      ))}
      <dl>
        {facts
          .filter(([, v]) => v !== undefined)
          .map(([k, v]) => (
            <div key={k} style={{ display: 'contents' }}>
              <dt>{k}</dt>
              <dd>{show(v)}</dd>
            </div>
          ))}
      </dl>
      <h3>Flavors</h3>
      {summary.flavors.map(({ name, details }) => (
        <div key={name} className="flavor" data-testid="flavor" data-flavor={name}>
          <strong className="mono">{name}</strong>
          <dl style={{ marginTop: 6, marginBottom: 0 }}>
            {Object.entries(details).map(([k, v]) => (
              <div key={k} style={{ display: 'contents' }}>
                <dt>{k}</dt>
                <dd>{show(v)}</dd>
              </div>
            ))}
          </dl>
        </div>
      ))}
      {signature && (signature.inputs.length || signature.outputs.length || signature.params.length) ? (
        <>
          {signature.inputs.length > 0 && <FieldsTable title="Inputs" fields={signature.inputs} />}
          {signature.outputs.length > 0 && <FieldsTable title="Outputs" fields={signature.outputs} />}
          {signature.params.length > 0 && (
            <SchemaTable
              title="Params"
              third="Default"
              rows={signature.params.map((p) => ({ name: p.name, type: p.type, last: show(p.default) }))}
            />
          )}
        </>
      ) : (
        <p className="muted">No signature: inputs are not checked when this model is served.</p>
      )}
      {summary.inputExample && (
        <>
          <h3>Input example</h3>
          <InputExample path={summary.inputExample.path} loadFile={loadFile} />
        </>
      )}
      {summary.metadata !== undefined && (
        <>
          <h3>Metadata</h3>
          <pre className="code-block">{JSON.stringify(summary.metadata, null, 2)}</pre>
        </>
      )}
      <details style={{ marginTop: 12 }}>
        <summary className="muted small">Raw MLmodel</summary>
        <pre className="code-block">{text}</pre>
      </details>
    </div>
  );
}
