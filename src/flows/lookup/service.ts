import type { Catalog, CrmDefinition, LookupDef, LookupId, PropertyDef } from '../../catalog';
import { BotError, userMessage } from '../../errors';
import { type LookupOption, lookupNeeds, runLookup } from '../../integration/lookups';
import { normalizeProperty } from '../../planner/normalize';
import type { Services } from '../../services';
import { levenshtein, squash } from '../../text';

/** One input a lookup needs, from the catalog property it names. */
export interface LookupInput {
  key: string;
  label: string;
  help: string;
  secret: boolean;
  kind: PropertyDef['format']['kind'];
  /** Left empty, the lookup uses this (Cloud9 "AWS hosted" defaults to false). */
  default?: string;
  required: boolean;
  def: PropertyDef;
}

/** A live lookup as `/crm lookup` offers it, everything derived from the catalog. */
export interface LookupSpec {
  id: LookupId;
  /** What people type: `<vendor>-<last word of the label>`, e.g. carestack-statuses. */
  name: string;
  crmId: string;
  crmName: string;
  label: string;
  /** Label of the property the result fills. */
  fills: string;
  inputs: LookupInput[];
}

/** Every lookup the catalog declares, in catalog order. */
export function lookupSpecs(catalog: Catalog): LookupSpec[] {
  return catalog.crms.flatMap((crm) => crm.lookups.map((lookup) => toSpec(catalog, crm, lookup)));
}

function toSpec(catalog: Catalog, crm: CrmDefinition, lookup: LookupDef): LookupSpec {
  const inputs = lookupNeeds(crm, lookup).map(
    ({ key, def, required }): LookupInput => ({
      key,
      label: def.label,
      help: def.help,
      secret: def.secret,
      kind: def.format.kind,
      ...(def.default === undefined ? {} : { default: def.default }),
      required,
      def,
    }),
  );
  const fills = catalog.property(crm, 'group', lookup.fills) ?? catalog.property(crm, 'location', lookup.fills);
  return {
    id: lookup.id,
    name: `${vendorOf(lookup.id)}-${lastWord(lookup.label)}`,
    crmId: crm.id,
    crmName: crm.displayName,
    label: lookup.label,
    fills: fills?.label ?? lookup.fills,
    inputs,
  };
}

export function findLookupSpec(catalog: Catalog, id: string, crmId: string): LookupSpec | undefined {
  return lookupSpecs(catalog).find((s) => s.id === id && s.crmId === crmId);
}

export type LookupMatch = { spec: LookupSpec; words: number };

/**
 * The lookup named by the first one or two words of `args` (exact, or within two typos of a name or a
 * spelling such as `cloud 9 location`). Throws `validation_failed` listing the names; never echoes the input,
 * which may be a credential typed in the wrong place.
 */
export function resolveLookup(catalog: Catalog, args: readonly string[]): LookupMatch {
  const specs = lookupSpecs(catalog);
  const list = specs.map((s) => `\`${s.name}\``).join(', ');
  if (args.length === 0) throw new BotError('validation_failed', `Say which lookup: ${list}.`);
  const candidates = specs.flatMap((spec) => spellings(catalog, spec).map((name) => ({ spec, name })));
  let best: { spec: LookupSpec; distance: number; words: number; tie: boolean } | undefined;
  for (const words of [1, 2, 3]) {
    if (args.length < words) break;
    const typed = squash(args.slice(0, words).join(''));
    for (const { spec, name } of candidates) {
      const distance = levenshtein(typed, name);
      if (!best || distance < best.distance) best = { spec, distance, words, tie: false };
      else if (distance === best.distance && spec !== best.spec) best.tie = true;
    }
  }
  if (best && (best.distance === 0 || (best.distance <= 2 && !best.tie))) return { spec: best.spec, words: best.words };
  const hint = best && best.distance <= 4 && !best.tie ? ` Did you mean \`${best.spec.name}\`?` : '';
  throw new BotError('validation_failed', `I don't know that lookup.${hint} Lookups: ${list}.`);
}

function spellings(catalog: Catalog, spec: LookupSpec): string[] {
  const crm = catalog.get(spec.crmId);
  const vendors = [vendorOf(spec.id), crm.id, crm.displayName, crm.integrationSource, ...crm.aliases];
  const suffix = spec.id.slice(spec.id.indexOf('.') + 1);
  const tails = [lastWord(spec.label), suffix, spec.label.toLowerCase().replace(crm.displayName.toLowerCase(), '')];
  const names = vendors.flatMap((v) => tails.map((t) => squash(v + t)));
  // Singular spellings too: nextech-practitioner, carestack-status.
  return [...new Set([...names, ...names.map((n) => n.replace(/(es|s)$/, ''))])];
}

export type LookupValidation =
  | { ok: true; values: Record<string, string> }
  | { ok: false; errors: Record<string, string> };

/** Checks and normalises what was typed into the modal (UUIDs, a domain from a pasted URL). Errors by input key. */
export function validateLookupInputs(spec: LookupSpec, typed: Record<string, string | undefined>): LookupValidation {
  const values: Record<string, string> = {};
  const errors: Record<string, string> = {};
  for (const input of spec.inputs) {
    const raw = typed[input.key] ?? '';
    if (!raw.trim()) {
      if (input.default !== undefined) values[input.key] = input.default;
      else if (input.required) errors[input.key] = `${input.label} is needed for this lookup.`;
      continue;
    }
    const result = normalizeProperty(input.def, raw, spec.crmName);
    if (!result.ok) errors[input.key] = result.message;
    else if (result.value !== undefined) values[input.key] = result.value;
  }
  return Object.keys(errors).length > 0 ? { ok: false, errors } : { ok: true, values };
}

export type LookupResult =
  | { ok: true; spec: LookupSpec; options: LookupOption[] }
  | { ok: false; spec: LookupSpec; message: string };

/** Runs the lookup; failures become the words the user sees (never the inputs). */
export async function performLookup(
  services: Pick<Services, 'api' | 'catalog' | 'logger'>,
  spec: LookupSpec,
  values: Record<string, string>,
): Promise<LookupResult> {
  try {
    const crm = services.catalog.get(spec.crmId);
    return { ok: true, spec, options: await runLookup(services.api, crm, spec.id, values) };
  } catch (err) {
    services.logger.warn(
      { lookup: spec.id, code: err instanceof BotError ? err.code : 'unexpected', context: safeContext(err) },
      'lookup failed',
    );
    return { ok: false, spec, message: userMessage(err) };
  }
}

function safeContext(err: unknown): Record<string, unknown> | undefined {
  return err instanceof BotError ? err.context : undefined;
}

/** Text that looks like a credential (UUIDs, long tokens): never echoed back. */
export function looksLikeSecret(text: string): boolean {
  const t = text.trim();
  if (/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i.test(t)) return true;
  return t.split(/\s+/).some((word) => word.length >= 12 && /\d/.test(word) && /[a-z]/i.test(word));
}

function vendorOf(id: LookupId): string {
  return id.slice(0, id.indexOf('.'));
}

function lastWord(label: string): string {
  return (label.trim().split(/\s+/).pop() ?? label).toLowerCase();
}
