/**
 * Fetches one `get-history-sampled` answer as columns. The request goes out at once from the page;
 * a worker decodes and parses the answer (about a megabyte of JSON columns for ten runs of 100,000 steps)
 * and sends back typed arrays, so the page's main thread stays free to start the app and draw.
 * Where no worker runs (or it fails to start) the page parses the answer itself. Errors are those
 * of every API call: an ApiError from an error answer (a 401 leads to the sign-in page), the
 * fetch's own TypeError or AbortError.
 */
import { parseResponse } from './client';
import { parseHistoryColumns, type HistoryColumns } from './history-columns';

export interface HistoryParseRequest {
  id: number;
  bytes: ArrayBuffer;
}

export interface HistoryParseReply {
  id: number;
  columns: HistoryColumns[];
}

/** Answers being parsed by the worker; each keeps its bytes in case the worker cannot run. */
const parsing = new Map<number, { bytes: ArrayBuffer; resolve(columns: HistoryColumns[]): void }>();
let nextId = 1;
/** undefined: not started yet; null: no worker here (or it failed to start). */
let worker: Worker | null | undefined;

const parseHere = (bytes: ArrayBuffer): HistoryColumns[] =>
  parseHistoryColumns(new TextDecoder().decode(bytes));

function historyWorker(): Worker | null {
  if (worker !== undefined) return worker;
  try {
    const started = new Worker(new URL('./history-worker.ts', import.meta.url), { type: 'module' });
    started.onmessage = (event: MessageEvent<HistoryParseReply>) => {
      const { id, columns } = event.data;
      parsing.get(id)?.resolve(columns);
      parsing.delete(id);
    };
    // A worker that cannot run (blocked or failed to load): its answers and all later ones are parsed here.
    started.onerror = () => {
      worker = null;
      started.terminate();
      for (const [id, job] of parsing) {
        parsing.delete(id);
        job.resolve(parseHere(job.bytes));
      }
    };
    worker = started;
  } catch {
    worker = null;
  }
  return worker;
}

/** The columns of the sampled-history answer at `url` (an API address with its query). */
export async function fetchHistoryColumns(url: string, signal?: AbortSignal): Promise<HistoryColumns[]> {
  // Started first, so that it is up by the time the answer has arrived.
  historyWorker();
  const res = await fetch(url, { signal });
  if (!res.ok) return parseResponse(res);
  const bytes = await res.arrayBuffer();
  // Asked again: the worker may have failed to start meanwhile.
  const parser = historyWorker();
  if (!parser) return parseHere(bytes);
  return new Promise((resolve) => {
    const id = nextId++;
    parsing.set(id, { bytes, resolve });
    // A copy goes to the worker (a millisecond for megabytes): the page keeps its bytes for the fallback.
    parser.postMessage({ id, bytes } satisfies HistoryParseRequest);
  });
}
