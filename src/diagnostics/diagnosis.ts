import type { Catalog, CrmDefinition, RestrictionReason } from '../catalog';
import { type CrmDetector, type CrmMention, createCrmDetector } from './crm-detect';
import { businessNumberOf, type LogRecord, readLogRecords } from './log-record';
import { createMatcher, type Matcher } from './match';
import { type CrmDecision, type CrmEvidence, resolveCrm, WHAT_DECIDES } from './resolve';
import { splitReasonAndRecord } from './split';

/**
 * The pure part of a diagnosis: read a paste (reason, record, business, CRMs named), then, with
 * what only the network knows (the business's groups) added by the caller, decide the CRM and the
 * reason. No Slack, no HTTP, no store.
 */

export type DiagnosisCore = { catalog: Catalog; matcher: Matcher; detector: CrmDetector };

export function createDiagnosisCore(catalog: Catalog): DiagnosisCore {
  return { catalog, matcher: createMatcher(catalog), detector: createCrmDetector(catalog) };
}

/** What the person handed over, split and read. */
export type PasteReading = {
  reasonText: string;
  recordText: string;
  /** The record to explain (the newest of several). */
  record?: LogRecord;
  recordCount: number;
  newestAt?: string;
  businessNumber?: string;
  businessFrom?: 'record' | 'text';
  textCrms: CrmMention[];
  recordCrms: CrmMention[];
};

/** "business 170000000000011", "biz id: 1700…", "BID#1700…": a 15-digit number the text calls a business. */
const FIFTEEN_DIGITS = /\d{15}/;
const BUSINESS_IN_TEXT = /\b(?:business|biz|bid)(?:[\s_-]*(?:number|num|no|id))?\s*[:=#]?\s*(\d{15})\b/i;

/**
 * Reads every field a surface has. `reasonField` is whatever the person typed or pasted (a command's
 * text, a mention, a message, the modal's reason box); `recordField` is the modal's record box.
 * Both go through the same splitter, so a record pasted as the reason is read as a record.
 */
export function readPaste(core: DiagnosisCore, reasonField: string, recordField = ''): PasteReading {
  const fromReason = splitReasonAndRecord(reasonField);
  const fromRecord = splitReasonAndRecord(recordField);
  const reasonText = [fromReason.reasonText, fromRecord.reasonText].filter(Boolean).join('\n');
  const recordText = [fromReason.recordText, fromRecord.recordText].filter(Boolean).join('\n');
  const pasted = recordText ? readLogRecords(recordText) : { record: {}, count: 0 };
  const record = Object.keys(pasted.record).length > 0 ? pasted.record : undefined;
  const recordBusiness = record ? businessNumberOf(record) : undefined;
  const textBusiness =
    recordBusiness || !FIFTEEN_DIGITS.test(reasonText) ? undefined : BUSINESS_IN_TEXT.exec(reasonText)?.[1];
  return {
    reasonText,
    recordText,
    ...(record ? { record } : {}),
    recordCount: pasted.count,
    ...('newestAt' in pasted && pasted.newestAt ? { newestAt: pasted.newestAt } : {}),
    ...(recordBusiness ? { businessNumber: recordBusiness, businessFrom: 'record' as const } : {}),
    ...(textBusiness ? { businessNumber: textBusiness, businessFrom: 'text' as const } : {}),
    textCrms: core.detector.inText(reasonText),
    recordCrms: record ? core.detector.inRecord(record) : [],
  };
}

export type DecideInput = {
  /** The CRM the person chose (modal select). */
  selected?: CrmDefinition;
  /** The CRMs of the business's integration groups, when a business number is known and was read. */
  groups?: { businessNumber: string; crms: readonly CrmDefinition[] };
};

export type CoreDiagnosis =
  | { kind: 'match'; crm: CrmDefinition; reason: RestrictionReason; crmBy: string }
  | { kind: 'ambiguous'; candidates: Array<{ crm: CrmDefinition; reason: RestrictionReason }>; why: string }
  | { kind: 'none'; crm?: CrmDefinition; knownReasons: Array<{ crm: CrmDefinition; reason: RestrictionReason }> };

/** The evidence about the CRM, strongest first, as `resolveCrm` takes it. */
export function crmEvidence(reading: PasteReading, input: DecideInput): CrmEvidence[] {
  const evidence: CrmEvidence[] = [];
  if (input.selected) {
    evidence.push({ source: 'select', crms: [input.selected], said: `${input.selected.displayName} was chosen` });
  }
  if (input.groups && input.groups.crms.length > 0) {
    const names = input.groups.crms.map((crm) => crm.displayName).join(' and ');
    const groups = input.groups.crms.length === 1 ? 'integration group is' : 'integration groups are';
    evidence.push({
      source: 'group',
      crms: input.groups.crms,
      said: `business ${input.groups.businessNumber}'s ${groups} ${names}`,
    });
  }
  if (reading.textCrms.length > 0) {
    evidence.push({
      source: 'text',
      crms: reading.textCrms.map((m) => m.crm),
      said: `the text says ${quoted(reading.textCrms)}`,
    });
  }
  if (reading.recordCrms.length > 0) {
    evidence.push({
      source: 'record',
      crms: reading.recordCrms.map((m) => m.crm),
      said: `the record's ${reading.recordCrms.map((m) => m.said).join(' and ')}`,
    });
  }
  return evidence;
}

function quoted(mentions: readonly CrmMention[]): string {
  return mentions.map((m) => `“${m.said}” (${m.crm.displayName})`).join(' and ');
}

/** Decides the CRM from the evidence, then the reason among that CRM's (or the candidates') reasons. */
export function decide(core: DiagnosisCore, reading: PasteReading, input: DecideInput = {}): CoreDiagnosis {
  const decision = resolveCrm(core.catalog.crms, crmEvidence(reading, input));
  const crmIds = decision.kind === 'decided' ? [decision.crm.id] : decision.candidates.map((crm) => crm.id);
  const result = matchReason(core, reading, crmIds);

  if (result.kind === 'match' && result.moreSpecificElsewhere && decision.kind !== 'open') {
    // The CRM's own reason covers only part of the text ("custom appointment status … carecloud"): answering
    // with it would drop the word that makes the difference, so both are offered.
    const elsewhere = result.moreSpecificElsewhere;
    const owners = listed([...new Set(elsewhere.map((c) => c.crm.displayName))]);
    const wordings = listed([...new Set(elsewhere.map((c) => `“${c.reason.text}”`))]);
    const named = decision.kind === 'decided' ? decision.by.said : decision.why;
    const byGroup = decision.kind === 'decided' && decision.by.source === 'group';
    return {
      kind: 'ambiguous',
      candidates: [...elsewhere, result].map(({ crm, reason }) => ({ crm, reason })),
      why:
        `${capitalise(named)}, but the text fits ${owners}'s ${wordings} more closely than any ${result.crm.displayName} ` +
        `reason (the nearest is “${result.reason.text}”). Pick the one the log shows${byGroup ? '' : ', or give the Business ID so its integration group decides'}.`,
    };
  }

  if (result.kind === 'none' && decision.kind !== 'open') {
    // The CRM the evidence names has no such reason; another CRM's reason may be what was pasted.
    const elsewhere = matchReason(core, reading, undefined);
    if (elsewhere.kind !== 'none') {
      const candidates =
        elsewhere.kind === 'match'
          ? [{ crm: elsewhere.crm, reason: elsewhere.reason }]
          : elsewhere.candidates.map(({ crm, reason }) => ({ crm, reason }));
      const named = decision.kind === 'decided' ? decision.by.said : decision.why;
      const owners = listed([...new Set(candidates.map((c) => c.crm.displayName))]);
      return {
        kind: 'ambiguous',
        candidates,
        why: `${capitalise(named)}, but no reason of that CRM matches the text; ${owners} has one that does.`,
      };
    }
  }
  if (result.kind === 'none') {
    return {
      kind: 'none',
      ...(decision.kind === 'decided' ? { crm: decision.crm } : {}),
      knownReasons: result.knownReasons,
    };
  }
  if (result.kind === 'match' && decision.kind !== 'disagree') {
    const crmBy = decision.kind === 'decided' ? decision.by.said : `only ${result.crm.displayName} has this reason`;
    return { kind: 'match', crm: result.crm, reason: result.reason, crmBy };
  }
  const candidates =
    result.kind === 'match'
      ? [{ crm: result.crm, reason: result.reason }]
      : result.candidates.map(({ crm, reason }) => ({ crm, reason }));
  return { kind: 'ambiguous', candidates, why: whyAsk(decision, candidates) };
}

/** The reason among these CRMs' reasons (every CRM's when `crmIds` is undefined). */
function matchReason(core: DiagnosisCore, reading: PasteReading, crmIds: readonly string[] | undefined) {
  const options = crmIds ? { crmIds } : {};
  if (reading.reasonText.trim()) {
    const fromReason = core.matcher.match(reading.reasonText, options);
    if (fromReason.kind !== 'none' || !reading.recordText) return fromReason;
  }
  // Nothing typed matched: the reason may be in the record (restrictionReason=…, a message field).
  return core.matcher.match(reading.recordText || reading.reasonText, options);
}

function whyAsk(decision: CrmDecision, candidates: ReadonlyArray<{ crm: CrmDefinition }>): string {
  if (decision.kind === 'disagree') return `${capitalise(decision.why)}.`;
  if (decision.kind === 'decided') {
    return `The text matches more than one ${decision.crm.displayName} reason (${decision.by.said}).`;
  }
  const names = [...new Set(candidates.map((c) => c.crm.displayName))];
  if (names.length === 1) return `The text matches more than one ${names[0]} reason.`;
  const all = names.length === 2 ? 'both' : 'all';
  return `${listed(names)} ${all} have a reason worded like this, and ${decision.why}. ${WHAT_DECIDES}`;
}

function listed(names: readonly string[]): string {
  return names.length <= 1 ? names.join('') : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
