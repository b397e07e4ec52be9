import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse as parseYaml, stringify } from 'yaml';
import { type Catalog, DEFAULT_CATALOG_DIR, loadCatalog } from '../../src/catalog';

/**
 * A restriction reason that re-authorizing clears (a rejected credential). None of the five articles lists
 * one, so the tests add it to Cliniko's file: what the catalog holds when an article documents such a reason.
 */
export const CREDENTIAL_REASON = {
  id: 'cliniko.api-key-rejected',
  text: 'The Cliniko API key was rejected: 401 Unauthorized',
  meaning: 'Cliniko refused the API key (revoked or wrong), so no appointments were read for this location.',
  logKeys: ['error'],
  reauthorizes: true,
  fix: { kind: 'none', clinicAction: 'Create a new API key in Cliniko (My info, Manage API keys).' },
} as const;

/**
 * The real catalog with one more reason in one CRM's file, written as YAML and read by the real loader
 * (schema, defaults and cross-reference checks), like a catalog edit with no code change.
 */
export function catalogWithReason(crmId: string, reason: Record<string, unknown>): Catalog {
  if (!loadCatalog().crms.some((crm) => crm.id === crmId)) throw new Error(`No CRM "${crmId}" in the catalog`);
  const dir = mkdtempSync(path.join(tmpdir(), 'catalog-'));
  try {
    for (const crm of loadCatalog().crms) {
      const file = `${crm.id}.yaml`;
      const raw = parseYaml(readFileSync(path.join(DEFAULT_CATALOG_DIR, file), 'utf8')) as { reasons: unknown[] };
      if (crm.id === crmId) raw.reasons.push(reason);
      writeFileSync(path.join(dir, file), stringify(raw));
    }
    return loadCatalog(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
