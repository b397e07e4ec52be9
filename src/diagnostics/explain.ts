import type { Catalog, CrmDefinition, Level, PropertyDef, ReasonCheck, RestrictionReason } from '../catalog';
import { joinListItems, listItems } from '../planner';
import { isAbsent, type LogRecord, lookup, parseBoolean, parseLogRecord } from './log-record';

/**
 * Turns a recognised restriction reason (plus, when given, the contact's log record and the
 * bot's record of the business's configuration) into what failed, why, and the fix to offer.
 * Pure: no Slack, no HTTP. Never puts a secret property value in any text.
 */

export type ExplainInput = {
  reason: RestrictionReason | string;
  crm: CrmDefinition | string;
  /** The contact's log record, parsed or as pasted. */
  record?: LogRecord | string;
  /** The bot's record of this business's property values, keyed `level:propertyKey` (`location:appointment_status`). */
  currentValues?: Record<string, string>;
};

export type ControlledBy = { property: string; label: string; level: Level };

export type FixProposal =
  | {
      kind: 'oneClick';
      action: 'addToList' | 'setBetaFalse' | 'setProperty';
      /** The property key sent to the API (`beta` for setBetaFalse: a field of the location mapping). */
      property: string;
      label: string;
      level: Level;
      /** The complete new value to send. Absent when the bot must ask (setProperty) or cannot know the current list. */
      proposedValue?: string;
      /** True when the bot would need the current list to add to it without losing entries. */
      needsCurrentValue: boolean;
      /** One sentence on what the button does or why the bot needs more from the person. */
      text: string;
    }
  | { kind: 'clinic'; text: string }
  | { kind: 'manual'; text: string };

export type Explanation = {
  reason: RestrictionReason;
  crm: CrmDefinition;
  meaning: string;
  logKeys: string[];
  controlledBy?: ControlledBy;
  findings: string[];
  fix: FixProposal;
};

export const NO_CURRENT_VALUE_WHY =
  "The API has no documented read of a mapping's properties, and the bot has no record of this business's configuration";

const MASK = '••••';

export function explain(catalog: Catalog, input: ExplainInput): Explanation {
  const crm = typeof input.crm === 'string' ? catalog.get(input.crm) : input.crm;
  const reason = typeof input.reason === 'string' ? findReason(crm, input.reason) : input.reason;
  const record = typeof input.record === 'string' ? parseLogRecord(input.record) : input.record;
  const currentValues = input.currentValues ?? {};
  const context: Context = { catalog, crm, reason, record, currentValues };

  const controlledBy = reason.controlledBy ? describeProperty(context, reason.controlledBy) : undefined;
  const findings = reason.check ? checkFindings(context, reason.check) : observedFindings(context);
  const fix = proposeFix(context);

  // Defence in depth: whatever path a value took, a secret of this business never leaves in text.
  const redact = secretRedactor(context);
  return {
    reason,
    crm,
    meaning: redact(reason.meaning),
    logKeys: [...reason.logKeys],
    ...(controlledBy ? { controlledBy } : {}),
    findings: findings.map(redact),
    fix: withoutSecrets(fix, redact),
  };
}

function withoutSecrets(fix: FixProposal, redact: (text: string) => string): FixProposal {
  if (fix.kind !== 'oneClick' || fix.proposedValue === undefined || redact(fix.proposedValue) === fix.proposedValue) {
    return { ...fix, text: redact(fix.text) };
  }
  // A value to send that contains a credential is never proposed, not even masked.
  const { proposedValue: _dropped, ...rest } = fix;
  return {
    ...rest,
    text: 'The value to add looks like a credential, so the bot does not propose it: check the log record.',
  };
}

type Context = {
  catalog: Catalog;
  crm: CrmDefinition;
  reason: RestrictionReason;
  record: LogRecord | undefined;
  currentValues: Record<string, string>;
};

function findReason(crm: CrmDefinition, reasonId: string): RestrictionReason {
  const reason = crm.reasons.find((r) => r.id === reasonId);
  if (!reason) throw new Error(`${crm.id} has no restriction reason "${reasonId}"`);
  return reason;
}

function describeProperty(context: Context, ref: { property: string; level: Level }): ControlledBy {
  const def = context.catalog.property(context.crm, ref.level, ref.property);
  return { property: ref.property, label: def?.label ?? ref.property, level: ref.level };
}

/** Where a property lives: the reason's controlling property names its level; otherwise the first level that has it. */
function locateProperty(context: Context, key: string): { def: PropertyDef; level: Level } | undefined {
  const preferred = context.reason.controlledBy?.property === key ? context.reason.controlledBy.level : undefined;
  for (const level of preferred ? [preferred] : (['location', 'group'] as const)) {
    const def = context.catalog.property(context.crm, level, key);
    if (def) return { def, level };
  }
  return undefined;
}

function currentValueOf(context: Context, level: Level, key: string): string | undefined {
  const value = context.currentValues[`${level}:${key}`];
  return isAbsent(value) ? undefined : value.trim();
}

/** "pms_appointment_status" → "appointment status"; "additionalParams.appointment.types" → "appointment types". */
export function humanKey(logKey: string): string {
  const words = logKey
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[._\s]+/)
    .filter((word) => word && !LOG_KEY_PREFIXES.has(word));
  // Keep the last words: a log key reads from the container down to the field.
  return words.slice(-3).join(' ') || logKey;
}

/** Containers and source tags in log keys that say nothing about the field itself. */
const LOG_KEY_PREFIXES = new Set(['pms', 'additional', 'params', 'crm']);

const sameItem = (a: string, b: string) => a.trim().toLowerCase() === b.trim().toLowerCase();

/** "Smith, John" (as CareCloud writes a provider) → "John Smith"; undefined when it is not Last, First. */
export function asFirstLast(value: string): string | undefined {
  const found = /^\s*([^,]+?)\s*,\s*([^,]+?)\s*$/.exec(value);
  return found ? `${found[2]} ${found[1]}` : undefined;
}

/** Values compared as the property's format reads them: a person's name in either order is one name. */
function sameValue(def: PropertyDef | undefined, a: string, b: string): boolean {
  if (def?.format.kind !== 'personName') return sameItem(a, b);
  return sameItem(asFirstLast(a) ?? a, asFirstLast(b) ?? b);
}

/** The article's First Last rule, said about the value the record (or the configuration) holds. */
function personNameFindings(
  context: Context,
  located: { def: PropertyDef; level: Level },
  value: string | undefined,
): string[] {
  const { def, level } = located;
  const findings: string[] = [];
  const configured = currentValueOf(context, level, def.key);
  const configuredFirstLast = configured === undefined ? undefined : asFirstLast(configured);
  if (configured !== undefined && configuredFirstLast !== undefined) {
    findings.push(
      `This business's ${def.label} is set to '${configured}' (Last, First), but ${context.crm.displayName} needs it written First Last: it must be '${configuredFirstLast}'.`,
    );
  }
  const firstLast = value === undefined ? undefined : asFirstLast(value);
  if (value !== undefined && firstLast !== undefined && configuredFirstLast === undefined) {
    findings.push(
      `${context.crm.displayName} writes the provider '${value}' (Last, First); the ${def.label} setting must be written '${firstLast}' (First Last) for this provider's appointments to get review requests.`,
    );
  }
  return findings;
}

function checkFindings(context: Context, check: ReasonCheck): string[] {
  switch (check.kind) {
    case 'inAllowedList':
      return allowedListFindings(context, check);
    case 'flag':
      return flagFindings(context, check);
    case 'anyPresent':
      return presenceFindings(context, check);
  }
}

function noRecordFinding(logKeys: readonly string[]): string {
  return `No log record was given: look up ${logKeys.join(' and ')} for this contact in Kibana (bc-json-logs).`;
}

function allowedListFindings(context: Context, check: Extract<ReasonCheck, { kind: 'inAllowedList' }>): string[] {
  const name = humanKey(check.logKey);
  const located = check.property ? locateProperty(context, check.property) : undefined;
  const allowed = allowedValues(context, check, located);
  const findings: string[] = [];

  const value = context.record ? lookup(context.record, check.logKey) : undefined;
  if (!context.record) findings.push(noRecordFinding([check.logKey]));
  else if (isAbsent(value)) findings.push(`The log record has no ${check.logKey} value for this contact.`);

  const def = located?.def;
  const personName =
    located?.def.format.kind === 'personName'
      ? personNameFindings(context, located, isAbsent(value) ? undefined : value.trim())
      : [];
  if (!allowed) {
    const implicit = def?.implicitDefault ? ` (when it is empty the CRM uses ${def.implicitDefault})` : '';
    findings.push(
      `The bot has no record of this business's ${def?.label ?? check.property ?? name}${implicit}, so it cannot say which values are allowed.`,
    );
    if (!isAbsent(value)) findings.push(`${capitalise(name)} is '${value.trim()}'.`);
    return [...findings, ...personName];
  }

  const allowedText = `'${allowed.items.join(', ')}'`;
  if (isAbsent(value)) {
    findings.push(`The allowed values are ${allowedText} (${allowed.source}).`);
    return [...findings, ...personName];
  }
  const shown = value.trim();
  if (allowed.items.some((item) => sameValue(def, item, shown))) {
    findings.push(
      `${name} '${shown}' IS among the allowed ${allowedText} (${allowed.source}), so the record does not explain the reason: the reason may be stale, or the business's configuration differs from ${allowed.configured ? "the bot's record" : 'the default'}.`,
    );
  } else {
    findings.push(`${name} '${shown}' is not in ${allowedText} (${allowed.source}).`);
  }
  return [...findings, ...personName];
}

type Allowed = { items: string[]; source: string; configured: boolean };

/** The configured list when the bot has it; otherwise the documented default, saying which it is. */
function allowedValues(
  context: Context,
  check: Extract<ReasonCheck, { kind: 'inAllowedList' }>,
  located: { def: PropertyDef; level: Level } | undefined,
): Allowed | undefined {
  if (located && !located.def.secret) {
    const current = currentValueOf(context, located.level, located.def.key);
    if (current !== undefined) {
      return {
        items: listItems(located.def?.format, current),
        source: `this business's configured ${located.def.label}`,
        configured: true,
      };
    }
  }
  if (check.allowed && check.allowed.length > 0) {
    const source = located
      ? `the default: the bot has no record of a configured ${located.def.label}`
      : 'the only value the CRM allows';
    return { items: [...check.allowed], source, configured: false };
  }
  return undefined;
}

function flagFindings(context: Context, check: Extract<ReasonCheck, { kind: 'flag' }>): string[] {
  if (!context.record) return [noRecordFinding([check.logKey])];
  const raw = lookup(context.record, check.logKey);
  const value = parseBoolean(raw);
  if (value === undefined) {
    return isAbsent(raw)
      ? [`The log record has no ${check.logKey} value for this contact.`]
      : [`${check.logKey} is '${raw.trim()}', which is neither true nor false.`];
  }
  if (value === check.badValue) return [`${check.logKey} is ${value}.`];
  return [
    `${check.logKey} is ${value} in this record, so the record does not explain the reason: the reason may be stale (the setting may have changed since).`,
  ];
}

function presenceFindings(context: Context, check: Extract<ReasonCheck, { kind: 'anyPresent' }>): string[] {
  if (!context.record) return [noRecordFinding(check.logKeys)];
  const record = context.record;
  const present = check.logKeys.filter((key) => !isAbsent(lookup(record, key)));
  if (present.length === 0) return [`The contact has no ${check.logKeys.map(humanKey).join(' and no ')}.`];
  // Present values are personal data: say that they exist, not what they are.
  return [
    `The contact has ${present.map(humanKey).join(' and ')} in this record, so the record does not explain the reason: the value may be invalid, or the reason may be stale.`,
  ];
}

/** Reasons without a check: report what the record and the bot's configuration show for the keys involved. */
function observedFindings(context: Context): string[] {
  const { reason, record } = context;
  const findings: string[] = [];
  if (!record) findings.push(noRecordFinding(reason.logKeys));
  else {
    for (const key of reason.logKeys) {
      const value = lookup(record, key);
      findings.push(isAbsent(value) ? `The log record has no ${key} value.` : `${key} is '${value.trim()}'.`);
    }
  }
  const ref = reason.controlledBy;
  if (ref) {
    const def = context.catalog.property(context.crm, ref.level, ref.property);
    const current = def && !def.secret ? currentValueOf(context, ref.level, ref.property) : undefined;
    const label = def?.label ?? ref.property;
    findings.push(
      current === undefined
        ? `The bot has no record of this business's ${label}.`
        : `This business's configured ${label} is '${current}'.`,
    );
  }
  return findings;
}

function contactValueFor(context: Context): string | undefined {
  const { check } = context.reason;
  if (!context.record || check?.kind !== 'inAllowedList') return undefined;
  const value = lookup(context.record, check.logKey);
  return isAbsent(value) ? undefined : value.trim();
}

function proposeFix(context: Context): FixProposal {
  const { fix } = context.reason;
  switch (fix.kind) {
    case 'none':
      return { kind: 'clinic', text: fix.clinicAction };
    case 'manual':
      return { kind: 'manual', text: fix.instructions };
    case 'setBetaFalse':
      return {
        kind: 'oneClick',
        action: 'setBetaFalse',
        property: 'beta',
        label: 'Beta',
        level: 'location',
        proposedValue: 'false',
        needsCurrentValue: false,
        text: 'Re-send the location mapping with beta: false so review requests are sent.',
      };
    case 'setProperty': {
      const { label } = describeProperty(context, fix);
      const base = {
        kind: 'oneClick',
        action: 'setProperty',
        property: fix.property,
        label,
        level: fix.level,
        needsCurrentValue: false,
      } as const;
      const written = firstLastProposal(context, fix);
      if (written) {
        return {
          ...base,
          proposedValue: written,
          text: `If this provider's appointments should get review requests, set ${label} on the ${fix.level} mapping to '${written}' (First Last, as the article requires).`,
        };
      }
      return { ...base, text: `Ask for the correct ${label} and set it on the ${fix.level} mapping.` };
    }
    case 'addToList':
      return proposeAddToList(context, fix);
  }
}

/** A person's-name property: the configured value (or else the record's) turned into First Last, when it is Last, First. */
function firstLastProposal(context: Context, fix: { property: string; level: Level }): string | undefined {
  const def = context.catalog.property(context.crm, fix.level, fix.property);
  if (def?.format.kind !== 'personName' || def.secret) return undefined;
  const configured = currentValueOf(context, fix.level, fix.property);
  if (configured !== undefined) return asFirstLast(configured);
  const value = contactValueFor(context);
  return value === undefined ? undefined : asFirstLast(value);
}

function proposeAddToList(context: Context, fix: { property: string; level: Level }): FixProposal {
  const def = context.catalog.property(context.crm, fix.level, fix.property);
  const label = def?.label ?? fix.property;
  const base = { kind: 'oneClick', action: 'addToList', property: fix.property, label, level: fix.level } as const;
  const contactValue = contactValueFor(context);
  const current = def && !def.secret ? currentValueOf(context, fix.level, fix.property) : undefined;

  if (current === undefined || !def) {
    const what = contactValue === undefined ? 'the value' : `'${contactValue}'`;
    return {
      ...base,
      needsCurrentValue: true,
      text: `${NO_CURRENT_VALUE_WHY}, so sending a list with only ${what} could drop values the business relies on: paste the current ${label} (from the integration dashboard) to add ${what} to it.`,
    };
  }
  const items = listItems(def?.format, current);
  if (contactValue === undefined) {
    return {
      ...base,
      needsCurrentValue: false,
      text: `The log record does not show the contact's value: say which value to add to ${label} ('${items.join(', ')}').`,
    };
  }
  if (items.some((item) => sameItem(item, contactValue))) {
    return {
      ...base,
      needsCurrentValue: false,
      text: `'${contactValue}' is already in the bot's record of ${label}; check the configuration in the integration dashboard before changing anything.`,
    };
  }
  const proposedValue = joinListItems(def.format, [...items, contactValue]);
  return {
    ...base,
    proposedValue,
    needsCurrentValue: false,
    text: `Set ${label} on the ${fix.level} mapping to '${proposedValue}' (the current list plus '${contactValue}').`,
  };
}

/** Replaces every secret value this business has (from the bot's record or the log record) with a mask. */
function secretRedactor(context: Context): (text: string) => string {
  const secretKeys = context.catalog.secretKeys(context.crm);
  const secrets = new Set<string>();
  for (const [qualified, value] of Object.entries(context.currentValues)) {
    const key = qualified.slice(qualified.indexOf(':') + 1);
    const [levelName] = qualified.split(':');
    const level = levelName === 'group' || levelName === 'location' ? levelName : undefined;
    const def = level ? context.catalog.property(context.crm, level, key) : undefined;
    if (def?.secret || secretKeys.has(key)) secrets.add(value.trim());
  }
  for (const [key, value] of Object.entries(context.record ?? {})) {
    const lower = key.toLowerCase();
    for (const secretKey of secretKeys) {
      const wanted = secretKey.toLowerCase();
      if (lower === wanted || lower.endsWith(`.${wanted}`)) secrets.add(value.trim());
    }
  }
  // Short values ("1", "true") would mask ordinary words; credentials are never that short.
  const maskable = [...secrets].filter((secret) => secret.length >= 4).sort((a, b) => b.length - a.length);
  if (maskable.length === 0) return (text) => text;
  return (text) => maskable.reduce((out, secret) => out.split(secret).join(MASK), text);
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
