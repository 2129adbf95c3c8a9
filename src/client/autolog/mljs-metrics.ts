/** Training metrics under the names MLflow's scikit-learn autologging uses. */

function flat(values: unknown): number[] {
  return (Array.isArray(values) ? values.flat(Infinity) : [values]).map(Number);
}

export function regressionMetrics(actual: unknown, predicted: unknown): Record<string, number> {
  const y = flat(actual);
  const p = flat(predicted);
  if (y.length === 0 || y.length !== p.length) return {};
  const n = y.length;
  const mean = y.reduce((a, b) => a + b, 0) / n;
  let se = 0;
  let ae = 0;
  let tot = 0;
  for (let i = 0; i < n; i++) {
    se += (y[i]! - p[i]!) ** 2;
    ae += Math.abs(y[i]! - p[i]!);
    tot += (y[i]! - mean) ** 2;
  }
  const metrics: Record<string, number> = {
    training_mean_squared_error: se / n,
    training_root_mean_squared_error: Math.sqrt(se / n),
    training_mean_absolute_error: ae / n,
  };
  if (tot > 0) metrics.training_r2_score = 1 - se / tot;
  return metrics;
}

export function classificationMetrics(actual: unknown, predicted: unknown): Record<string, number> {
  const y = Array.isArray(actual) ? actual.flat(Infinity) : [actual];
  const p = Array.isArray(predicted) ? predicted.flat(Infinity) : [predicted];
  if (y.length === 0 || y.length !== p.length) return {};
  const correct = y.filter((v, i) => v === p[i]).length;
  return { training_accuracy_score: correct / y.length };
}
