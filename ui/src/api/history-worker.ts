/**
 * The history worker: turns the bytes of a `get-history-sampled` answer into columns off the
 * page's main thread (see history-fetch.ts) and hands the typed arrays back without copying.
 */
import { columnBuffers, parseHistoryColumns } from './history-columns';
import type { HistoryParseReply, HistoryParseRequest } from './history-fetch';

self.onmessage = (event: MessageEvent<HistoryParseRequest>) => {
  const { id, bytes } = event.data;
  const columns = parseHistoryColumns(new TextDecoder().decode(bytes));
  self.postMessage({ id, columns } satisfies HistoryParseReply, { transfer: columnBuffers(columns) });
};
