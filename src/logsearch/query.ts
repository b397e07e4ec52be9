import type { LogFields } from './fields';
import type { ContactIdentity, ContactQuery } from './identity';

/**
 * The `_search` bodies the bot sends. Plain Query DSL that Elasticsearch 7.10+, 8.x, 9.x and
 * OpenSearch 2.x all read the same: a bool query, a time range on the timestamp field, newest
 * first, a small size. Each identity is matched both as an exact value (keyword fields) and as a
 * phrase (text fields), because the bot cannot know how the documents are mapped.
 */

export type SearchBody = {
  size: number;
  sort: Array<Record<string, { order: 'desc'; unmapped_type: 'date' }>>;
  track_total_hits: false;
  query: { bool: Record<string, unknown> };
};

/** Hits asked for per contact search; more than shown, as some may fail the digits check. */
export const CONTACT_SEARCH_SIZE = 20;
/** Check-ins shown. */
export const CONTACT_TIMELINE_SIZE = 10;
export const ERROR_SEARCH_DAYS = 7;
export const ERROR_SEARCH_SIZE = 5;

function newestFirst(fields: LogFields): SearchBody['sort'] {
  return [{ [fields.timestamp]: { order: 'desc', unmapped_type: 'date' } }];
}

function within(fields: LogFields, days: number) {
  return { range: { [fields.timestamp]: { gte: `now-${days}d`, lte: 'now' } } };
}

/** The usual ways people and systems write a phone number, for exact (keyword) matches. */
export function phoneVariants(digits: string, typed: string): string[] {
  const variants = new Set<string>([typed.trim(), digits, `+${digits}`]);
  if (digits.length === 10) {
    const [a, b, c] = [digits.slice(0, 3), digits.slice(3, 6), digits.slice(6)];
    for (const national of [
      `(${a}) ${b}-${c}`,
      `(${a})${b}-${c}`,
      `${a}-${b}-${c}`,
      `${a}.${b}.${c}`,
      `${a} ${b} ${c}`,
    ]) {
      variants.add(national);
    }
    for (const prefixed of [
      `1${digits}`,
      `+1${digits}`,
      `+1 ${a}-${b}-${c}`,
      `+1 (${a}) ${b}-${c}`,
      `+1 ${a} ${b} ${c}`,
      `1-${a}-${b}-${c}`,
    ]) {
      variants.add(prefixed);
    }
  }
  return [...variants];
}

/** What the phone's digits look like once a text field's analyzer has split them into groups. */
function phonePhrase(digits: string): string {
  return digits.length === 10 ? `${digits.slice(0, 3)} ${digits.slice(3, 6)} ${digits.slice(6)}` : digits;
}

function identityClauses(identity: ContactIdentity, fields: LogFields): unknown[] {
  switch (identity.kind) {
    case 'email': {
      const exact = [...new Set([identity.email, identity.email.toLowerCase()])];
      return [{ terms: { [fields.email]: exact } }, { match_phrase: { [fields.email]: identity.email } }];
    }
    case 'phone':
      return [
        { terms: { [fields.phone]: phoneVariants(identity.digits, identity.typed) } },
        { match_phrase: { [fields.phone]: phonePhrase(identity.digits) } },
      ];
    case 'name': {
      const words = identity.name.split(/\s+/);
      const last = words.at(-1) ?? identity.name;
      const first = words.length > 1 ? words.slice(0, -1).join(' ') : undefined;
      const split = first
        ? { bool: { must: [{ match: { [fields.firstName]: first } }, { match: { [fields.lastName]: last } }] } }
        : { bool: { should: [{ match: { [fields.firstName]: last } }, { match: { [fields.lastName]: last } }] } };
      return [{ match_phrase: { [fields.name]: identity.name } }, split];
    }
  }
}

/** A contact's check-ins in the last `days` days, newest first. */
export function contactSearchBody(query: ContactQuery, fields: LogFields, days: number): SearchBody {
  const filter: unknown[] = [within(fields, days)];
  if (query.businessNumber) filter.push({ term: { [fields.businessNumber]: query.businessNumber } });
  return {
    size: CONTACT_SEARCH_SIZE,
    sort: newestFirst(fields),
    track_total_hits: false,
    query: { bool: { filter, should: identityClauses(query.identity, fields), minimum_should_match: 1 } },
  };
}

/** A business's integration errors of the last 7 days, newest first. */
export function errorSearchBody(businessNumber: string, fields: LogFields): SearchBody {
  return {
    size: ERROR_SEARCH_SIZE,
    sort: newestFirst(fields),
    track_total_hits: false,
    query: {
      bool: { filter: [within(fields, ERROR_SEARCH_DAYS), { term: { [fields.businessNumber]: businessNumber } }] },
    },
  };
}

/** The searched fields, in words, for the no-match answer. */
export function searchedFields(identity: ContactIdentity, fields: LogFields): string[] {
  switch (identity.kind) {
    case 'email':
      return [fields.email];
    case 'phone':
      return [fields.phone];
    case 'name':
      return [fields.name, fields.firstName, fields.lastName];
  }
}
