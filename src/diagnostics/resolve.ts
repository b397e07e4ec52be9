import type { CrmDefinition } from '../catalog';

/**
 * Which CRM a diagnosis is about, from everything the person handed over, in this order: the CRM
 * they chose, the business's integration group(s), a CRM named in the text, the record's source
 * fields. Each source that says something narrows the candidates; one that contradicts what a
 * stronger source said is a disagreement, and the bot asks rather than picks, saying why.
 */

export type CrmSource = 'select' | 'group' | 'text' | 'record';

export type CrmEvidence = {
  source: CrmSource;
  crms: readonly CrmDefinition[];
  /** How this source said it, for the answer: "the text says “c9”", "business 1… has a Nextech group". */
  said: string;
};

export type CrmDecision =
  | { kind: 'decided'; crm: CrmDefinition; by: CrmEvidence }
  /** Two sources name different CRMs: `why` says which said what. */
  | { kind: 'disagree'; candidates: CrmDefinition[]; why: string }
  /** Nothing narrows it to one: `why` says what was (or was not) there. */
  | { kind: 'open'; candidates: CrmDefinition[]; why: string };

export const SOURCE_ORDER: readonly CrmSource[] = ['select', 'group', 'text', 'record'];

export function resolveCrm(all: readonly CrmDefinition[], evidence: readonly CrmEvidence[]): CrmDecision {
  const ordered = [...evidence]
    .filter((e) => e.crms.length > 0)
    .sort((a, b) => SOURCE_ORDER.indexOf(a.source) - SOURCE_ORDER.indexOf(b.source));
  let candidates: CrmDefinition[] = [...all];
  const heard: CrmEvidence[] = [];
  let by: CrmEvidence | undefined;
  for (const item of ordered) {
    const narrowed = candidates.filter((crm) => item.crms.includes(crm));
    if (narrowed.length === 0) {
      const both = all.filter((crm) => candidates.includes(crm) || item.crms.includes(crm));
      return { kind: 'disagree', candidates: both, why: `${sentence(heard)}, but ${item.said}` };
    }
    heard.push(item);
    if (narrowed.length === 1 && candidates.length > 1) by = item;
    candidates = narrowed;
  }
  if (candidates.length === 1 && by) return { kind: 'decided', crm: candidates[0]!, by };
  if (candidates.length === 1) {
    return {
      kind: 'decided',
      crm: candidates[0]!,
      by: { source: 'select', crms: candidates, said: 'only one CRM is known' },
    };
  }
  const why =
    heard.length === 0
      ? 'nothing says which CRM this is (no CRM was chosen or named in the text, no Business ID was given or found, and no record with a source field was pasted)'
      : `${sentence(heard)}, which leaves more than one CRM`;
  return { kind: 'open', candidates, why };
}

function sentence(items: readonly CrmEvidence[]): string {
  return items.map((item) => item.said).join(' and ');
}

/** What the person can add to decide between candidate CRMs. */
export const WHAT_DECIDES =
  'To decide, choose the CRM in `/crm diagnose`, name it in the text (for example "Nextech: …"), give the Business ID, or paste the contact\'s log record with its source field.';
