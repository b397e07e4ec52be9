import type { Catalog, CrmDefinition, RestrictionReason } from '../catalog';
import { squash } from '../text';

/**
 * Recognises a restriction reason in whatever people paste: the article text with or
 * without quotes, other case, typos, shorthand, dropped words, and surrounding log noise. Everything that depends
 * only on the catalog is computed once in `createMatcher`; `match` does no regex
 * compilation and no allocation proportional to the catalog beyond one small array.
 */

export type ReasonCandidate = { reason: RestrictionReason; crm: CrmDefinition; score: number };

export type MatchResult =
  | ({
      kind: 'match';
      /**
       * Reasons of CRMs outside the scope whose distinctive words the text covers and the match's do not
       * ("custom appointment status … carecloud": only Nextech has a custom-status reason). Present only
       * when a scope was given and such reasons exist: the caller should ask rather than answer.
       */
      moreSpecificElsewhere?: ReasonCandidate[];
    } & ReasonCandidate)
  | { kind: 'ambiguous'; candidates: ReasonCandidate[] }
  | { kind: 'none'; knownReasons: Array<{ reason: RestrictionReason; crm: CrmDefinition }> };

export type MatchOptions = {
  /** CRM id, display name or alias. When given, only that CRM's reasons are considered. */
  crmId?: string;
  /** Catalog ids: only these CRMs' reasons are considered (the candidates left by the other evidence). */
  crmIds?: readonly string[];
};

export type Matcher = { match(text: string, options?: MatchOptions): MatchResult };

/** Longer pastes are cut: the reason is near the start of any sensible paste, and the cap bounds the cost. */
export const MAX_INPUT_CHARS = 4000;
/** Share of a reason's token weight the input must cover. */
const SCORE_THRESHOLD = 0.6;
/**
 * A shortened wording ("carestack - status not configured") may cover less, when it has at least two of
 * the reason's distinctive words, no other reason's words inside it, and no CRM outside the scope has a
 * full match: people drop words, but two distinctive words in the right CRM still say which reason.
 */
const PARTIAL_THRESHOLD = 0.4;
const PARTIAL_MIN_DISTINCTIVE = 2;
/** Different reasons scoring this close to the best one are reported as ambiguous. */
const AMBIGUITY_MARGIN = 0.1;
/**
 * Words that carry little meaning: they count, but far less than the distinctive words. Auxiliaries are
 * here although the catalog uses them rarely: "patient did not get a request" is not "did not arrive".
 */
const STOP_WORDS = new Set([
  'a',
  'an',
  'and',
  'are',
  'be',
  'did',
  'do',
  'does',
  'for',
  'if',
  'in',
  'is',
  'not',
  'of',
  'on',
  'or',
  'should',
  'the',
  'to',
]);
const STOP_WORD_WEIGHT = 0.25;

/**
 * Support shorthand that no typo rule reaches: each stands for these words, in order (`a|b`: either).
 * Contractions are here too, so "didn't arrive" reads "did not arrive". Shortenings that are a prefix
 * of the word ("cust", "integ", "stat", "config") need no entry: see `wordsMatching`.
 */
const SHORTHAND: Record<string, string> = {
  appt: 'appointment',
  appts: 'appointment',
  apt: 'appointment',
  apts: 'appointment',
  pt: 'patient',
  pts: 'patient',
  stts: 'status',
  sts: 'status',
  loc: 'locations',
  locs: 'locations',
  cfg: 'configured',
  configd: 'configured',
  cnfgd: 'configured',
  dna: 'did not arrive',
  dnad: 'did not arrive',
  dont: 'do not',
  doesnt: 'does not',
  didnt: 'did not',
  isnt: 'is not',
  arent: 'are not',
  wasnt: 'was not',
};
/** Suffixes a word may carry beyond the catalog's form ("statuses", "providers"). */
const SUFFIXES = ['s', 'es', 'd', 'ed'];
/** Distinct inputs remembered per matcher (the vocabulary is fixed, so a word's matches never change). */
const WORD_CACHE_LIMIT = 50_000;

/**
 * `distinctiveWeight`: the weight of its distinctive words alone. The input must cover the threshold's share
 * of it too, so stop words never make up for a missing key word ("patient did not get…" lacks "arrive").
 */
type Variant = {
  tokenIds: number[];
  weights: number[];
  totalWeight: number;
  distinctiveWeight: number;
  members: Uint8Array;
};
const NO_WORDS: readonly number[] = [];
type Entry = { index: number; reason: RestrictionReason; crm: CrmDefinition; variants: Variant[] };
type Scored = { entry: Entry; score: number; distinctive: number[]; foreign: boolean };

/** Typos allowed in a word of this length: none for short words, which are too easily confused. */
export function allowedEdits(length: number): number {
  if (length >= 8) return 2;
  if (length >= 4) return 1;
  return 0;
}

export function createMatcher(catalog: Catalog): Matcher {
  const entries: Entry[] = [];
  const vocabulary = new Map<string, number>();
  const vocabTokens: string[] = [];
  const idOf = (token: string): number => {
    let id = vocabulary.get(token);
    if (id === undefined) {
      id = vocabTokens.length;
      vocabulary.set(token, id);
      vocabTokens.push(token);
    }
    return id;
  };

  // A CRM's name inside its reason ("… in the Carestack Appointment Status field") says which CRM, not
  // which reason: CRM detection reads it, and a text that leaves it out has not left out part of the reason.
  const crmNames = new Set(
    catalog.crms.flatMap((crm) => [crm.id, crm.displayName, crm.integrationSource, ...crm.aliases].map(squash)),
  );
  const tokenised: Array<{ crm: CrmDefinition; reason: RestrictionReason; variants: number[][] }> = [];
  for (const crm of catalog.crms) {
    for (const reason of crm.reasons) {
      const variants = [reason.text, ...reason.aliases].map((t) =>
        [...new Set(tokenize(t))].filter((token) => !crmNames.has(token)).map(idOf),
      );
      tokenised.push({ crm, reason, variants });
    }
  }

  // Document frequency over distinct reason wordings, so a text several CRMs share ("Integration is beta")
  // is not made less distinctive by the sharing itself.
  const distinctWordings = new Map<string, number[]>();
  for (const { variants } of tokenised) {
    for (const ids of variants) distinctWordings.set([...ids].sort((a, b) => a - b).join(' '), ids);
  }
  const documentFrequency = new Array<number>(vocabTokens.length).fill(0);
  for (const ids of distinctWordings.values()) for (const id of ids) documentFrequency[id]! += 1;
  const wordingCount = distinctWordings.size;
  const weightOf = vocabTokens.map((token, id) => {
    const idf = Math.log(1 + wordingCount / (documentFrequency[id] ?? 1));
    return STOP_WORDS.has(token) ? idf * STOP_WORD_WEIGHT : idf;
  });
  const isDistinctive = vocabTokens.map((token) => !STOP_WORDS.has(token));

  for (const { crm, reason, variants } of tokenised) {
    entries.push({
      index: entries.length,
      crm,
      reason,
      variants: variants.map((ids) => {
        const weights = ids.map((id) => weightOf[id] ?? 0);
        const members = new Uint8Array(vocabTokens.length);
        for (const id of ids) members[id] = 1;
        const distinctiveWeight = ids.reduce((sum, id, i) => sum + (isDistinctive[id] ? weights[i]! : 0), 0);
        return { tokenIds: ids, weights, totalWeight: weights.reduce((a, b) => a + b, 0), distinctiveWeight, members };
      }),
    });
  }

  // Fuzzy candidates are looked up by length, then filtered by a letter-set bitmask before the edit distance.
  const vocabMasks = vocabTokens.map(letterMask);
  const vocabByLength = new Map<number, number[]>();
  vocabTokens.forEach((token, id) => {
    if (hasDigit(token)) return;
    const list = vocabByLength.get(token.length) ?? [];
    list.push(id);
    vocabByLength.set(token.length, list);
  });
  const longestWord = Math.max(0, ...vocabTokens.map((t) => t.length));

  /** Shorthand as positions of catalog words; words the catalog does not use are left out. */
  const shorthand = new Map<string, Array<readonly number[]>>();
  for (const [short, words] of Object.entries(SHORTHAND)) {
    const positions = words.split(' ').map((word) =>
      word
        .split('|')
        .map((w) => vocabulary.get(w))
        .filter((id): id is number => id !== undefined),
    );
    shorthand.set(
      short,
      positions.filter((ids) => ids.length > 0),
    );
  }

  const entriesByCrm = new Map<string, Entry[]>();
  for (const entry of entries) {
    const list = entriesByCrm.get(entry.crm.id) ?? [];
    list.push(entry);
    entriesByCrm.set(entry.crm.id, list);
  }

  const wordCache = new Map<string, readonly number[]>();
  function cachedWordsMatching(token: string): readonly number[] {
    let ids = wordCache.get(token);
    if (ids === undefined) {
      if (wordCache.size >= WORD_CACHE_LIMIT) wordCache.clear();
      ids = wordsMatching(token);
      wordCache.set(token, ids);
    }
    return ids;
  }

  /**
   * Catalog words an input word stands for: exactly, shortened to a prefix ("integ", "cust" for customer
   * or custom), with a suffix ("statuses"), a three-letter word with one letter dropped ("bta"), or within
   * the allowed typos. Usually none.
   */
  function wordsMatching(token: string): readonly number[] {
    const exact = vocabulary.get(token);
    if (exact !== undefined) return [exact];
    if (token.length < 3 || hasDigit(token)) return NO_WORDS;
    const found: number[] = [];
    if (token.length === 3) {
      for (const id of vocabByLength.get(4) ?? NO_WORDS) {
        const word = vocabTokens[id]!;
        if (word.charCodeAt(0) === token.charCodeAt(0) && isOneLetterDropped(token, word)) found.push(id);
      }
      return found.length > 0 ? found : NO_WORDS;
    }
    for (let length = token.length + 2; length <= longestWord; length++) {
      for (const id of vocabByLength.get(length) ?? NO_WORDS) if (vocabTokens[id]!.startsWith(token)) found.push(id);
    }
    for (const suffix of SUFFIXES) {
      if (token.length - suffix.length >= 4 && token.endsWith(suffix)) {
        const id = vocabulary.get(token.slice(0, token.length - suffix.length));
        if (id !== undefined && !found.includes(id)) found.push(id);
      }
    }
    if (found.length > 0) return found;
    const mask = letterMask(token);
    for (let length = token.length - 2; length <= token.length + 2; length++) {
      const ids = vocabByLength.get(length);
      if (!ids) continue;
      for (const id of ids) {
        const word = vocabTokens[id]!;
        const maxEdits = allowedEdits(word.length);
        if (maxEdits === 0 || Math.abs(word.length - token.length) > maxEdits) continue;
        // Each edit changes at most two letters of the letter set, so a larger difference cannot be within reach.
        if (popcount(mask ^ (vocabMasks[id] ?? 0)) > 2 * maxEdits) continue;
        if (boundedDamerauLevenshtein(token, word, maxEdits) <= maxEdits) found.push(id);
      }
    }
    return found.length > 0 ? found : NO_WORDS;
  }

  /** The catalog words at each position of the input, shorthand and contractions ("don't") expanded. */
  function positionsOf(tokens: readonly string[]): Array<readonly number[]> {
    const positions: Array<readonly number[]> = [];
    for (let i = 0; i < tokens.length; i++) {
      const token = tokens[i]!;
      // "don't" arrives as "don" and "t".
      const contracted = tokens[i + 1] === 't' ? shorthand.get(`${token}t`) : undefined;
      if (contracted) {
        positions.push(...contracted);
        i += 1;
        continue;
      }
      const short = vocabulary.has(token) ? undefined : shorthand.get(token);
      if (short) positions.push(...short);
      else positions.push(cachedWordsMatching(token));
    }
    return positions;
  }

  /** Every entry that reaches the partial threshold, best first. */
  function scoreEntries(positions: ReadonlyArray<readonly number[]>): Scored[] {
    const present = new Uint8Array(vocabTokens.length);
    // Most input words are no catalog word: the foreign-word scan visits only the positions that are.
    const worded: number[] = [];
    for (let i = 0; i < positions.length; i++) {
      const ids = positions[i]!;
      if (ids.length === 0) continue;
      worded.push(i);
      for (const id of ids) present[id] = 1;
    }

    const scored: Scored[] = [];
    for (const entry of entries) {
      let best: Scored | undefined;
      for (const variant of entry.variants) {
        let matchedWeight = 0;
        let matchedDistinctive = 0;
        for (let i = 0; i < variant.tokenIds.length; i++) {
          const id = variant.tokenIds[i]!;
          if (!present[id]) continue;
          matchedWeight += variant.weights[i]!;
          if (isDistinctive[id]) matchedDistinctive += variant.weights[i]!;
        }
        if (variant.distinctiveWeight === 0 || matchedWeight / variant.totalWeight < PARTIAL_THRESHOLD) continue;
        // Most variants stop above; only the few that pass build their word list and look for foreign words.
        const distinctive: number[] = [];
        for (const id of variant.tokenIds) if (present[id] && isDistinctive[id]) distinctive.push(id);
        const penalty = foreignWordPenalty(variant, positions, worded);
        // The lower of the two shares: every word, and the key words alone.
        const score = Math.min(
          matchedWeight / (variant.totalWeight + penalty),
          matchedDistinctive / (variant.distinctiveWeight + penalty),
        );
        if (!best || score > best.score) best = { entry, score, distinctive, foreign: penalty > 0 };
      }
      if (best && best.score >= PARTIAL_THRESHOLD && best.distinctive.length > 0) scored.push(best);
    }
    return scored.sort((a, b) => b.score - a.score);
  }

  /**
   * Distinctive words of other reasons inside the stretch of input this wording covers count against it:
   * "Appointment type is not in the allowed list" is not CareCloud's "Appointment status is not on the
   * allowed list". Only a compact stretch is judged; words spread over a long log line are noise.
   */
  function foreignWordPenalty(
    variant: Variant,
    positions: ReadonlyArray<readonly number[]>,
    worded: readonly number[],
  ): number {
    const { members } = variant;
    let first = -1;
    let last = -1;
    for (const i of worded) {
      if (hasMember(positions[i]!, members)) {
        if (first < 0) first = i;
        last = i;
      }
    }
    if (first < 0 || last - first + 1 > variant.tokenIds.length * 2 + 2) return 0;
    let penalty = 0;
    for (const i of worded) {
      if (i <= first || i >= last) continue;
      const ids = positions[i]!;
      if (hasMember(ids, members)) continue;
      let heaviest = 0;
      for (const id of ids) if (isDistinctive[id]) heaviest = Math.max(heaviest, weightOf[id] ?? 0);
      penalty += heaviest;
    }
    return penalty;
  }

  function decide(scored: readonly Scored[]): MatchResult | undefined {
    const top = scored[0];
    if (!top) return undefined;
    const contenders = scored.filter((s) => s.score >= top.score - AMBIGUITY_MARGIN);
    // A reason whose distinctive words the input covers is more specific than one covering a strict subset:
    // "Custom Appointment Status …" also covers every word of "Appointment status …".
    const specific = contenders.filter(
      (weaker) =>
        !contenders.some(
          (stronger) =>
            stronger !== weaker &&
            stronger.score >= weaker.score - AMBIGUITY_MARGIN &&
            isStrictSuperset(stronger.distinctive, weaker.distinctive),
        ),
    );
    const candidates = specific.map(candidateOf);
    if (candidates.length === 1) return { kind: 'match', ...candidates[0]! };
    return { kind: 'ambiguous', candidates };
  }

  /** The reason among `scope`'s (every entry when undefined), or undefined when none fits. */
  function matchTokens(tokens: readonly string[], scope: Uint8Array | undefined): MatchResult | undefined {
    const scored = scoreEntries(positionsOf(tokens));
    if (scored.length === 0) return undefined;
    const inScope = (s: Scored) => !scope || scope[s.entry.index] === 1;
    const full = scored.filter((s) => s.score >= SCORE_THRESHOLD);
    const fullInScope = scope ? full.filter(inScope) : full;
    const result = decide(fullInScope);
    if (result) {
      if (!scope || result.kind !== 'match') return result;
      const winner = fullInScope.find((s) => s.entry.reason === result.reason)!;
      const elsewhere = full.filter(
        (s) =>
          !inScope(s) &&
          s.score >= winner.score - AMBIGUITY_MARGIN &&
          isStrictSuperset(s.distinctive, winner.distinctive),
      );
      return elsewhere.length > 0 ? { ...result, moreSpecificElsewhere: elsewhere.map(candidateOf) } : result;
    }
    // Partial wordings only when no reason outside the scope fits fully: then the text is that other reason.
    if (full.length > fullInScope.length) return undefined;
    return decide(scored.filter((s) => inScope(s) && !s.foreign && s.distinctive.length >= PARTIAL_MIN_DISTINCTIVE));
  }

  function resolveCrm(crmId: string): CrmDefinition {
    return catalog.find(crmId) ?? catalog.get(crmId);
  }

  const scopes = new Map<string, { entries: readonly Entry[]; members: Uint8Array }>();
  function scopeOf(crmIds: readonly string[]): { entries: readonly Entry[]; members: Uint8Array } {
    const key = crmIds.join(' ');
    let scope = scopes.get(key);
    if (!scope) {
      const scoped = crmIds.flatMap((id) => entriesByCrm.get(id) ?? []);
      const members = new Uint8Array(entries.length);
      for (const entry of scoped) members[entry.index] = 1;
      scope = { entries: scoped, members };
      if (scopes.size < 256) scopes.set(key, scope);
    }
    return scope;
  }

  return {
    match(text: string, options: MatchOptions = {}): MatchResult {
      const crm = options.crmId === undefined ? undefined : resolveCrm(options.crmId);
      const crmIds = crm ? [crm.id] : options.crmIds;
      const scope = crmIds ? scopeOf(crmIds) : undefined;
      const input = text.length > MAX_INPUT_CHARS ? text.slice(0, MAX_INPUT_CHARS) : text;

      // A "restrictionReason=…" field names the reason exactly; the rest of a log line is noise that
      // could only blur it. Fall back to the whole text when the field does not match anything.
      for (const fieldValue of restrictionReasonFields(input)) {
        const result = matchTokens(tokenize(fieldValue), scope?.members);
        if (result) return result;
      }
      const result = matchTokens(tokenize(input), scope?.members);
      if (result) return result;
      return {
        kind: 'none',
        knownReasons: (scope?.entries ?? entries).map(({ reason, crm: owner }) => ({ reason, crm: owner })),
      };
    },
  };
}

function hasMember(ids: readonly number[], members: Uint8Array): boolean {
  for (const id of ids) if (members[id]) return true;
  return false;
}

function candidateOf({ entry, score }: Scored): ReasonCandidate {
  return { reason: entry.reason, crm: entry.crm, score };
}

/** Whether `token` is `word` with one letter left out. */
function isOneLetterDropped(token: string, word: string): boolean {
  let skipped = 0;
  for (let i = 0, j = 0; i < token.length; j++) {
    if (token.charCodeAt(i) === word.charCodeAt(j)) i++;
    else if (++skipped > 1) return false;
  }
  return true;
}

function isStrictSuperset(larger: readonly number[], smaller: readonly number[]): boolean {
  if (larger.length <= smaller.length) return false;
  return smaller.every((id) => larger.includes(id));
}

/**
 * Lower-case ASCII words and numbers. Quotes of every kind, punctuation and JSON syntax separate words;
 * JSON escapes (`\u2018`, `\n`) are skipped so they do not glue onto the next word.
 */
export function tokenize(text: string): string[] {
  const tokens: string[] = [];
  let start = -1;
  const lower = text.toLowerCase();
  for (let i = 0; i <= lower.length; i++) {
    const code = i < lower.length ? lower.charCodeAt(i) : 32;
    const isWordChar = (code >= 97 && code <= 122) || (code >= 48 && code <= 57);
    if (isWordChar) {
      if (start < 0) start = i;
      continue;
    }
    if (start >= 0) {
      tokens.push(lower.slice(start, i));
      start = -1;
    }
    if (code === 92 /* backslash */) i += lower.charCodeAt(i + 1) === 117 /* u */ ? 5 : 1;
  }
  return tokens;
}

const RESTRICTION_FIELD = /restriction[\s_-]*reason["'\s]*[:=]\s*/gi;
const QUOTE_CLOSERS: Record<string, string> = { '"': '"', "'": "'", '“': '”' };

/** Values of `restrictionReason=…`, `"restriction_reason": "…"` and similar fields, in order. */
export function restrictionReasonFields(text: string): string[] {
  const values: string[] = [];
  RESTRICTION_FIELD.lastIndex = 0;
  for (let found = RESTRICTION_FIELD.exec(text); found; found = RESTRICTION_FIELD.exec(text)) {
    const start = found.index + found[0].length;
    const closer = QUOTE_CLOSERS[text.charAt(start)];
    let end: number;
    if (closer) {
      end = start + 1;
      while (end < text.length && text.charAt(end) !== closer && text.charAt(end) !== '\n') {
        end += text.charAt(end) === '\\' ? 2 : 1;
      }
      values.push(text.slice(start + 1, end));
    } else {
      end = start;
      while (end < text.length && !'\n}|'.includes(text.charAt(end))) end++;
      values.push(text.slice(start, end));
    }
    RESTRICTION_FIELD.lastIndex = Math.max(end, start + 1);
  }
  return values;
}

function hasDigit(token: string): boolean {
  for (let i = 0; i < token.length; i++) {
    const code = token.charCodeAt(i);
    if (code >= 48 && code <= 57) return true;
  }
  return false;
}

export function letterMask(token: string): number {
  let mask = 0;
  for (let i = 0; i < token.length; i++) mask |= 1 << (token.charCodeAt(i) % 32);
  return mask;
}

export function popcount(value: number): number {
  let v = value - ((value >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (((v + (v >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

/**
 * Optimal-string-alignment distance (Damerau-Levenshtein with adjacent transpositions),
 * giving up with `max + 1` as soon as every cell of a row exceeds `max`.
 */
export function boundedDamerauLevenshtein(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  const width = b.length + 1;
  let beforePrevious = new Array<number>(width).fill(0);
  let previous = Array.from({ length: width }, (_, j) => j);
  let current = new Array<number>(width).fill(0);
  for (let i = 1; i <= a.length; i++) {
    current[0] = i;
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1;
      let value = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
      if (
        i > 1 &&
        j > 1 &&
        a.charCodeAt(i - 1) === b.charCodeAt(j - 2) &&
        a.charCodeAt(i - 2) === b.charCodeAt(j - 1)
      ) {
        value = Math.min(value, beforePrevious[j - 2]! + 1);
      }
      current[j] = value;
      if (value < rowMin) rowMin = value;
    }
    if (rowMin > max) return max + 1;
    [beforePrevious, previous, current] = [previous, current, beforePrevious];
  }
  return previous[b.length]!;
}
