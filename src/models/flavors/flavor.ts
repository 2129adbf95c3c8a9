/** The interface every flavor implements, and the registry that picks one for a model directory. */
import { invalidParam } from '../../errors.js';
import { checkApiVersion } from '../../version.js';
import type { ModelData } from '../data.js';
import type { FlavorConf, MlModel } from '../mlmodel.js';

/** A model loaded by a flavor: what Cairn calls to score. */
export interface FlavorModel {
  predict(input: ModelData, params: Record<string, unknown>): Promise<ModelData>;
  /** Row-wise models give the same answer for concatenated rows, so requests may be batched. */
  readonly rowWise: boolean;
  close?(): Promise<void>;
}

/** A model flavor: extension point `flavor`, interface version `EXTENSION_API_VERSIONS.flavor`. */
export interface Flavor {
  /** The version of this interface the flavor implements (checked by `registerFlavor`). */
  readonly apiVersion: number;
  /** The key under `flavors:` in MLmodel. */
  readonly name: string;
  load(modelDir: string, conf: FlavorConf, model: MlModel): Promise<FlavorModel>;
}

const registry = new Map<string, Flavor>();
/** Flavors tried in this order when a model has several. */
const preference: string[] = [];

/**
 * Adds a flavor: the built-in ones (flavors/builtin.ts) and those of plugins come through here.
 * Throws for an interface version this Cairn does not implement or a name already taken.
 */
export function registerFlavor(flavor: Flavor): void {
  const name = typeof flavor?.name === 'string' ? flavor.name : '';
  if (!/^[A-Za-z][A-Za-z0-9_.-]*$/.test(name)) {
    throw invalidParam(
      `A flavor needs a name of letters, digits, '_', '.' or '-' (got ${JSON.stringify(name)}).`,
    );
  }
  checkApiVersion('flavor', name, flavor.apiVersion);
  if (typeof flavor.load !== 'function') throw invalidParam(`The flavor '${name}' has no load() function.`);
  if (registry.has(name)) throw invalidParam(`A flavor named '${name}' is already registered.`);
  preference.push(name);
  registry.set(name, flavor);
}

/** The names of the registered flavors, in order of preference. */
export function flavorNames(): string[] {
  return [...preference];
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
