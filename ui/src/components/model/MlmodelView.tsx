/**
 * An `MLmodel` file rendered for people: summary, flavors, signature tables and the input
 * example. Shared by the run page's artifact browser and the model registry pages.
 */
import { parse } from 'yaml';
import { useAsync } from '../../app/hooks';
import { formatBytes } from '../../app/format';
import { ErrorBox } from '../States';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

interface ColumnSpec {
  name?: string;
  type: string | Json;
  required?: boolean;
  'tensor-spec'?: { dtype: string; shape: number[] };
  default?: Json;
  shape?: number[] | null;
}

function asObject(v: unknown): Record<string, unknown> {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

function show(v: unknown): string {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'string') return v;
  return JSON.stringify(v);
}

/** `{"type": "array", "items": {"type": "long"}}` → `array<long>` */
export function typeName(t: unknown): string {
  if (typeof t === 'string') return t;
  const o = asObject(t);
  if (o.type === 'array') return `array<${typeName(o.items)}>`;
  if (o.type === 'map') return `map<string, ${typeName(o.values)}>`;
  if (o.type === 'object') {
    const props = asObject(o.properties);
    return `object{${Object.entries(props)
      .map(([k, v]) => `${k}: ${typeName(v)}`)
      .join(', ')}}`;
  }
  return typeof o.type === 'string' ? o.type : JSON.stringify(t);
}

function parseSchema(v: unknown): ColumnSpec[] | null {
  if (typeof v !== 'string') return Array.isArray(v) ? (v as ColumnSpec[]) : null;
  try {
    const parsed = JSON.parse(v) as unknown;
    return Array.isArray(parsed) ? (parsed as ColumnSpec[]) : null;
  } catch {
    return null;
  }
}

function SchemaTable({ title, specs, kind }: { title: string; specs: ColumnSpec[]; kind: 'io' | 'params' }) {
  const tensor = specs.some((s) => s.type === 'tensor');
  return (
    <div style={{ marginBottom: 12 }}>
      <h3>{title}</h3>
      <table className="data" data-testid={`signature-${title.toLowerCase()}`}>
        <thead>
          <tr>
            <th>Name</th>
            <th>Type</th>
            <th>{kind === 'params' ? 'Default' : tensor ? 'Shape' : 'Required'}</th>
          </tr>
        </thead>
        <tbody>
          {specs.map((s, i) => (
            <tr key={i}>
              <td className="mono small">{s.name ?? <span className="muted">({i})</span>}</td>
              <td className="mono small">
                {s.type === 'tensor' ? `tensor<${s['tensor-spec']?.dtype ?? '?'}>` : typeName(s.type)}
              </td>
              <td className="mono small">
                {kind === 'params'
                  ? show(s.default)
                  : tensor
                    ? `[${(s['tensor-spec']?.shape ?? []).join(', ')}]`
                    : s.required === false
                      ? 'optional'
                      : 'required'}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
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
  let doc: Record<string, unknown>;
  try {
    doc = asObject(parse(text));
  } catch (e) {
    return (
      <div>
        <ErrorBox message={`This MLmodel file is not valid YAML: ${(e as Error).message}`} />
        <pre className="code-block">{text}</pre>
      </div>
    );
  }
  const flavors = asObject(doc.flavors);
  const signature = asObject(doc.signature);
  const inputs = parseSchema(signature.inputs);
  const outputs = parseSchema(signature.outputs);
  const params = parseSchema(signature.params);
  const example = asObject(doc.saved_input_example_info);
  const summary: [string, unknown][] = [
    ['Artifact path', doc.artifact_path],
    ['Run ID', doc.run_id],
    ['Model ID', doc.model_id],
    ['Model UUID', doc.model_uuid],
    ['Created (UTC)', doc.utc_time_created],
    ['MLflow version', doc.mlflow_version],
    ['Size', typeof doc.model_size_bytes === 'number' ? formatBytes(doc.model_size_bytes) : undefined],
  ];
  return (
    <div className="mlmodel" data-testid="mlmodel-view">
      <dl>
        {summary
          .filter(([, v]) => v !== undefined && v !== null)
          .map(([k, v]) => (
            <div key={k} style={{ display: 'contents' }}>
              <dt>{k}</dt>
              <dd>{show(v)}</dd>
            </div>
          ))}
      </dl>
      <h3>Flavors</h3>
      {Object.entries(flavors).map(([name, conf]) => (
        <div key={name} className="flavor" data-testid="flavor" data-flavor={name}>
          <strong className="mono">{name}</strong>
          <dl style={{ marginTop: 6, marginBottom: 0 }}>
            {Object.entries(asObject(conf)).map(([k, v]) => (
              <div key={k} style={{ display: 'contents' }}>
                <dt>{k}</dt>
                <dd>{show(v)}</dd>
              </div>
            ))}
          </dl>
        </div>
      ))}
      {inputs || outputs || params ? (
        <>
          {inputs && <SchemaTable title="Inputs" specs={inputs} kind="io" />}
          {outputs && <SchemaTable title="Outputs" specs={outputs} kind="io" />}
          {params && <SchemaTable title="Params" specs={params} kind="params" />}
        </>
      ) : (
        <p className="muted">No signature: inputs are not checked when this model is served.</p>
      )}
      {typeof example.artifact_path === 'string' && (
        <>
          <h3>Input example</h3>
          <InputExample path={example.artifact_path} loadFile={loadFile} />
        </>
      )}
      {doc.metadata !== undefined && doc.metadata !== null && (
        <>
          <h3>Metadata</h3>
          <pre className="code-block">{JSON.stringify(doc.metadata, null, 2)}</pre>
        </>
      )}
      <details style={{ marginTop: 12 }}>
        <summary className="muted small">Raw MLmodel</summary>
        <pre className="code-block">{text}</pre>
      </details>
    </div>
  );
}
