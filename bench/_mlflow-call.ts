/**
 * One JSON call to a server's MLflow REST API (`/api/2.0/mlflow/<path>`) through fetch, for the
 * benchmarks' set-up steps (creating experiments and runs, seeding metrics). A failed call throws
 * with the status and the server's answer so that a benchmark never measures an error path.
 * Load generators that must spend little CPU use `_raw-http.ts` instead.
 */
export type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export async function callMlflow(url: string, path: string, body?: unknown, method = 'POST'): Promise<Json> {
  const res = await fetch(`${url}/api/2.0/mlflow/${path}`, {
    method,
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${path}: ${res.status} ${text}`);
  return JSON.parse(text) as Json;
}
