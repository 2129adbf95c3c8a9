/**
 * `Model`: a loaded model directory behind one interface, whatever its flavor (the analogue of
 * MLflow's PyFuncModel). `predict` enforces the signature, then calls the flavor.
 */
import type { ModelData } from './data.js';
import { selectFlavor, type FlavorModel } from './flavors/flavor.js';
import { readMlModel, type MlModel } from './mlmodel.js';
import { enforceParams } from './signature/params.js';
import { enforceSchema } from './signature/enforce.js';
import type { ModelSignature } from './signature/types.js';
import './flavors/builtin.js';

export class Model {
  /** Runs after the flavor is released (e.g. removes a downloaded copy). */
  onClose?: () => Promise<void>;

  constructor(
    /** Local directory the model was loaded from. */
    readonly path: string,
    readonly metadata: MlModel,
    /** The flavor that serves predictions. */
    readonly flavor: string,
    private readonly impl: FlavorModel,
  ) {}

  get signature(): ModelSignature | undefined {
    return this.metadata.signature;
  }

  /** True when concatenating rows of several requests gives the concatenated answers. */
  get rowWise(): boolean {
    return this.impl.rowWise;
  }

  /** Checks `input` against the signature and converts it (no-op without an input schema). */
  prepareInput(input: unknown): ModelData {
    const schema = this.metadata.signature?.inputs;
    return schema ? enforceSchema(input, schema) : input;
  }

  prepareParams(params: unknown): Record<string, unknown> {
    return enforceParams(params, this.metadata.signature?.params).params;
  }

  /** Runs the flavor on input that already went through `prepareInput`. */
  predictPrepared(input: ModelData, params: Record<string, unknown> = {}): Promise<ModelData> {
    return this.impl.predict(input, params);
  }

  /**
   * Scores `input`: a DataFrame, records, `{column: values}`, a Tensor, `{name: Tensor}` or
   * nested arrays, depending on the model.
   * @example
   * const model = await loadModel('models:/fraud@champion');
   * const out = await model.predict([{ amount: 12.5, age: 31 }]);
   */
  async predict(input: unknown, params?: Record<string, unknown>): Promise<ModelData> {
    return this.predictPrepared(this.prepareInput(input), this.prepareParams(params));
  }

  async close(): Promise<void> {
    await this.impl.close?.();
    await this.onClose?.();
  }
}

/** Loads a model from a local directory holding an MLmodel file. */
export async function loadModelFromDir(dir: string): Promise<Model> {
  const metadata = await readMlModel(dir);
  const { flavor, conf } = selectFlavor(metadata);
  const impl = await flavor.load(dir, conf, metadata);
  return new Model(dir, metadata, flavor.name, impl);
}
