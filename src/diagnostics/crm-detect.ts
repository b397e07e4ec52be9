import type { Catalog, CrmDefinition } from '../catalog';
import { squash } from '../text';
import { type LogRecord, sourceFieldsOf } from './log-record';
import { boundedDamerauLevenshtein, tokenize } from './match';

/**
 * Which CRM a text names, as people write it: the catalog's ids, display names, source names and
 * aliases (catalog/*.yaml, so a new CRM needs no code), spaced or run together ("care stack",
 * "cloud9"), and misspelt by a letter or two ("clinko", "nexttech"). A misspelling counts only when
 * it is close to exactly one CRM's name, and short names and names with digits ("c9") must be
 * written exactly, so a near miss never names the wrong CRM.
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

type FuzzyName = { name: string; crm: CrmDefinition };

export function createCrmDetector(catalog: Catalog): CrmDetector {
  const exact = new Map<string, CrmDefinition>();
  const fuzzy: FuzzyName[] = [];
  let maxWords = 1;
  for (const crm of catalog.crms) {
    for (const written of [crm.id, crm.displayName, crm.integrationSource, ...crm.aliases]) {
      const name = squash(written);
      if (!name) continue;
      exact.set(name, crm);
      maxWords = Math.max(maxWords, tokenize(written).length);
      if (name.length >= MIN_FUZZY_LENGTH && !/\d/.test(name)) fuzzy.push({ name, crm });
    }
  }

  /** The one CRM whose name is within the allowed typos of `word`, if exactly one is. */
  function nearest(word: string): CrmDefinition | undefined {
    if (word.length < MIN_FUZZY_LENGTH || /\d/.test(word)) return undefined;
    let found: CrmDefinition | undefined;
    for (const { name, crm } of fuzzy) {
      const edits = name.length >= 9 ? 2 : 1;
      // People get the first letter right; requiring it keeps ordinary words out.
      if (name.charCodeAt(0) !== word.charCodeAt(0) || Math.abs(name.length - word.length) > edits) continue;
      if (boundedDamerauLevenshtein(word, name, edits) > edits) continue;
      if (found && found !== crm) return undefined;
      found = crm;
    }
    return found;
  }

  function inText(text: string): CrmMention[] {
    const tokens = tokenize(text.replace(EMAIL, ' '));
    const mentions: CrmMention[] = [];
    const add = (crm: CrmDefinition, said: string) => {
      if (!mentions.some((m) => m.crm === crm)) mentions.push({ crm, said });
    };
    for (let i = 0; i < tokens.length; i++) {
      let joined = '';
      let matched = 0;
      const candidates: string[] = [];
      for (let n = 1; n <= maxWords && i + n <= tokens.length; n++) {
        joined += tokens[i + n - 1]!;
        candidates.push(joined);
        const crm = exact.get(joined);
        if (crm) {
          add(crm, tokens.slice(i, i + n).join(' '));
          matched = n;
        }
      }
      if (matched === 0) {
        // Typos are looked for in one word or two run together ("care stak"), never across three.
        for (let n = 1; n <= Math.min(2, candidates.length); n++) {
          const crm = nearest(candidates[n - 1]!);
          if (crm) {
            add(crm, tokens.slice(i, i + n).join(' '));
            matched = n;
            break;
          }
        }
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
      const crm = exact.get(token);
      if (crm) return crm;
    }
    return undefined;
  }

  return { inText, inRecord };
}
