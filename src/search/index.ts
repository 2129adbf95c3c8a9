/** The search grammar shared by every search API: filters, order-by clauses, page tokens, LIKE. */
export type { Clause, Comparator, EntityType, Filter, OrderBy } from './ast.js';
export { parseSearchFilter, MAX_FILTER_LENGTH, type SearchKind } from './parse-filter.js';
export { parseOrderBy, parseOrderByList, parseOrderByField } from './parse-order-by.js';
export { SEARCH_KINDS, SEARCH_RULES } from './search-rules.js';
export {
  encodePageToken,
  decodePageToken,
  encodeOffsetToken,
  decodeOffsetToken,
  MAX_PAGE_TOKEN_LENGTH,
} from './page-token.js';
export { likePatternToSql, likeToRegExp, matchesLike, escapeLikeLiteral } from './like.js';
