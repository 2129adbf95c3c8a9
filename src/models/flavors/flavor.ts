/** The interface every flavor implements, and the registry that picks one for a model directory. */
import { invalidParam } from '../../errors.js';
import type { ModelData } from '../data.js';
import type { FlavorConf, MlModel } from '../mlmodel.js';

/** A model loaded by a flavor: what Cairn calls to score. */
export interface FlavorModel {
  predict(input: ModelData, params: Record<string, unknown>): Promise<ModelData>;
  /** Row-wise models give the same answer for concatenated rows, so requests may be batched. */
  readonly rowWise: boolean;
  close?(): Promise<void>;
}

export interface Flavor {
  /** The key under `flavors:` in MLmodel. */
  readonly name: string;
  load(modelDir: string, conf: FlavorConf, model: MlModel): Promise<FlavorModel>;
}

const registry = new Map<string, Flavor>();
/** Flavors tried in this order when a model has several. */
const preference: string[] = [];

export function registerFlavor(flavor: Flavor): void {
  if (!registry.has(flavor.name)) preference.push(flavor.name);
  registry.set(flavor.name, flavor);
}

/** MLflow `python_function` loader modules Cairn can serve natively, mapped to its flavor. */
const PYFUNC_LOADERS: Record<string, string> = { 'mlflow.onnx': 'onnx' };

/** Chooses the flavor that loads a model: Cairn's own flavors first, then a known pyfunc loader. */
export function selectFlavor(model: MlModel): { flavor: Flavor; conf: FlavorConf } {
  for (const name of preference) {
    const conf = model.flavors[name];
    if (conf) return { flavor: registry.get(name)!, conf };
  }
  const pyfunc = model.flavors.python_function;
  const target = pyfunc ? PYFUNC_LOADERS[String(pyfunc.loader_module)] : undefined;
  if (target && registry.has(target)) {
    return { flavor: registry.get(target)!, conf: model.flavors[target] ?? pyfunc! };
  }
  throw invalidParam(
    `This model has no flavor Cairn can load (found: ${Object.keys(model.flavors).join(', ') || 'none'}; ` +
      `supported: ${preference.join(', ')}).`,
  );
}
