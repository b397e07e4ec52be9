import { z } from 'zod';

/** One hit of a `_search` answer: the same shape on Elasticsearch 7.10+/8/9 and OpenSearch 2. */
export const SearchHit = z.looseObject({
  _index: z.string(),
  _id: z.string().optional(),
  _source: z.record(z.string(), z.unknown()).default({}),
});
export type SearchHit = z.infer<typeof SearchHit>;

/** A `_search` answer; anything else (an HTML error page, a proxy's JSON) is refused. */
export const SearchResponse = z.looseObject({
  timed_out: z.boolean().optional(),
  hits: z.looseObject({ hits: z.array(SearchHit) }),
});
export type SearchResponse = z.infer<typeof SearchResponse>;
