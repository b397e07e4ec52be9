import type { Catalog } from '../catalog';
import type { CrmDefinition, PropertyDef } from '../catalog/schema';
import { type CreateMappingRequest, ENTERPRISE_ID_MESSAGE, parseBusinessNumber, planSetup } from '../planner';
import { matchColumns } from './columns';
import { parseTable } from './csv';

/** One location row as typed (secret values included: keep these in memory only). */
export interface BulkRow {
  /** Line in the pasted text or file (header = line 1). */
  line: number;
  businessNumber: string;
  /** Location property key → value as typed. */
  properties: Record<string, string>;
}

export interface ValidRow extends BulkRow {
  mapping: CreateMappingRequest;
}

export interface RowProblem {
  line: number;
  /** The header as typed, or "business id". */
  column: string;
  message: string;
  /** The business ID cell as typed on that line. */
  businessNumber: string;
}

export interface BulkTarget {
  crmId: string;
  enterpriseId: string;
  groupId: number;
}

export interface Validation {
  /** Problems with the table as a whole (columns, account type): nothing can be checked row by row. */
  tableProblems: string[];
  valid: ValidRow[];
  problems: RowProblem[];
  /** Lines with at least one problem. */
  invalidLines: number[];
}

/** Why bulk cannot add locations for this CRM, or undefined when it can. */
export function enterpriseUnsupported(crm: CrmDefinition): string | undefined {
  if (crm.accountTypes.includes('enterprise')) return undefined;
  return `${crm.displayName} has no enterprise setup, so bulk onboarding cannot add locations to a group. ${
    crm.accountTypeNote ?? ''
  }`.trim();
}

/** The mapping for one row, with the same rules as the setup flow (one location added to an existing group). */
export function planRow(
  catalog: Catalog,
  target: BulkTarget,
  row: Pick<BulkRow, 'businessNumber' | 'properties'>,
): { ok: true; mapping: CreateMappingRequest } | { ok: false; errors: Array<{ key: string; message: string }> } {
  const result = planSetup(catalog, {
    crmId: target.crmId,
    accountType: 'enterprise',
    parentBusinessNumber: target.enterpriseId,
    triggers: [],
    groupProperties: {},
    locations: [{ businessNumber: row.businessNumber, properties: row.properties }],
    existingGroupId: target.groupId,
  });
  if (result.ok) {
    const mapping = result.plan.mappings[0];
    if (mapping) return { ok: true, mapping: mapping.request };
    return { ok: false, errors: [{ key: 'businessNumber', message: 'No mapping could be planned for this row' }] };
  }
  return {
    ok: false,
    errors: result.errors.map((e) => ({ key: e.field.replace(/^locations\.0\./, ''), message: e.message })),
  };
}

/** Parses and checks the whole table; nothing is sent. */
export function validateTable(catalog: Catalog, target: BulkTarget, text: string): Validation {
  const result: Validation = { tableProblems: [], valid: [], problems: [], invalidLines: [] };
  const crm = catalog.get(target.crmId);
  const unsupported = enterpriseUnsupported(crm);
  if (unsupported) result.tableProblems.push(unsupported);
  if (parseBusinessNumber(target.enterpriseId) === undefined) result.tableProblems.push(ENTERPRISE_ID_MESSAGE);
  const table = parseTable(text);
  if (table.header.length === 0)
    result.tableProblems.push('The table is empty: paste a header line and one line per location');
  const matched = matchColumns(table.header, crm);
  if (!matched.ok) result.tableProblems.push(...matched.problems);
  if (result.tableProblems.length > 0 || !matched.ok) return result;
  if (table.rows.length === 0) {
    result.tableProblems.push('The table has a header but no locations');
    return result;
  }

  const { businessIdColumn, properties } = matched.columns;
  const businessIdHeader = table.header[businessIdColumn] ?? 'business id';
  const headerOf = new Map(properties.map((p) => [p.property.key, p.header]));
  const firstLineOf = new Map<string, number>();
  for (const { line, cells } of table.rows) {
    const problems: Array<Omit<RowProblem, 'businessNumber'>> = [];
    const businessNumber = (cells[businessIdColumn] ?? '').trim();
    const typed: Record<string, string> = {};
    for (const { column, property } of properties) typed[property.key] = cells[column] ?? '';
    if (cells.length > table.header.length && cells.slice(table.header.length).some((c) => c !== '')) {
      problems.push({
        line,
        column: `column ${table.header.length + 1}`,
        message: `This line has ${cells.length} cells but the header has ${table.header.length} (a comma inside a value needs "quotes")`,
      });
    }
    const earlier = firstLineOf.get(businessNumber);
    if (businessNumber !== '' && earlier !== undefined) {
      problems.push({
        line,
        column: businessIdHeader,
        message: `Business ID ${businessNumber} is already on line ${earlier}; each location once`,
      });
    } else if (businessNumber !== '') firstLineOf.set(businessNumber, line);

    const planned = planRow(catalog, target, { businessNumber, properties: typed });
    if (!planned.ok) {
      for (const error of planned.errors) {
        problems.push({
          line,
          column:
            error.key === 'businessNumber' ? businessIdHeader : (headerOf.get(error.key) ?? labelOf(crm, error.key)),
          message: error.message,
        });
      }
    }
    if (problems.length > 0) {
      result.problems.push(...problems.map((p) => ({ ...p, businessNumber })));
      result.invalidLines.push(line);
    } else if (planned.ok) {
      result.valid.push({ line, businessNumber, properties: typed, mapping: planned.mapping });
    }
  }
  return result;
}

function labelOf(crm: CrmDefinition, key: string): string {
  return crm.locationProperties.find((p) => p.key === key)?.label ?? key;
}

/** A value that passes the property's format, for the template's example row. */
export function exampleValue(property: PropertyDef): string {
  // A credential column stays empty in the example: a made-up key left in would be sent as an override.
  if (property.secret) return '';
  const format = property.format;
  switch (format.kind) {
    case 'integer':
      return '1234';
    case 'days':
      return '1';
    case 'uuid':
      return '00000000-0000-4000-8000-000000000000';
    case 'boolean':
      return 'false';
    case 'personName':
      return 'Mary Cathy';
    case 'customerDomain':
      return 'partners.sb';
    case 'list':
      return format.item === 'integer'
        ? ['1', '19031'].join(format.joinWith)
        : ['Arrived', 'Scheduled'].join(format.joinWith);
    default:
      return property.implicitDefault ?? 'Main Street Clinic';
  }
}
