/**
 * Runs an API endpoint under the authorization decision: searches naming experiments are
 * narrowed to readable ones, list answers are filtered to readable items. Paged lists are
 * refilled from the following pages so a page holds up to `max_results` readable items and its
 * token points right after the last item consumed: no item is skipped or repeated.
 */
import type { ApiCall, Endpoint } from '../endpoint.js';
import type { ListFilter } from '../../auth/route-rules.js';
import type { AccessControl } from '../../auth/access-control.js';
import type { Principal } from '../../auth/principal.js';

type Answer = Record<string, unknown>;
type Item = Record<string, unknown>;

/** Upper bound on extra page fetches for one filtered page (a shorter page with a token is valid). */
const MAX_REFILLS = 50;

export async function runEndpoint(ep: Endpoint, call: ApiCall, access?: AccessControl): Promise<unknown> {
  const decision = call.request.cairn.decision;
  const principal = call.request.cairn.principal;
  if (!decision || decision.kind === 'allow' || !access || !principal) return ep.handler(call);
  if (decision.kind === 'narrow') {
    if (!decision.ids.length) return {};
    return ep.handler({ ...call, fields: { ...call.fields, [decision.field]: decision.ids } });
  }
  return filteredList(ep, call, decision.filter, access, principal);
}

async function readableItems(
  items: Item[],
  filter: ListFilter,
  access: AccessControl,
  principal: Principal,
): Promise<Item[]> {
  const kept: Item[] = [];
  for (const item of items) if (await access.readable(principal, filter, item)) kept.push(item);
  return kept;
}

async function filteredList(
  ep: Endpoint,
  call: ApiCall,
  filter: ListFilter,
  access: AccessControl,
  principal: Principal,
): Promise<unknown> {
  const first = ((await ep.handler(call)) ?? {}) as Answer;
  const items = (first[filter.listField] ?? []) as Item[];
  const kept = await readableItems(items, filter, access, principal);
  let token = first.next_page_token as string | undefined;
  if (kept.length === items.length) return first;
  if (filter.paged && token) {
    // The first page was full: fetch exactly the missing number of items each time.
    let need = items.length - kept.length;
    for (let i = 0; i < MAX_REFILLS && need > 0 && token; i++) {
      const next = ((await ep.handler({
        ...call,
        fields: { ...call.fields, max_results: need, page_token: token },
      })) ?? {}) as Answer;
      const more = await readableItems((next[filter.listField] ?? []) as Item[], filter, access, principal);
      kept.push(...more);
      need -= more.length;
      token = next.next_page_token as string | undefined;
    }
  }
  const answer: Answer = { ...first };
  delete answer.next_page_token;
  if (kept.length) answer[filter.listField] = kept;
  else delete answer[filter.listField];
  if (filter.paged && token) answer.next_page_token = token;
  return answer;
}
