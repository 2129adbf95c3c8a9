/**
 * A display summary of an MLmodel file, for the web UI's run and model-version pages (the UI
 * imports this module). Pure (no I/O, no Node modules): it takes the MLmodel text or the dict
 * from `mlflow.log-model.history`.
 */
import { parse } from 'yaml';
import { schemaFromJson, typeName, paramsFromJson, type Schema } from './signature/types.js';

export interface SignatureField {
  /** Column or tensor name ('' for unnamed). */
  name: string;
  /** `double`, `array<long>`, `tensor<float32>` ... */
  type: string;
  required: boolean;
  /** Tensor fields: the shape, -1 for a variable dimension. */
  shape?: number[];
}

export interface MlModelSummary {
  flavors: { name: string; details: Record<string, string> }[];
  signature?: {
    kind: 'columns' | 'tensors';
    inputs: SignatureField[];
    outputs: SignatureField[];
    params: { name: string; type: string; default: string }[];
  };
  inputExample?: { path: string; type: string; servingPath?: string };
  runId?: string;
  modelId?: string;
  mlflowVersion?: string;
  artifactPath?: string;
  createdAt?: string;
  modelUuid?: string;
  sizeBytes?: number;
  metadata?: unknown;
  /** Problems found while reading (the summary is still as complete as possible). */
  warnings: string[];
}

function fields(schema: Schema | undefined): SignatureField[] {
  if (!schema) return [];
  if (schema.kind === 'tensors') {
    return schema.inputs.map((t) => ({
      name: t.name ?? '',
      type: `tensor<${t.dtype}>`,
      required: true,
      shape: t.shape,
    }));
  }
  return schema.inputs.map((c) => ({ name: c.name ?? '', type: typeName(c.type), required: c.required }));
}

function text(v: unknown): string {
  if (v === null || v === undefined) return '';
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

/** Summarises MLmodel YAML text or its dict form. Never throws. */
export function summarizeMlModel(source: string | Record<string, unknown>): MlModelSummary {
  const warnings: string[] = [];
  let raw: Record<string, unknown> = {};
  try {
    const parsed = typeof source === 'string' ? (parse(source) as unknown) : source;
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed))
      raw = parsed as Record<string, unknown>;
    else warnings.push('MLmodel is not a mapping.');
  } catch (err) {
    warnings.push(`MLmodel is not valid YAML: ${(err as Error).message}`);
  }
  const flavors = Object.entries((raw.flavors ?? {}) as Record<string, Record<string, unknown> | null>).map(
    ([name, conf]) => ({
      name,
      details: Object.fromEntries(Object.entries(conf ?? {}).map(([k, v]) => [k, text(v)])),
    }),
  );
  const summary: MlModelSummary = { flavors, warnings };
  const sig = raw.signature as Record<string, unknown> | undefined;
  if (sig && typeof sig === 'object') {
    try {
      const inputs = sig.inputs ? schemaFromJson(sig.inputs, 'input') : undefined;
      const outputs = sig.outputs ? schemaFromJson(sig.outputs, 'output') : undefined;
      summary.signature = {
        kind: (inputs ?? outputs)?.kind ?? 'columns',
        inputs: fields(inputs),
        outputs: fields(outputs),
        params: sig.params
          ? paramsFromJson(sig.params).map((p) => ({
              name: p.name,
              type: p.shape ? `array<${p.type}>` : p.type,
              default: text(p.default),
            }))
          : [],
      };
    } catch (err) {
      warnings.push(`The signature could not be read: ${(err as Error).message}`);
    }
  }
  const ex = raw.saved_input_example_info as Record<string, unknown> | undefined;
  if (ex && typeof ex === 'object' && typeof ex.artifact_path === 'string') {
    summary.inputExample = {
      path: ex.artifact_path,
      type: text(ex.type),
      ...(typeof ex.serving_input_path === 'string' ? { servingPath: ex.serving_input_path } : {}),
    };
  }
  if (raw.run_id) summary.runId = text(raw.run_id);
  if (raw.model_id) summary.modelId = text(raw.model_id);
  if (raw.mlflow_version) summary.mlflowVersion = text(raw.mlflow_version);
  if (raw.metadata !== undefined && raw.metadata !== null) summary.metadata = raw.metadata;
  if (raw.artifact_path) summary.artifactPath = text(raw.artifact_path);
  if (raw.utc_time_created) summary.createdAt = text(raw.utc_time_created);
  if (raw.model_uuid) summary.modelUuid = text(raw.model_uuid);
  if (typeof raw.model_size_bytes === 'number') summary.sizeBytes = raw.model_size_bytes;
  return summary;
}
