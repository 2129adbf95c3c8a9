// The trained model as a `js_function` model: Cairn copies this module into the model directory,
// `load` reads the weights saved with it and `predict` scores a DataFrame of x1, x2.
import { readFile } from 'node:fs/promises';

export async function load(ctx) {
  return JSON.parse(await readFile(ctx.artifacts.weights, 'utf8'));
}

export function predict(model, input) {
  return input.toRecords().map((row) => ({ y: model.weights[0] * Number(row.x1) + model.weights[1] * Number(row.x2) + model.bias }));
}
