import type { Catalog, CrmDefinition } from '../catalog';
import { isAbsent, type LogRecord, parseLogRecord } from '../diagnostics';
import type { LogFields } from './fields';
import type { SearchHit } from './schemas';

/** A hit's document as the diagnostics read records: one flat map of dotted keys. */
export function hitRecord(hit: SearchHit): LogRecord {
  return parseLogRecord(JSON.stringify(hit._source));
}

/**
 * A document field by its exact name (any case): identity fields must not fall back to a
 * look-alike such as `location.name`. `phone.keyword` is a search-only sub-field of `phone`.
 */
export function readField(record: LogRecord, name: string): string | undefined {
  const key = name.replace(/\.keyword$/, '');
  const lower = key.toLowerCase();
  const found = Object.hasOwn(record, key) ? key : Object.keys(record).find((k) => k.toLowerCase() === lower);
  const value = found === undefined ? undefined : record[found];
  return isAbsent(value) ? undefined : value.trim();
}

/** The record's CRM: its integration source ID first, then the source's name. */
export function crmOfRecord(catalog: Catalog, record: LogRecord, fields: LogFields): CrmDefinition | undefined {
  const sourceId = Number(readField(record, fields.integrationSourceId));
  const bySource = Number.isInteger(sourceId) ? catalog.bySourceId(sourceId) : undefined;
  if (bySource) return bySource;
  const source = readField(record, fields.integrationSource);
  return source ? catalog.find(source) : undefined;
}
