// A model flavor: MLmodel `flavors: { linear: { weights: [w1, w2, ...], bias: b } }`.
// Scores rows of numbers (`[[x1, x2], ...]`), or records and data frames (what `cairn models predict`
// reads from CSV/JSON files) by the column names listed as `columns` in MLmodel.

/** @type {import('cairn-ml').Flavor} */
export const linearFlavor = {
  apiVersion: 1,
  name: 'linear',
  async load(_modelDir, conf) {
    const weights = conf.weights;
    const bias = Number(conf.bias ?? 0);
    if (!Array.isArray(weights) || !weights.every((w) => typeof w === 'number')) {
      throw new Error('The linear flavor needs `weights`, a list of numbers, in MLmodel.');
    }
    const columns = Array.isArray(conf.columns) ? conf.columns : undefined;
    return {
      rowWise: true,
      async predict(input) {
        const rows = input?.kind === 'dataframe' ? input.toRecords() : input;
        if (!Array.isArray(rows)) throw new Error('The linear flavor scores a list of rows.');
        return rows.map((row) => {
          const values = Array.isArray(row) ? row : (columns ?? []).map((c) => row?.[c]);
          if (values.length !== weights.length || !values.every((v) => typeof v === 'number')) {
            throw new Error(`Each row needs ${weights.length} numbers.`);
          }
          return values.reduce((sum, v, i) => sum + v * weights[i], bias);
        });
      },
    };
  },
};
