import { parseLenientJson } from './lenient-json';

/**
 * A contact's log record as people paste it from Kibana: JSON (nested, flat dotted keys,
 * or embedded in a longer log line) or `key=value` / `key: value` lines. Everything
 * becomes one flat map of dotted keys to strings.
 */

export type LogRecord = Record<string, string>;

export type ContactFacts = {
  status?: string;
  appointmentType?: string;
  providerName?: string;
  location?: string;
  beta?: boolean;
  active?: boolean;
  hasEmail: boolean;
  hasPhone: boolean;
};

/** Pastes beyond this are cut: a single contact's record is far smaller. */
const MAX_RECORD_CHARS = 100_000;
/** Stop looking for embedded JSON after this many attempts, so a paste full of braces stays cheap. */
const MAX_JSON_ATTEMPTS = 20;

/** What a paste holds: the record to diagnose, and how it was chosen when there were several. */
export type PastedRecords = {
  /** The newest record (several records), or every fragment merged (one record in pieces). */
  record: LogRecord;
  /** How many separate records the paste held (0 when it held no fields at all). */
  count: number;
  /** The chosen record's timestamp as written, when several were pasted and it had one. */
  newestAt?: string;
};

/** The record to diagnose in a paste: see `readLogRecords`. */
export function parseLogRecord(text: string): LogRecord {
  return readLogRecords(text).record;
}

/**
 * Every record in a paste, in pasted order: JSON objects (complete or cut off), Kibana's JSON view
 * (`_source`), a search response (`hits.hits`), arrays of records, Kibana table rows
 * (`field<TAB>value`) and `key=value` / `key: value` lines. A key seen again starts a new record.
 */
export function parseLogRecords(text: string): LogRecord[] {
  const input = text.length > MAX_RECORD_CHARS ? text.slice(0, MAX_RECORD_CHARS) : text;
  const { values, rest } = extractJsonValues(input);
  const records = values.flatMap(recordsFromValue);
  let current: LogRecord = {};
  const lineRecords: LogRecord[] = [current];
  for (const line of rest.split(/\r?\n/)) {
    const pairs: LogRecord = {};
    if (!parseTableRow(line, pairs)) parseKeyValueLine(line, pairs);
    for (const [key, value] of Object.entries(pairs)) {
      if (Object.hasOwn(current, key)) {
        current = {};
        lineRecords.push(current);
      }
      current[key] = value;
    }
  }
  return [...records, ...lineRecords].filter((record) => Object.keys(record).length > 0);
}

/**
 * Several records of one contact (they share keys) give the newest: by timestamp when every one has
 * one, else the first, as Kibana lists newest first. Pieces with different keys are one record.
 */
export function readLogRecords(text: string): PastedRecords {
  const records = parseLogRecords(text);
  if (records.length === 0) return { record: {}, count: 0 };
  if (records.length === 1 || !shareKeys(records)) {
    return { record: Object.assign({}, ...records) as LogRecord, count: 1 };
  }
  const times = records.map(timestampOf);
  let chosen = 0;
  if (times.every((time) => time !== undefined)) {
    for (let i = 1; i < records.length; i++) if (times[i]!.at > times[chosen]!.at) chosen = i;
  }
  const newestAt = times[chosen]?.written;
  return { record: records[chosen]!, count: records.length, ...(newestAt ? { newestAt } : {}) };
}

function shareKeys(records: readonly LogRecord[]): boolean {
  const seen = new Set<string>();
  for (const record of records) {
    const keys = Object.keys(record);
    if (keys.some((key) => seen.has(key))) return true;
    for (const key of keys) seen.add(key);
  }
  return false;
}

const TIMESTAMP_KEYS = [
  '@timestamp',
  'timestamp',
  'eventTime',
  'event_time',
  'time',
  'createdAt',
  'created_at',
  'date',
];

function timestampOf(record: LogRecord): { at: number; written: string } | undefined {
  for (const key of TIMESTAMP_KEYS) {
    const written = record[key]?.trim();
    if (!written) continue;
    // Kibana's table view writes "Nov 20, 2026 @ 10:01:02.123".
    const at = Date.parse(written.replace(' @ ', ' '));
    if (!Number.isNaN(at)) return { at, written };
  }
  return undefined;
}

/** Keys a log record carries the business number under; the value must be a 15-digit number. */
const BUSINESS_KEYS = [
  'businessNumber',
  'business_number',
  'businessId',
  'business_id',
  'bizNumber',
  'business.number',
  'business.id',
  'business',
];
const BUSINESS_NUMBER = /^\d{15}$/;

/** The business number the record names, if any. */
export function businessNumberOf(record: LogRecord): string | undefined {
  for (const key of BUSINESS_KEYS) {
    const value = lookup(record, key)?.trim();
    if (value !== undefined && BUSINESS_NUMBER.test(value)) return value;
  }
  return undefined;
}

/** Keys naming the CRM a record came from: a source name (`CLOUD9`) or a source id (`34`). */
export const SOURCE_KEYS = ['integrationSource', 'integrationSourceId', 'sourceId', 'source'] as const;

/** The record's source fields that carry a value, as `[key, value]`. */
export function sourceFieldsOf(record: LogRecord): Array<[string, string]> {
  const found: Array<[string, string]> = [];
  for (const key of SOURCE_KEYS) {
    const value = lookup(record, key);
    if (!isAbsent(value)) found.push([key, value.trim()]);
  }
  return found;
}

/** Values that mean "nothing here". */
export function isAbsent(value: string | undefined): value is undefined {
  if (value === undefined) return true;
  const trimmed = value.trim().toLowerCase();
  return trimmed === '' || trimmed === 'null' || trimmed === 'undefined' || trimmed === '""';
}

/**
 * The value of `logKey`: exact key, then the same key in other case, then a key ending in
 * `.logKey` (so `appointment.status` finds `additionalParams.appointment.status`), shortest first.
 */
export function lookup(record: LogRecord, logKey: string): string | undefined {
  if (Object.hasOwn(record, logKey)) return record[logKey];
  const wanted = logKey.toLowerCase();
  const suffix = `.${wanted}`;
  let best: string | undefined;
  for (const key of Object.keys(record)) {
    const lower = key.toLowerCase();
    if (lower === wanted) return record[key];
    if (lower.endsWith(suffix) && (best === undefined || key.length < best.length)) best = key;
  }
  // A JSON array is flattened to `key.0`, `key.1` and also kept whole under `key`, so the suffix rule
  // never needs to reach into an index.
  return best === undefined ? undefined : record[best];
}

/** Keys the log formats of the supported CRMs use for each fact, most specific first. */
const FACT_KEYS = {
  status: ['pms_appointment_status', 'appointment.status', 'appointment_status', 'appointmentStatus'],
  appointmentType: ['appointment.types', 'appointment.type', 'pms_appointment_type', 'appointment_type'],
  providerName: ['pms_appointment_provider_name', 'provider_name', 'provider.name', 'providerName', 'provider'],
  location: ['crm_locations', 'location_name', 'location.name', 'locationName', 'location'],
  beta: ['beta', 'isBeta', 'is_beta'],
  active: ['active', 'isActive', 'is_active'],
  email: ['email', 'emailId', 'email_id', 'email_address', 'emailAddress'],
  phone: ['phone', 'mobile', 'phone_number', 'phoneNumber', 'mobile_phone', 'mobilePhone'],
} as const;

export function contactFacts(record: LogRecord): ContactFacts {
  const first = (keys: readonly string[]): string | undefined => {
    for (const key of keys) {
      const value = lookup(record, key);
      if (!isAbsent(value)) return value.trim();
    }
    return undefined;
  };
  const flag = (keys: readonly string[]) => parseBoolean(first(keys));
  const facts: ContactFacts = {
    hasEmail: first(FACT_KEYS.email) !== undefined,
    hasPhone: first(FACT_KEYS.phone) !== undefined,
  };
  const status = first(FACT_KEYS.status);
  const appointmentType = first(FACT_KEYS.appointmentType);
  const providerName = first(FACT_KEYS.providerName);
  const location = first(FACT_KEYS.location);
  const beta = flag(FACT_KEYS.beta);
  const active = flag(FACT_KEYS.active);
  if (status !== undefined) facts.status = status;
  if (appointmentType !== undefined) facts.appointmentType = appointmentType;
  if (providerName !== undefined) facts.providerName = providerName;
  if (location !== undefined) facts.location = location;
  if (beta !== undefined) facts.beta = beta;
  if (active !== undefined) facts.active = active;
  return facts;
}

export function parseBoolean(value: string | undefined): boolean | undefined {
  if (isAbsent(value)) return undefined;
  const lower = value.trim().toLowerCase();
  if (['true', '1', 'yes', 'y'].includes(lower)) return true;
  if (['false', '0', 'no', 'n'].includes(lower)) return false;
  return undefined;
}

function flattenInto(record: LogRecord, prefix: string, value: unknown): void {
  if (value === null) {
    if (prefix) record[prefix] = 'null';
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((item, index) => {
      flattenInto(record, prefix ? `${prefix}.${index}` : String(index), item);
    });
    // Lists of plain values (appointment types) are also kept whole, as the log shows them.
    if (prefix && value.every((item) => item === null || typeof item !== 'object')) {
      record[prefix] = value.map((item) => (item === null ? 'null' : String(item))).join(', ');
    }
    return;
  }
  if (typeof value === 'object') {
    for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
      flattenInto(record, prefix ? `${prefix}.${key}` : key, child);
    }
    return;
  }
  if (typeof value === 'string') {
    // Kibana often carries nested objects as JSON strings ("additionalParams": "{\"appointment\": …}").
    const trimmed = value.trim();
    if (trimmed.startsWith('{') && trimmed.endsWith('}')) {
      const nested = tryParseJson(trimmed);
      if (nested !== undefined && typeof nested === 'object' && nested !== null) {
        flattenInto(record, prefix, nested);
        return;
      }
    }
    if (prefix) record[prefix] = value;
    return;
  }
  if (prefix) record[prefix] = String(value);
}

function tryParseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** A parsed JSON value as records: Kibana's `_source`, a search response's hits, arrays of records. */
function recordsFromValue(value: unknown): LogRecord[] {
  if (Array.isArray(value)) return value.filter(isObject).flatMap(recordsFromValue);
  if (!isObject(value)) return [];
  const hits = (value.hits as { hits?: unknown } | undefined)?.hits;
  if (Array.isArray(hits)) return hits.flatMap(recordsFromValue);
  const record: LogRecord = {};
  if (isObject(value._source)) flattenInto(record, '', value._source);
  else if (isObject(value.fields) && (value._id !== undefined || value._index !== undefined)) {
    // Kibana's "fields" view: every value is a one-element list.
    for (const [key, list] of Object.entries(value.fields)) {
      flattenInto(record, key, Array.isArray(list) && list.length === 1 ? list[0] : list);
    }
  } else flattenInto(record, '', value);
  return Object.keys(record).length > 0 ? [record] : [];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Top-level JSON values (objects, arrays of objects) in the text, found by brace matching that
 * respects strings, or read leniently when cut off or slightly off; and the text with them blanked
 * out so key=value parsing does not read them twice.
 */
export function extractJsonValues(text: string): { values: unknown[]; rest: string; spans: Array<[number, number]> } {
  const values: unknown[] = [];
  const spans: Array<[number, number]> = [];
  let rest = '';
  let copiedUpTo = 0;
  let attempts = 0;
  let index = 0;
  while (index < text.length && attempts < MAX_JSON_ATTEMPTS) {
    const open = indexOfOpener(text, index);
    if (open < 0) break;
    attempts++;
    const close = matchingClose(text, open);
    let parsed = close < 0 ? undefined : tryParseJson(text.slice(open, close + 1));
    let end = close + 1;
    if (parsed === undefined || typeof parsed !== 'object' || parsed === null) {
      const lenient = parseLenientJson(text, open);
      parsed = lenient && hasFields(lenient.value) ? lenient.value : undefined;
      end = lenient?.end ?? open + 1;
    }
    if (parsed !== undefined) {
      values.push(parsed);
      spans.push([open, end]);
      rest += `${text.slice(copiedUpTo, open)}\n`;
      copiedUpTo = end;
      index = end;
    } else {
      index = open + 1;
    }
  }
  rest += text.slice(copiedUpTo);
  return { values, rest, spans };
}

/** A leniently read value counts only when it holds at least one field: `{name}` in prose does not. */
function hasFields(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(hasFields);
  return isObject(value) && Object.keys(value).length > 0;
}

function indexOfOpener(text: string, from: number): number {
  for (let i = from; i < text.length; i++) {
    const char = text.charAt(i);
    if (char === '{') return i;
    // Only a bracket that starts an array of objects: `[1]` in a log line is not a record.
    if (char === '[' && ARRAY_OF_OBJECTS_START.test(text.slice(i, i + 64))) return i;
  }
  return -1;
}

function matchingClose(text: string, open: number): number {
  let depth = 0;
  let inString = false;
  for (let i = open; i < text.length; i++) {
    const char = text.charAt(i);
    if (inString) {
      if (char === '\\') i++;
      else if (char === '"') inString = false;
      continue;
    }
    if (char === '"') inString = true;
    else if (char === '{' || char === '[') depth++;
    else if (char === '}' || char === ']') {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}

/** A key starts a line or follows a space, comma, semicolon or bracket; `=` or `:` follows it. */
const KEY_PATTERN = /(?:^|[\s,;{(|])["']?([A-Za-z_@][\w.@-]*)["']?\s*[=:](?![/=])\s*/g;
const QUOTE_CLOSERS: Record<string, string> = { '"': '"', "'": "'", '“': '”', '‘': '’' };
const TRAILING_SEPARATORS = /[,;]+$/;
const ARRAY_OF_OBJECTS_START = /^\[\s*\{/;

const TABLE_KEY = /^[@A-Za-z_][\w.@-]*$/;
/** Kibana's table view marks each field with a one-letter type icon, copied as its own cell. */
const TYPE_MARKER = /^[t#?k]$/;

/** `field<TAB>value` (a row copied from Kibana's table view). False when the line is not such a row. */
function parseTableRow(line: string, record: LogRecord): boolean {
  if (!line.includes('\t')) return false;
  const cells = line
    .split('\t')
    .map((cell) => cell.trim())
    .filter((cell) => cell !== '');
  if (cells.length >= 3 && TYPE_MARKER.test(cells[0]!)) cells.shift();
  const [key, ...valueCells] = cells;
  if (key === undefined || !TABLE_KEY.test(key)) return false;
  const value = valueCells.join(' ');
  // Kibana shows a missing value as "-".
  if (value !== '' && value !== '-') record[key] = value;
  return true;
}

function parseKeyValueLine(line: string, record: LogRecord): void {
  KEY_PATTERN.lastIndex = 0;
  let found = KEY_PATTERN.exec(line);
  while (found) {
    const key = found[1]!;
    const valueStart = found.index + found[0].length;
    const closer = QUOTE_CLOSERS[line.charAt(valueStart)];
    if (closer) {
      let end = valueStart + 1;
      let value = '';
      while (end < line.length && line.charAt(end) !== closer) {
        if (line.charAt(end) === '\\' && end + 1 < line.length) end++;
        value += line.charAt(end);
        end++;
      }
      record[key] = value;
      KEY_PATTERN.lastIndex = end + 1;
      found = KEY_PATTERN.exec(line);
      continue;
    }
    // An unquoted value runs up to the next key (values may contain spaces: status=No Show source=kibana).
    KEY_PATTERN.lastIndex = valueStart;
    const next = KEY_PATTERN.exec(line);
    const valueEnd = next ? next.index : line.length;
    const value = line.slice(valueStart, valueEnd).trim().replace(TRAILING_SEPARATORS, '').trim();
    // An empty unquoted value says nothing (it is also what remains of `payload={…}` once the JSON is read).
    if (value !== '') record[key] = value;
    found = next;
  }
}
