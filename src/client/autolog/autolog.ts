/**
 * `cairn.autolog()`: logs training calls of the supported JavaScript ML libraries without
 * changes to the training code. Python code keeps using `mlflow.autolog()` against Cairn.
 *
 * @example
 * import * as tf from '@tensorflow/tfjs';
 * import * as cairn from 'cairn-ml';
 * await cairn.autolog({ tfjs: { tf } });
 * await model.fit(xs, ys, { epochs: 10, validationSplit: 0.2 }); // params, metrics, model: logged
 */
import { autologTfjs, type TfjsAutologOptions } from './tfjs.js';

export interface AutologOptions {
  /** Switch everything off (`false`) or on (default). */
  enabled?: boolean;
  /** TensorFlow.js: `false` to leave it alone, or its options. */
  tfjs?: boolean | TfjsAutologOptions;
}

export async function autolog(options: AutologOptions = {}): Promise<void> {
  const on = options.enabled !== false;
  const tfjs = options.tfjs ?? true;
  await autologTfjs({ ...(typeof tfjs === 'object' ? tfjs : {}), enabled: on && tfjs !== false });
}
