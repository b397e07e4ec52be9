import { extractJsonValues } from './log-record';

/**
 * One rule, used by every surface (`/crm diagnose <text>`, a mention, the message shortcut, the
 * modal), for what in a paste is the reason people typed and what is a log record: JSON objects
 * (complete or cut off), Kibana table rows (`field<TAB>value`), `key=value` log lines and
 * `field: value` lines. Pure, and free of the catalog, so other flows (contact search) can call it.
 */

export type SplitPaste = { reasonText: string; recordText: string };

/**
 * Bare words that are log fields when a line starts `word: value`. Any other bare word is prose:
 * "Nextech: 'Appointment status' is not in the allowed list" is a reason, not a field named Nextech.
 */
const RECORD_WORDS = new Set([
  'active',
  'beta',
  'business',
  'contact',
  'email',
  'level',
  'location',
  'message',
  'mobile',
  'phone',
  'provider',
  'source',
  'status',
  'timestamp',
  'type',
  'types',
]);

const LINE_KEY = /^\s*(["']?)([@A-Za-z_][\w.@-]*)\1\s*([=:])(?![/=])\s*(.*)$/;
/** `key=` inside a line; two of them make a log line. */
const EQUALS_PAIR = /(?:^|[\s,;|(])[@A-Za-z_][\w.@-]*=(?!=)/g;
/** One `key=value` (quoted, or one word) inside a sentence. */
const INLINE_PAIR = /(?:^|(?<=[\s,;(]))[@A-Za-z_][\w.@-]*=(?:"[^"\n]*"|'[^'\n]*'|[^\s,;)]+)/g;

export function splitReasonAndRecord(text: string): SplitPaste {
  const plain = slackPlainText(text);
  const { rest, spans } = extractJsonValues(plain);
  const record: string[] = spans.map(([start, end]) => plain.slice(start, end));
  const reason: string[] = [];
  for (const rawLine of rest.split(/\r?\n/)) {
    const line = rawLine.trim();
    if (!line) continue;
    if (isRecordLine(rawLine)) {
      record.push(line);
      // Words before a log line's first field are what the person wrote in front of it ("c9: 2026-11-20 …").
      const lead = leadingProse(line);
      if (lead) reason.push(lead);
      continue;
    }
    // A sentence with one `key=value` in it: the pair is record, the words around it are reason.
    const pairs = line.match(INLINE_PAIR);
    if (pairs) {
      record.push(pairs.join(' '));
      const words = line.replace(INLINE_PAIR, ' ').replace(/\s+/g, ' ').trim();
      if (words) reason.push(words);
      continue;
    }
    reason.push(line);
  }
  return { reasonText: reason.join('\n'), recordText: record.join('\n') };
}

function isRecordLine(line: string): boolean {
  if (/^\s*[@A-Za-z_][\w.@-]*\t/.test(line) || /^\s*[t#?k]\t+[@A-Za-z_]/.test(line)) return true;
  if ((line.match(EQUALS_PAIR) ?? []).length >= 2) return true;
  const found = LINE_KEY.exec(line);
  if (!found) return false;
  const [, quote, key = '', separator, value = ''] = found;
  if (!value.trim()) return separator === '=' || quote !== '';
  if (separator === '=' || quote) return true;
  return isFieldShaped(key) || RECORD_WORDS.has(key.toLowerCase());
}

/**
 * snake_case, dotted, @-prefixed or lowerCamelCase: how log fields are named. A capitalised word
 * ("CareCloud:", "NexTech:") is how people start a sentence.
 */
function isFieldShaped(key: string): boolean {
  return /[_.@]/.test(key) || /^[a-z]+[A-Z]/.test(key);
}

/** The text before the first `key=` of a log line, when it is more than a timestamp and a level. */
function leadingProse(line: string): string | undefined {
  EQUALS_PAIR.lastIndex = 0;
  const first = EQUALS_PAIR.exec(line);
  EQUALS_PAIR.lastIndex = 0;
  if (!first || first.index === 0) return undefined;
  const lead = line.slice(0, first.index).trim();
  const words = lead.replace(LOG_PREFIX_NOISE, ' ').trim();
  return /[a-z]{2}/i.test(words) ? lead : undefined;
}

/** Timestamps and log levels: what a log line starts with by itself. */
const LOG_PREFIX_NOISE =
  /\b\d{4}-\d{2}-\d{2}[T ]?[\d:.]*Z?\b|\b(?:TRACE|DEBUG|INFO|WARN|WARNING|ERROR|FATAL)\b|[-:|[\]]/g;

/**
 * Slack message markup back to what was typed: mentions dropped, links and channels to their
 * labels, entities unescaped, code fences and quote markers removed.
 */
export function slackPlainText(text: string): string {
  // Most pastes carry no markup at all.
  if (!/[<>&`]/.test(text)) return text;
  return text
    .replace(/<@[^>|\s]+(?:\|[^>]*)?>/g, ' ')
    .replace(/<!(?:here|channel|everyone)(?:\|[^>]*)?>/g, ' ')
    .replace(/<#[A-Z0-9]+\|([^>]*)>/g, '#$1')
    .replace(/<(?:mailto:|tel:)?[^>|\s]+\|([^>]*)>/g, '$1')
    .replace(/<(?:mailto:|tel:)?([^>|\s]+)>/g, '$1')
    .replace(/```/g, '\n')
    .replace(/^[ \t]*&gt;[ \t]?/gm, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}
