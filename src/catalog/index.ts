import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { CatalogError } from '../errors';
import { squash } from '../text';
import { type AccountType, CrmDefinition, type Level, type PropertyDef } from './schema';

export * from './schema';

/** catalog/ beside the nearest package.json: the same from src/ (tsx) and dist/src/ (compiled). */
export const DEFAULT_CATALOG_DIR = path.join(projectRoot(__dirname), 'catalog');

function projectRoot(from: string): string {
  let dir = from;
  while (!existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) return path.resolve(from, '..', '..');
    dir = parent;
  }
  return dir;
}

export class Catalog {
  private readonly byId = new Map<string, CrmDefinition>();

  constructor(readonly crms: readonly CrmDefinition[]) {
    for (const crm of crms) this.byId.set(crm.id, crm);
  }

  get(id: string): CrmDefinition {
    const crm = this.byId.get(id);
    if (!crm) throw new CatalogError('unknown_crm', `Unknown CRM "${id}"`);
    return crm;
  }

  /** Resolves what a person types: id, display name, alias or source name, any case, spaces ignored. */
  find(text: string): CrmDefinition | undefined {
    const wanted = squash(text);
    if (!wanted) return undefined;
    return this.crms.find((crm) =>
      [crm.id, crm.displayName, crm.integrationSource, ...crm.aliases].some((name) => squash(name) === wanted),
    );
  }

  bySourceId(sourceId: number): CrmDefinition | undefined {
    return this.crms.find((crm) => crm.integrationSourceId === sourceId);
  }

  property(crm: CrmDefinition, level: Level, key: string): PropertyDef | undefined {
    const list = level === 'group' ? crm.groupProperties : crm.locationProperties;
    return list.find((p) => p.key === key);
  }

  /** Every property key of a CRM that holds a credential, at either level. */
  secretKeys(crm: CrmDefinition): Set<string> {
    return new Set([...crm.groupProperties, ...crm.locationProperties].filter((p) => p.secret).map((p) => p.key));
  }
}

/** The group properties a CRM takes for an account type (those not marked absent for it), in catalog order. */
export function groupPropertiesFor(crm: CrmDefinition, accountType: AccountType): PropertyDef[] {
  return crm.groupProperties.filter((p) => p.requirement[accountType] !== 'absent');
}

/** The location properties a CRM takes for an account type (those not marked absent for it), in catalog order. */
export function locationPropertiesFor(crm: CrmDefinition, accountType: AccountType): PropertyDef[] {
  return crm.locationProperties.filter((p) => p.requirement[accountType] !== 'absent');
}

/**
 * Reads and validates every `*.yaml` file in `dir`. Throws one CatalogError listing every problem of every file
 * (each naming the file and the field), so a broken catalog is fixed in one pass, not one error per start-up.
 */
export function loadCatalog(dir: string = DEFAULT_CATALOG_DIR): Catalog {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort();
  if (files.length === 0) throw new CatalogError('empty_catalog', `No CRM files (*.yaml) in ${dir}`);
  const problems: string[] = [];
  const crms: CrmDefinition[] = [];
  for (const file of files) {
    const raw: unknown = parseYaml(readFileSync(path.join(dir, file), 'utf8'));
    const parsed = CrmDefinition.safeParse(raw);
    if (!parsed.success) {
      for (const issue of parsed.error.issues)
        problems.push(`catalog/${file}: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
      continue;
    }
    if (`${parsed.data.id}.yaml` !== file)
      problems.push(`catalog/${file}: id "${parsed.data.id}" must match the file name`);
    crms.push(parsed.data);
  }
  // Cross-file rules only over the files that parsed: a broken file's fields would only add noise.
  problems.push(...consistencyProblems(crms));
  if (problems.length > 0) throw catalogProblems(problems);
  return new Catalog(crms);
}

function catalogProblems(problems: readonly string[]): CatalogError {
  const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
  return new CatalogError('invalid_catalog', `Catalog has ${count}: ${problems.join('; ')}`);
}

/** Cross-file and cross-reference rules a per-file schema cannot express; throws listing every violation. */
export function checkConsistency(crms: readonly CrmDefinition[]): void {
  const problems = consistencyProblems(crms);
  if (problems.length > 0) throw catalogProblems(problems);
}

function consistencyProblems(crms: readonly CrmDefinition[]): string[] {
  const problems: string[] = [];
  const fail = (msg: string): void => {
    problems.push(msg);
  };
  const unique = (what: string, values: Array<string | number>) => {
    const seen = new Set<string | number>();
    for (const v of values) {
      if (seen.has(v)) fail(`Duplicate ${what}: ${v}`);
      seen.add(v);
    }
  };
  unique(
    'CRM id',
    crms.map((c) => c.id),
  );
  unique(
    'integrationSourceId',
    crms.map((c) => c.integrationSourceId),
  );
  unique(
    'CRM name or alias',
    crms.flatMap((c) => [...new Set([c.id, c.displayName, c.integrationSource, ...c.aliases].map((n) => squash(n)))]),
  );
  unique(
    'trigger id',
    crms.flatMap((c) => c.triggers.flatMap((t) => (t.id === undefined ? [] : [t.id]))),
  );
  unique(
    'reason id',
    crms.flatMap((c) => c.reasons.map((r) => r.id)),
  );

  for (const crm of crms) {
    const at = (level: Level) => (level === 'group' ? crm.groupProperties : crm.locationProperties);
    const has = (level: Level, key: string) => at(level).some((p) => p.key === key);
    const hasAny = (key: string) => has('group', key) || has('location', key);
    unique(
      `${crm.id} group property`,
      crm.groupProperties.map((p) => p.key),
    );
    unique(
      `${crm.id} location property`,
      crm.locationProperties.map((p) => p.key),
    );
    unique(
      `${crm.id} trigger name`,
      crm.triggers.map((t) => t.triggerName),
    );
    for (const reason of crm.reasons) {
      if (!reason.id.startsWith(`${crm.id}.`)) fail(`${crm.id}: reason id ${reason.id} must start with "${crm.id}."`);
      const refs: Array<[Level | undefined, string | undefined]> = [
        [reason.controlledBy?.level, reason.controlledBy?.property],
        [
          'property' in reason.fix ? reason.fix.level : undefined,
          'property' in reason.fix ? reason.fix.property : undefined,
        ],
        [undefined, reason.check?.kind === 'inAllowedList' ? reason.check.property : undefined],
      ];
      for (const [level, key] of refs) {
        if (key === undefined) continue;
        if (level ? !has(level, key) : !hasAny(key)) {
          fail(
            `${crm.id}: reason ${reason.id} refers to property "${key}"${level ? ` at ${level} level` : ''}, which is not in the catalog`,
          );
        }
      }
    }
    for (const lookup of crm.lookups) {
      for (const key of [...lookup.needs, lookup.fills]) {
        if (!hasAny(key))
          fail(`${crm.id}: lookup ${lookup.id} refers to property "${key}", which is not in the catalog`);
      }
    }
    for (const p of [...crm.groupProperties, ...crm.locationProperties]) {
      if (p.lookup && !crm.lookups.some((l) => l.id === p.lookup)) {
        fail(`${crm.id}: property ${p.key} names lookup ${p.lookup}, which the CRM does not declare`);
      }
    }
    if (crm.auth.kind === 'credentials') {
      for (const key of crm.auth.properties)
        if (!hasAny(key)) fail(`${crm.id}: credential property "${key}" is not in the catalog`);
    }
    const cred = crm.reauth.credential;
    if (cred && !has(cred.level, cred.property)) {
      fail(`${crm.id}: re-authorization credential "${cred.property}" is not a ${cred.level} property`);
    }
    if (!crm.triggers.some((t) => t.id !== undefined)) fail(`${crm.id}: at least one trigger needs a documented id`);
  }
  return problems;
}
