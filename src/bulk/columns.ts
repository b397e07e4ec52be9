import type { CrmDefinition, PropertyDef } from '../catalog/schema';

/** Header spellings of the location's Birdeye business ID column (compared squashed). */
export const BUSINESS_ID_HEADERS = ['business id', 'businessnumber', 'business number', 'location id'] as const;

export interface ColumnMap {
  /** Index of the business ID column. */
  businessIdColumn: number;
  /** Column index → location property. */
  properties: Array<{ column: number; property: PropertyDef; header: string }>;
}

export type ColumnMatch = { ok: true; columns: ColumnMap } | { ok: false; problems: string[] };

function squash(text: string): string {
  return text
    .toLowerCase()
    .replace(/[\s_]+/g, ' ')
    .trim();
}

const businessIdNames = new Set(BUSINESS_ID_HEADERS.map(squash));

/**
 * Matches headers to the business ID column and the CRM's location properties,
 * by catalog key or label, case-insensitively. Every problem at once.
 */
export function matchColumns(header: readonly string[], crm: CrmDefinition): ColumnMatch {
  const problems: string[] = [];
  const unknown: string[] = [];
  const properties: ColumnMap['properties'] = [];
  const businessIdColumns: number[] = [];
  const seen = new Map<string, string>();
  header.forEach((raw, column) => {
    const name = squash(raw);
    if (name === '') {
      unknown.push(`(empty header in column ${column + 1})`);
      return;
    }
    if (businessIdNames.has(name)) {
      businessIdColumns.push(column);
      return;
    }
    const property = crm.locationProperties.find((p) => squash(p.key) === name || squash(p.label) === name);
    if (!property) {
      unknown.push(raw);
      return;
    }
    const earlier = seen.get(property.key);
    if (earlier !== undefined) {
      problems.push(`Columns "${earlier}" and "${raw}" are both ${property.label}; keep one`);
      return;
    }
    seen.set(property.key, raw);
    properties.push({ column, property, header: raw });
  });
  if (unknown.length > 0) {
    const known = crm.locationProperties.map((p) => `${p.key} (${p.label})`).join(', ');
    problems.push(
      `Unknown column${unknown.length > 1 ? 's' : ''} ${unknown.map((u) => `"${u}"`).join(', ')}. ${crm.displayName} location columns are: business id, ${known}`,
    );
  }
  if (businessIdColumns.length === 0) {
    problems.push('No business ID column: add a column headed "business id" with each location\'s Birdeye Business ID');
  } else if (businessIdColumns.length > 1) {
    problems.push('More than one business ID column; keep one');
  }
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, columns: { businessIdColumn: businessIdColumns[0]!, properties } };
}

/** Template headers: business id, then the CRM's location property keys that enterprise setups use. */
export function templateHeaders(crm: CrmDefinition): string[] {
  return [
    'business id',
    ...crm.locationProperties.filter((p) => p.requirement.enterprise !== 'absent').map((p) => p.key),
  ];
}
