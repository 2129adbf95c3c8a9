/** Cairn's version, and the MLflow API version it is compatible with. */
export const VERSION = '0.1.0';
export const MLFLOW_COMPAT_VERSION = '3.6.0';
/** The npm name of Cairn's package (`cairn` on npm is an unrelated project; the command stays `cairn`). */
export const PACKAGE_NAME = 'cairn-ml';
