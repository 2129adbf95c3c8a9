/** System tags are set by MLflow clients and Cairn itself (`mlflow.*`, `cairn.*`), not by users. */
export const isSystemTag = (key: string): boolean => key.startsWith('mlflow.') || key.startsWith('cairn.');
