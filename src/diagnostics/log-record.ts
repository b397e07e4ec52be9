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

export function parseLogRecord(text: string): LogRecord {
  const input = text.length > MAX_RECORD_CHARS ? text.slice(0, MAX_RECORD_CHARS) : text;
  const record: LogRecord = {};
  const { objects, rest } = extractJsonObjects(input);
  for (const value of objects) flattenInto(record, '', value);
  for (const line of rest.split(/\r?\n/)) parseKeyValueLine(line, record);
  return record;
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

/**
 * Top-level JSON objects (or arrays) in the text, found by brace matching that respects strings,
 * and the text with them blanked out so key=value parsing does not read them twice.
 */
function extractJsonObjects(text: string): { objects: unknown[]; rest: string } {
  const objects: unknown[] = [];
  let rest = '';
  let copiedUpTo = 0;
  let attempts = 0;
  let index = 0;
  while (index < text.length && attempts < MAX_JSON_ATTEMPTS) {
    const open = indexOfOpener(text, index);
    if (open < 0) break;
    const close = matchingClose(text, open);
    if (close < 0) break;
    attempts++;
    const parsed = tryParseJson(text.slice(open, close + 1));
    if (parsed !== undefined && typeof parsed === 'object' && parsed !== null) {
      objects.push(parsed);
      rest += `${text.slice(copiedUpTo, open)}\n`;
      copiedUpTo = close + 1;
      index = close + 1;
    } else {
      index = open + 1;
    }
  }
  rest += text.slice(copiedUpTo);
  return { objects, rest };
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
