import { isAbsent, type LogRecord, lookup, parseLogRecord, splitReasonAndRecord } from '../../diagnostics';
import { BotError } from '../../errors';
import type { LogFields } from '../../logsearch/fields';
import { type ContactIdentity, type ContactQuery, detectContact, phoneDigits } from '../../logsearch/identity';
import { CONTACT_TIMELINE_SIZE, searchedFields } from '../../logsearch/query';
import { crmOfRecord, hitRecord, readField } from '../../logsearch/record';
import type { SearchHit } from '../../logsearch/schemas';
import type { Services } from '../../services';
import { type Diagnosis, diagnoseFoundRecord, type Origin } from '../diagnose/service';

/**
 * "Why didn't this person get a review request?" answered from who they are: their latest
 * check-ins in the log store, each explained by the existing diagnostics. Knows nothing of Slack.
 */

export type CheckIn = {
  /** The record's timestamp as stored (ISO 8601 normally). */
  at?: string;
  /** Where the record was found. */
  index: string;
  businessNumber?: string;
  crmId?: string;
  crmName?: string;
  contact: { email?: string; phone?: string; name?: string; customerId?: string };
  /** The restriction reason; undefined when the record shows none (the request was allowed). */
  restriction?: string;
  /** The article's log keys present in the record, with their values (secret-looking keys left out). */
  logValues: Array<{ key: string; value: string }>;
  /** The existing diagnostics' answer for a restricted record. */
  diagnosis?: Diagnosis;
};

export type Searched = { index: string; days: number; fields: string[]; businessNumber?: string };

export type ContactAnswer =
  | { kind: 'found'; query: ContactQuery; checkIns: CheckIn[]; searched: Searched; partial: boolean }
  | { kind: 'none'; query: ContactQuery; searched: Searched; partial: boolean };

/** Keys whose values are credentials in any CRM's log (a second line of defence after the catalog's secret keys). */
const CREDENTIAL_KEY = /key|secret|token|password|client.?id|practice.?id|account.?id|authorization/i;

/** The contact a free text names, when contact search is on and the text is not itself a pasted record. */
export function contactInText(services: Pick<Services, 'logSearch'>, text: string): ContactQuery | undefined {
  if (!services.logSearch || looksLikeRecord(text)) return undefined;
  return detectContact(text);
}

/** A pasted Kibana record is explained as pasted, not searched for again. */
function looksLikeRecord(text: string): boolean {
  const { recordText } = splitReasonAndRecord(text);
  return recordText.trim() !== '' && Object.keys(parseLogRecord(recordText)).length >= 3;
}

/** Searches the contact's check-ins (one search) and explains each; throws LogSearchError on a fault. */
export async function lookupContact(services: Services, query: ContactQuery, origin: Origin): Promise<ContactAnswer> {
  const logSearch = services.logSearch;
  if (!logSearch) throw new BotError('not_configured', CONTACT_SEARCH_OFF);
  const { fields, days } = logSearch.settings;
  const result = await logSearch.searchContact(query);
  const searched: Searched = {
    index: result.index,
    days,
    fields: searchedFields(query.identity, fields),
    ...(query.businessNumber ? { businessNumber: query.businessNumber } : {}),
  };
  const hits = result.hits.filter((hit) => sameContact(hit, query.identity, fields)).slice(0, CONTACT_TIMELINE_SIZE);
  if (hits.length === 0) return { kind: 'none', query, searched, partial: result.timedOut };
  const checkIns: CheckIn[] = [];
  for (const hit of hits) checkIns.push(await checkInOf(services, hit, fields, origin));
  return { kind: 'found', query, checkIns, searched, partial: result.timedOut };
}

export const CONTACT_SEARCH_OFF =
  'Contact search is off: the bot owners can turn it on by setting LOG_SEARCH_URL (and LOG_SEARCH_API_KEY) to the Elasticsearch or OpenSearch behind Kibana. Until then, paste the record into `/crm diagnose`.';

/** An article key, found the way the diagnostics find it (`appointment.status` finds `additionalParams.appointment.status`). */
function articleValue(record: LogRecord, key: string): string | undefined {
  const value = lookup(record, key);
  return isAbsent(value) ? undefined : value.trim();
}

/**
 * The search matches loosely (phrases, several formats); a hit whose own email or phone differs
 * from the one asked for is dropped. A hit without the field is kept: the server matched it.
 */
function sameContact(hit: SearchHit, identity: ContactIdentity, fields: LogFields): boolean {
  const record = hitRecord(hit);
  if (identity.kind === 'email') {
    const email = readField(record, fields.email);
    return email === undefined || email.toLowerCase() === identity.email.toLowerCase();
  }
  if (identity.kind === 'phone') {
    const phone = readField(record, fields.phone);
    return phone === undefined || phoneDigits(phone) === identity.digits;
  }
  return true;
}

function isSecretKey(services: Services, key: string): boolean {
  if (CREDENTIAL_KEY.test(key)) return true;
  const lower = key.toLowerCase();
  return services.catalog.crms.some((crm) =>
    [...services.catalog.secretKeys(crm)].some(
      (secret) => lower === secret.toLowerCase() || lower.endsWith(`.${secret.toLowerCase()}`),
    ),
  );
}

/** Stands in for patient data in what the bot keeps: the diagnostics only need to know it was there. */
const WITHHELD = '[withheld]';

/**
 * The record as kept for the fix buttons (the store, 24 h): credential-valued keys dropped and the
 * contact's identity withheld, so neither secrets nor who the patient is sit in the store.
 */
function recordToKeep(services: Services, record: LogRecord, fields: LogFields): LogRecord {
  const identity = new Set(
    [fields.email, fields.phone, fields.firstName, fields.lastName, fields.name, fields.customerId].map((f) =>
      f.replace(/\.keyword$/, '').toLowerCase(),
    ),
  );
  const kept: LogRecord = {};
  for (const [key, value] of Object.entries(record)) {
    if (isSecretKey(services, key)) continue;
    kept[key] = identity.has(key.toLowerCase()) && !isAbsent(value) ? WITHHELD : value;
  }
  return kept;
}

async function checkInOf(services: Services, hit: SearchHit, fields: LogFields, origin: Origin): Promise<CheckIn> {
  const record = hitRecord(hit);
  const crm = crmOfRecord(services.catalog, record, fields);
  const businessNumber = readField(record, fields.businessNumber);
  const restriction = readField(record, fields.restrictionReason);
  const first = readField(record, fields.firstName);
  const last = readField(record, fields.lastName);
  const name = readField(record, fields.name) ?? ([first, last].filter(Boolean).join(' ') || undefined);
  const contact: CheckIn['contact'] = {};
  const email = readField(record, fields.email);
  const phone = readField(record, fields.phone);
  const customerId = readField(record, fields.customerId);
  if (email) contact.email = email;
  if (phone) contact.phone = phone;
  if (name) contact.name = name;
  if (customerId) contact.customerId = customerId;

  let diagnosis: Diagnosis | undefined;
  if (restriction) {
    diagnosis = await diagnoseFoundRecord(
      services,
      {
        reasonText: restriction,
        record: recordToKeep(services, record, fields),
        ...(crm ? { crmId: crm.id } : {}),
        ...(businessNumber ? { businessNumber } : {}),
      },
      origin,
    );
  }
  const reasonKeys = diagnosis?.kind === 'match' ? diagnosis.explanation.logKeys : [];
  const logValues: CheckIn['logValues'] = [];
  for (const key of new Set([...reasonKeys, ...fields.articleKeys])) {
    const value = articleValue(record, key);
    if (value !== undefined && !isSecretKey(services, key)) logValues.push({ key, value });
  }
  const at = readField(record, fields.timestamp);
  return {
    index: hit._index,
    ...(at ? { at } : {}),
    ...(businessNumber ? { businessNumber } : {}),
    ...(crm ? { crmId: crm.id, crmName: crm.displayName } : {}),
    ...(!crm && readField(record, fields.integrationSource)
      ? { crmName: readField(record, fields.integrationSource) }
      : {}),
    contact,
    ...(restriction ? { restriction } : {}),
    logValues,
    ...(diagnosis ? { diagnosis } : {}),
  };
}
