import type { Catalog, CrmDefinition } from '../catalog';
import { squash } from '../text';
import { type LogRecord, sourceFieldsOf } from './log-record';
import { boundedDamerauLevenshtein, letterMask, popcount, tokenize } from './match';

/**
 * Which CRM a text names, as people write it: the catalog's ids, display names, source names and
 * aliases (catalog/*.yaml, so a new CRM needs no code), spaced or run together ("care stack",
 * "cloud9"), and misspelt by a letter or two ("clinko", "nexttech", "clowd 9"). A misspelling counts
 * only when it is close to exactly one CRM's name; short names ("c9") must be written exactly, and the
 * digits of a name must be exactly its digits ("cloud 8" is not Cloud 9), so a near miss never names
 * the wrong CRM.
 */

export type CrmMention = { crm: CrmDefinition; said: string };

export type CrmDetector = {
  /** The CRMs the text names, each once, in the order they first appear. */
  inText(text: string): CrmMention[];
  /** The CRMs a record's source fields name (`source`, `integrationSource`, `integrationSourceId`, `sourceId`). */
  inRecord(record: LogRecord): CrmMention[];
};

/** Shorter names are too easily another word with a letter changed. */
const MIN_FUZZY_LENGTH = 6;
/** Personal addresses are not CRM names, even when a clinic's domain contains one. */
const EMAIL = /[\w.+-]+@[\w-]+(?:\.[\w-]+)+/g;

type FuzzyName = { name: string; crm: CrmDefinition; mask: number; edits: number; digits: string };

export function createCrmDetector(catalog: Catalog): CrmDetector {
  /**
   * Every name, and every proper prefix of one (`crm` undefined): one lookup per word says whether it is
   * a name and whether words run together with it can still become one.
   */
  const names = new Map<string, { crm?: CrmDefinition }>();
  const fuzzy: FuzzyName[] = [];
  let maxWords = 1;
  for (const crm of catalog.crms) {
    for (const written of [crm.id, crm.displayName, crm.integrationSource, ...crm.aliases]) {
      const name = squash(written);
      if (!name) continue;
      names.set(name, { crm });
      for (let end = 1; end < name.length; end++) {
        const prefix = name.slice(0, end);
        if (!names.has(prefix)) names.set(prefix, {});
      }
      maxWords = Math.max(maxWords, tokenize(written).length);
      if (name.length >= MIN_FUZZY_LENGTH) {
        fuzzy.push({ name, crm, mask: letterMask(name), edits: name.length >= 9 ? 2 : 1, digits: digitsOf(name) });
      }
    }
  }
  const longestFuzzy = Math.max(0, ...fuzzy.map((f) => f.name.length + f.edits));
  // People get the first letter right; requiring it keeps ordinary words out, and buckets the names.
  const fuzzyByFirst = new Map<number, FuzzyName[]>();
  for (const entry of fuzzy) {
    const first = entry.name.charCodeAt(0);
    fuzzyByFirst.set(first, [...(fuzzyByFirst.get(first) ?? []), entry]);
  }

  /** The one CRM whose name is within the allowed typos of `word`, if exactly one is. */
  function nearest(word: string, names: readonly FuzzyName[]): CrmDefinition | undefined {
    if (word.length < MIN_FUZZY_LENGTH || word.length > longestFuzzy) return undefined;
    const digits = digitsOf(word);
    let found: CrmDefinition | undefined;
    let mask = -1;
    for (const { name, crm, mask: nameMask, edits, digits: nameDigits } of names) {
      if (Math.abs(name.length - word.length) > edits || digits !== nameDigits) continue;
      if (mask < 0) mask = letterMask(word);
      // Each edit changes at most two letters of the letter set.
      if (popcount(mask ^ nameMask) > 2 * edits) continue;
      if (boundedDamerauLevenshtein(word, name, edits) > edits) continue;
      if (found && found !== crm) return undefined;
      found = crm;
    }
    return found;
  }

  /** A name written exactly, in one word or several run together ("care stack", "cloud 9 ortho"): words used. */
  function exactAt(tokens: readonly string[], i: number, add: (crm: CrmDefinition, said: string) => void): number {
    let joined = tokens[i]!;
    let matched = 0;
    for (let n = 1; ; n++) {
      const known = names.get(joined);
      if (!known) return matched;
      if (known.crm) {
        add(known.crm, tokens.slice(i, i + n).join(' '));
        matched = n;
      }
      if (n >= maxWords || i + n >= tokens.length) return matched;
      joined += tokens[i + n]!;
    }
  }

  function inText(text: string): CrmMention[] {
    const tokens = tokenize(text.includes('@') ? text.replace(EMAIL, ' ') : text);
    const mentions: CrmMention[] = [];
    const add = (crm: CrmDefinition, said: string) => {
      if (!mentions.some((m) => m.crm === crm)) mentions.push({ crm, said });
    };
    for (let i = 0; i < tokens.length; i++) {
      let matched = exactAt(tokens, i, add);
      const names = matched === 0 ? fuzzyByFirst.get(tokens[i]!.charCodeAt(0)) : undefined;
      if (names) {
        // Typos are looked for in one word or two run together ("care stak"), never across three, and never
        // into a word that starts a name written exactly ("CRM: Cloud 9" is Cloud 9, not "crmcloud" ≈ CareCloud).
        const one = nearest(tokens[i]!, names);
        const two =
          one || i + 1 >= tokens.length || exactAt(tokens, i + 1, () => {}) > 0
            ? undefined
            : nearest(tokens[i]! + tokens[i + 1]!, names);
        if (one) add(one, tokens[i]!);
        else if (two) add(two, `${tokens[i]} ${tokens[i + 1]}`);
        matched = one ? 1 : two ? 2 : 0;
      }
      if (matched > 0) i += matched - 1;
    }
    return mentions;
  }

  function inRecord(record: LogRecord): CrmMention[] {
    const mentions: CrmMention[] = [];
    for (const [key, value] of sourceFieldsOf(record)) {
      const crm = /^\d+$/.test(value) ? catalog.bySourceId(Number(value)) : (catalog.find(value) ?? exactIn(value));
      if (crm && !mentions.some((m) => m.crm === crm)) mentions.push({ crm, said: `${key} ${value}` });
    }
    return mentions;
  }

  /** A source value such as "CARESTACK_SYNC": a name among its words, written exactly. */
  function exactIn(value: string): CrmDefinition | undefined {
    for (const token of tokenize(value.replace(/_/g, ' '))) {
      const crm = names.get(token)?.crm;
      if (crm) return crm;
    }
    return undefined;
  }

  return { inText, inRecord };
}

/** The digits of a name, in order: a typo may touch its letters only. */
function digitsOf(word: string): string {
  let digits = '';
  for (let i = 0; i < word.length; i++) {
    const code = word.charCodeAt(i);
    if (code >= 48 && code <= 57) digits += word.charAt(i);
  }
  return digits;
}
