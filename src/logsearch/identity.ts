/**
 * Who the person asked about: an email, a phone number (any common format, matched on its
 * digits), or a name together with a business number. Pure: no Slack, no HTTP.
 */

export type ContactIdentity =
  | { kind: 'email'; email: string }
  | { kind: 'phone'; typed: string; digits: string }
  | { kind: 'name'; name: string };

export type ContactQuery = { identity: ContactIdentity; businessNumber?: string };

export type ContactArgs = { ok: true; query: ContactQuery } | { ok: false; message: string };

export const CONTACT_USAGE = '/crm contact <email | phone | name> [business ID]';
export const NAME_NEEDS_BUSINESS =
  'Searching by name needs the business ID too (there are too many namesakes otherwise): `/crm contact Jane Doe 170000000000011`. An email or phone number works without one.';

const EMAIL = /[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/;
const BUSINESS_NUMBER = /(?<![\d+])\d{15}(?!\d)/g;
/** A run that could be a phone number: digits with the separators people type. */
const PHONE_RUN = /(?<![\w@.])\+?\(?\d[\d\s().-]{5,22}\d(?![\w@])/g;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}/;
const NAME_WORD = /^[\p{L}][\p{L}'’.-]*$/u;

/** Digits of a phone number; a North American number loses its country code so 1-555… and 555… agree. */
export function phoneDigits(text: string): string {
  const digits = text.replace(/\D/g, '');
  return digits.length === 11 && digits.startsWith('1') ? digits.slice(1) : digits;
}

function isPhone(candidate: string): boolean {
  if (ISO_DATE.test(candidate)) return false;
  const digits = candidate.replace(/\D/g, '');
  if (candidate.startsWith('+')) return digits.length >= 8 && digits.length <= 15;
  // Bare 15-digit runs are business numbers; shorter bare runs below 10 digits are ids or dates.
  return digits.length >= 10 && digits.length <= 13;
}

function findEmail(text: string): string | undefined {
  return EMAIL.exec(text)?.[0];
}

function findPhone(text: string): string | undefined {
  for (const match of text.replace(BUSINESS_NUMBER, ' ; ').matchAll(PHONE_RUN)) {
    const candidate = match[0].trim();
    if (isPhone(candidate)) return candidate;
  }
  return undefined;
}

function findBusinessNumbers(text: string): string[] {
  return [...text.matchAll(BUSINESS_NUMBER)].map((m) => m[0]);
}

function identityOf(text: string): ContactIdentity | undefined {
  const email = findEmail(text);
  if (email) return { kind: 'email', email };
  const phone = findPhone(text);
  if (phone) return { kind: 'phone', typed: phone, digits: phoneDigits(phone) };
  return undefined;
}

/** `/crm contact` arguments: the identity, and a business ID when one is given. */
export function parseContactArgs(text: string): ContactArgs {
  const trimmed = text.trim();
  if (!trimmed) {
    return {
      ok: false,
      message: `Say whom to look for: \`${CONTACT_USAGE}\`, e.g. \`/crm contact jane@example.com\`.`,
    };
  }
  const businesses = findBusinessNumbers(trimmed);
  const businessNumber = businesses.at(-1);
  const business = businessNumber ? { businessNumber } : {};
  const rest = trimmed.replace(BUSINESS_NUMBER, ' ').replace(/\s+/g, ' ').trim();
  const identity = identityOf(rest);
  if (identity) return { ok: true, query: { identity, ...business } };
  const name = rest.replace(/["“”]/g, '').trim();
  if (!name) {
    return {
      ok: false,
      message: `That is a business ID; say whom to look for too: \`${CONTACT_USAGE}\`.`,
    };
  }
  const words = name.split(' ');
  if (!words.every((word) => NAME_WORD.test(word)) || words.length > 5) {
    return {
      ok: false,
      message: `That is not an email, a phone number (at least 10 digits) or a name: \`${CONTACT_USAGE}\`.`,
    };
  }
  if (!businessNumber) return { ok: false, message: NAME_NEEDS_BUSINESS };
  return { ok: true, query: { identity: { kind: 'name', name }, businessNumber } };
}

/** Capitalised words that start sentences or name things, never a patient's name. */
const NOT_NAMES = new Set(
  [
    'why',
    'what',
    'did',
    'didnt',
    'does',
    'doesnt',
    'how',
    'the',
    'a',
    'an',
    'hi',
    'hello',
    'hey',
    'please',
    'can',
    'could',
    'is',
    'was',
    'not',
    'no',
    'patient',
    'contact',
    'customer',
    'business',
    'review',
    'request',
    'appointment',
    'status',
    'integration',
    'beta',
    'kibana',
    'crm',
    'nextech',
    'carestack',
    'carecloud',
    'cliniko',
    'cloud',
    'ortho',
    'birdeye',
    'monday',
    'tuesday',
    'wednesday',
    'thursday',
    'friday',
    'saturday',
    'sunday',
  ].map((w) => w.toLowerCase()),
);

/** Two or three capitalised words in a row, none of them a sentence starter or product name. */
function findName(text: string): string | undefined {
  const words = text.split(/[\s,;:!?()]+/).filter(Boolean);
  for (let i = 0; i < words.length; i++) {
    const run: string[] = [];
    for (let j = i; j < words.length && run.length < 3; j++) {
      const word = words[j]!.replace(/['’]s$/, '');
      const capitalised = /^\p{Lu}[\p{Ll}'’-]+$/u.test(word);
      if (!capitalised || NOT_NAMES.has(word.toLowerCase().replace(/['’]/g, ''))) break;
      run.push(word);
    }
    if (run.length >= 2) return run.join(' ');
  }
  return undefined;
}

/**
 * A contact named inside free text (a /crm diagnose paste, a mention, a shortcut's message):
 * an email or phone number, or a name together with a business number. Undefined when none.
 */
export function detectContact(text: string): ContactQuery | undefined {
  const businessNumber = findBusinessNumbers(text).at(-1);
  const business = businessNumber ? { businessNumber } : {};
  const identity = identityOf(text);
  if (identity) return { identity, ...business };
  if (!businessNumber) return undefined;
  const name = findName(text.replace(BUSINESS_NUMBER, ' '));
  return name ? { identity: { kind: 'name', name }, businessNumber } : undefined;
}

/** The identity in words, as the person typed it (private answers only). */
export function describeIdentity(identity: ContactIdentity): string {
  switch (identity.kind) {
    case 'email':
      return identity.email;
    case 'phone':
      return identity.typed;
    case 'name':
      return identity.name;
  }
}
