import type { PropertyDef, ValueFormat } from '../catalog/schema';

/**
 * Turns what a person typed into the value the article sends, per ValueFormat.
 * Pure: no catalog lookups beyond the property definition it is given.
 */

export const UUID_EXAMPLE = '00000000-0000-4000-8000-000000000000';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DIGITS = /^\d+$/;
const CARESTACK_HOST_SUFFIX = '.carestack.com';
const HOST_LABELS = /^[a-z0-9-]+(\.[a-z0-9-]+)*$/;

interface FormatContext {
  /** Shown in reasons ("CareCloud wants First Last"). */
  crmName: string;
  /** Quotes a typed value for a message, or hides it when the property is a secret. */
  quote: (value: string) => string;
}

/** `value` is '' when nothing was typed. `reason` says why the value differs from what was typed. */
export type Normalized = { ok: true; value: string; reason?: string } | { ok: false; problem: string };

const ok = (value: string, reason?: string): Normalized => ({ ok: true, value, reason });
const bad = (problem: string): Normalized => ({ ok: false, problem });

export function normalizeFormat(format: ValueFormat, typed: string, ctx: FormatContext): Normalized {
  const trimmed = typed.trim();
  if (trimmed === '') return ok('');
  const trimReason = trimmed === typed ? undefined : 'removed spaces at the start or end';
  switch (format.kind) {
    case 'text':
      return ok(trimmed, trimReason);
    case 'integer':
      return DIGITS.test(trimmed) ? ok(trimmed, trimReason) : bad('must be a whole number (digits only)');
    case 'days': {
      if (!DIGITS.test(trimmed)) return bad('must be a whole number of days, 0 or more');
      const days = String(Number.parseInt(trimmed, 10));
      return ok(days, days === trimmed ? trimReason : 'a whole number of days');
    }
    case 'uuid':
      // Either case is accepted and kept as typed: it is a credential, not ours to rewrite.
      return UUID.test(trimmed) ? ok(trimmed, trimReason) : bad(`must be a UUID like ${UUID_EXAMPLE}`);
    case 'boolean': {
      const word = trimmed.toLowerCase();
      const value =
        word === 'true' || word === 'yes' ? 'true' : word === 'false' || word === 'no' ? 'false' : undefined;
      if (value === undefined) return bad('must be true or false (yes or no)');
      return ok(value, value === trimmed ? trimReason : 'sent as true or false');
    }
    case 'personName':
      return normalizePersonName(trimmed, trimReason, ctx);
    case 'customerDomain':
      return normalizeCustomerDomain(trimmed, trimReason, ctx);
    case 'list':
      return normalizeList(format, trimmed, trimReason, ctx);
  }
}

/** "Cathy, Mary" (as the portal shows it) → "Mary Cathy" (as the API wants it). */
function normalizePersonName(trimmed: string, trimReason: string | undefined, ctx: FormatContext): Normalized {
  const parts = trimmed.split(',').map((part) => part.trim());
  if (parts.length === 1) return ok(trimmed, trimReason);
  const [last, first] = parts;
  if (parts.length > 2 || !last || !first) return bad('must be one name, as First Last (for example Mary Cathy)');
  return ok(`${first} ${last}`, `${ctx.crmName} wants First Last`);
}

/** A pasted Carestack URL → the part before .carestack.com; a bare "partners.sb" stays. */
function normalizeCustomerDomain(trimmed: string, trimReason: string | undefined, ctx: FormatContext): Normalized {
  const looksLikeUrl = /^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed) || /[/?#]/.test(trimmed);
  const host = trimmed
    .replace(/^[a-z][a-z0-9+.-]*:\/\//i, '')
    .split(/[/?#]/)[0]!
    .replace(/:\d+$/, '')
    .toLowerCase();
  const notCarestack = bad(
    `must be the part of the client's Carestack address before ${CARESTACK_HOST_SUFFIX} (for example partners.sb); ${ctx.quote(trimmed)} is not a Carestack address`,
  );
  let domain: string;
  if (host.endsWith(CARESTACK_HOST_SUFFIX)) domain = host.slice(0, -CARESTACK_HOST_SUFFIX.length);
  // A URL on another host, or a bare name ending in .com, is some other site.
  else if (looksLikeUrl || host.endsWith('.com') || host === 'carestack.com') return notCarestack;
  else domain = host;
  if (!domain || !HOST_LABELS.test(domain)) return notCarestack;
  if (domain === trimmed) return ok(domain, trimReason);
  return ok(domain, `${ctx.crmName} wants only the part before ${CARESTACK_HOST_SUFFIX}`);
}

const JOIN_WORDS: Record<string, string> = {
  ',': 'commas without spaces',
  ', ': 'a comma and a space',
  '|': '"|" without spaces',
};

function normalizeList(
  format: Extract<ValueFormat, { kind: 'list' }>,
  trimmed: string,
  trimReason: string | undefined,
  ctx: FormatContext,
): Normalized {
  const items = listItems(format, trimmed);
  if (format.item === 'integer') {
    const wrong = items.find((item) => !DIGITS.test(item));
    if (wrong !== undefined) {
      const separated = format.separator === '|' ? '"|"' : 'commas';
      return bad(`must be whole numbers separated by ${separated}; ${ctx.quote(wrong)} is not one`);
    }
  }
  const value = items.join(format.joinWith);
  if (value === trimmed) return ok(value, trimReason);
  return ok(value, `${ctx.crmName} wants the items separated by ${JOIN_WORDS[format.joinWith]}`);
}

/**
 * The items of a property value: split at the list format's separator (any other value is one item),
 * trimmed, empties dropped. The one reading of a list value: the planner, diagnosis and fixes use it.
 */
export function listItems(format: ValueFormat | undefined, value: string): string[] {
  const parts = format?.kind === 'list' ? value.split(format.separator) : [value];
  return parts.map((item) => item.trim()).filter((item) => item !== '');
}

/** Items written back as the list format writes them (`, ` for a value that is not a list). */
export function joinListItems(format: ValueFormat | undefined, items: readonly string[]): string {
  return items.join(format?.kind === 'list' ? format.joinWith : ', ');
}

/**
 * A list property with one more item, for the "add to the allowed list" fix.
 * `startFrom` is used when the list is empty (the CRM's implicit defaults, which
 * would otherwise stop applying the moment one status is configured).
 */
export function appendToList(
  format: ValueFormat,
  current: string | undefined,
  item: string,
  startFrom: readonly string[] = [],
): string {
  if (format.kind !== 'list') return item.trim();
  const existing = listItems(format, current ?? '');
  const items = existing.length > 0 ? existing : [...startFrom];
  const wanted = item.trim();
  if (wanted && !items.includes(wanted)) items.push(wanted);
  return items.join(format.joinWith);
}

export type PropertyValue = { ok: true; value: string | undefined; warning?: string } | { ok: false; message: string };

/**
 * One property as typed → the value to send (undefined when left empty), with a
 * warning naming the field when the value was changed. Secret values appear in
 * neither the warning nor the error.
 */
export function normalizeProperty(def: PropertyDef, typed: string, crmName: string, where?: string): PropertyValue {
  const quote = def.secret ? () => 'the value' : (value: string) => `'${value}'`;
  const result = normalizeFormat(def.format, typed, { crmName, quote });
  const field = where ? `${def.label} (${where})` : def.label;
  if (!result.ok) return { ok: false, message: `${def.label} ${result.problem}` };
  const value = result.value === '' ? undefined : result.value;
  if (!result.reason) return { ok: true, value };
  const warning = def.secret
    ? `${field}: changed the value (secret, not shown) (${result.reason})`
    : `${field}: changed '${typed}' to '${result.value}' (${result.reason})`;
  return { ok: true, value, warning };
}
