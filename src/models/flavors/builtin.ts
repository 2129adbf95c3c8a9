/** Registers Cairn's built-in flavors, in the order they are preferred when a model has several. */
import { registerFlavor } from './flavor.js';
import { jsFunctionFlavor } from './js-function.js';
import { onnxFlavor } from './onnx.js';
import { tfjsFlavor } from './tfjs.js';

registerFlavor(jsFunctionFlavor);
registerFlavor(onnxFlavor);
registerFlavor(tfjsFlavor);
