import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse as parseYaml, stringify } from 'yaml';
import { CrmDefinition, DEFAULT_CATALOG_DIR, loadCatalog } from '../../src/catalog';
import { LOOKUP_IDS } from '../../src/integration/lookups';
import { CREDENTIAL_REASON, catalogWithReason } from '../support/catalogs';

const catalog = loadCatalog();

/** Copies the real catalog into a temp dir with one file changed, to prove the loader rejects it. */
type CrmEdit = (crm: Record<string, unknown>) => void;

function catalogWith(file: string, edit: CrmEdit): string {
  return catalogWithEdits({ [file]: edit });
}

function catalogWithEdits(edits: Record<string, CrmEdit>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'catalog-'));
  for (const crm of catalog.crms) {
    const raw = parseYaml(readFileSync(path.join(DEFAULT_CATALOG_DIR, `${crm.id}.yaml`), 'utf8')) as Record<
      string,
      unknown
    >;
    edits[`${crm.id}.yaml`]?.(raw);
    writeFileSync(path.join(dir, `${crm.id}.yaml`), stringify(raw));
  }
  return dir;
}

describe('CRM catalog', () => {
  // The five CRMs of the articles; a CRM added as one more catalog file is allowed beside them.
  it('loads the five CRMs of the articles through the one schema', () => {
    expect(catalog.crms.map((c) => c.displayName)).toEqual(
      expect.arrayContaining(['CareCloud', 'Carestack', 'Cliniko', 'Cloud 9 Ortho', 'Nextech']),
    );
    for (const crm of catalog.crms) expect(() => CrmDefinition.parse(crm)).not.toThrow();
  });

  it('has the source and trigger IDs the articles document', () => {
    const ids = Object.fromEntries(
      catalog.crms.map((c) => [c.id, [c.integrationSourceId, c.triggers.flatMap((t) => (t.id ? [t.id] : []))]]),
    );
    expect(ids).toMatchObject({
      carecloud: [67, [91]],
      carestack: [124, [139]],
      cliniko: [118, [129]],
      'cloud9-ortho': [34, [57]],
      nextech: [22, [24]],
    });
  });

  it('leaves Nextech triggers without a documented ID unresolved instead of inventing one', () => {
    const nextech = catalog.get('nextech');
    const undocumented = nextech.triggers.filter((t) => t.id === undefined);
    expect(undocumented.map((t) => t.triggerName)).toEqual([
      'Appointment Trigger',
      'Nextech Appointment Upsert Trigger',
    ]);
    for (const t of undocumented) expect(t.triggerTypeId).toBeUndefined();
  });

  it('has unique ids across CRMs: CRM ids, source ids, trigger ids, reason ids', () => {
    const uniq = (values: unknown[]) => new Set(values).size === values.length;
    expect(uniq(catalog.crms.map((c) => c.id))).toBe(true);
    expect(uniq(catalog.crms.map((c) => c.integrationSourceId))).toBe(true);
    expect(uniq(catalog.crms.flatMap((c) => c.triggers.flatMap((t) => (t.id ? [t.id] : []))))).toBe(true);
    expect(uniq(catalog.crms.flatMap((c) => c.reasons.map((r) => r.id)))).toBe(true);
  });

  it('refers only to properties that exist, at the level it names', () => {
    for (const crm of catalog.crms) {
      for (const reason of crm.reasons) {
        if (reason.controlledBy) {
          expect(catalog.property(crm, reason.controlledBy.level, reason.controlledBy.property)).toBeDefined();
        }
        if ('property' in reason.fix)
          expect(catalog.property(crm, reason.fix.level, reason.fix.property)).toBeDefined();
      }
      for (const lookup of crm.lookups) {
        const exists = (key: string) =>
          catalog.property(crm, 'group', key) !== undefined || catalog.property(crm, 'location', key) !== undefined;
        expect([...lookup.needs, lookup.fills].filter((k) => !exists(k))).toEqual([]);
      }
    }
  });

  it('says per reason whether re-authorizing clears it: false unless the file says so', () => {
    // The five articles' reasons are about patients, appointments, settings and beta, never a credential.
    const articles = ['carecloud', 'carestack', 'cliniko', 'cloud9-ortho', 'nextech'];
    const reasons = articles.flatMap((id) => catalog.get(id).reasons);
    expect(reasons.length).toBeGreaterThan(0);
    expect(reasons.filter((r) => r.reauthorizes).map((r) => r.id)).toEqual([]);
    const added = catalogWithReason('cliniko', CREDENTIAL_REASON).get('cliniko').reasons;
    expect(added.find((r) => r.id === CREDENTIAL_REASON.id)?.reauthorizes).toBe(true);
    const bad = catalogWith('carestack.yaml', (crm) => {
      (crm.reasons as Array<Record<string, unknown>>)[0]!.reauthorizes = 'yes';
    });
    expect(() => loadCatalog(bad)).toThrow(/catalog\/carestack\.yaml: reasons\.0\.reauthorizes/);
  });

  it('names only lookups the integration client implements', () => {
    const named = catalog.crms.flatMap((c) => [
      ...c.lookups.map((l) => l.id),
      ...[...c.groupProperties, ...c.locationProperties].flatMap((p) => (p.lookup ? [p.lookup] : [])),
    ]);
    expect(named.length).toBeGreaterThan(0);
    for (const id of named) expect(LOOKUP_IDS).toContain(id);
  });

  it('marks every credential as secret and sends it with isSecure true', () => {
    const credentials = catalog.crms.flatMap((c) =>
      (c.auth.kind === 'credentials' ? c.auth.properties : []).map((key) => ({ crm: c, key })),
    );
    expect(credentials.map((c) => c.key)).toEqual(
      expect.arrayContaining([
        'ClientID',
        'carestack.account.id',
        'carestack.account.key',
        'cliniko.api.key',
        'practice.id',
      ]),
    );
    for (const { crm, key } of credentials) {
      const prop = catalog.property(crm, 'group', key);
      expect(prop).toMatchObject({ secret: true, isSecure: true });
    }
  });

  it('records the deliberate departure from the Cliniko article (api key isSecure)', () => {
    const key = catalog.property(catalog.get('cliniko'), 'group', 'cliniko.api.key');
    expect(key?.departure).toMatch(/isSecure false/);
  });

  it('handles the articles inconsistencies on purpose', () => {
    // Cloud 9: both NextRunDate windows, each for its own account type.
    expect(catalog.get('cloud9-ortho').nextRunWindow).toEqual({
      smb: { from: '05:00', to: '10:00' },
      enterprise: { from: '03:00', to: '10:00' },
    });
    // Cliniko: SMB only, with the one-group-per-location advice; same advice for Carestack.
    expect(catalog.get('cliniko').accountTypes).toEqual(['smb']);
    expect(catalog.get('cliniko').accountTypeNote).toMatch(/one integration group per location/);
    expect(catalog.get('carestack').accountTypeNote).toMatch(/own SMB business/);
    // CareCloud: source 67, never 15; OAuth; default statuses.
    expect(catalog.get('carecloud').integrationSourceId).toBe(67);
    expect(catalog.get('carecloud').departures.join(' ')).toMatch(/sourceid\/15/);
    expect(catalog.get('carecloud').auth.kind).toBe('oauth');
    expect(catalog.property(catalog.get('carecloud'), 'location', 'appointment_status')?.implicitDefault).toBe(
      'Checked-Out, Billed',
    );
    expect(catalog.property(catalog.get('carecloud'), 'location', 'location_name')?.requirement).toEqual({
      smb: 'optional',
      enterprise: 'required',
    });
    // Nextech: pipe list vs comma list, both without whitespace; default status fulfilled; version note.
    const nextech = catalog.get('nextech');
    expect(catalog.property(nextech, 'group', 'appointment.types')?.format).toMatchObject({
      separator: '|',
      joinWith: '|',
    });
    expect(catalog.property(nextech, 'group', 'appointment.status')?.format).toMatchObject({ joinWith: ',' });
    expect(catalog.property(nextech, 'group', 'appointment.status')?.implicitDefault).toBe('fulfilled');
    expect(nextech.notes.join(' ')).toMatch(/V14\.1/);
    expect(nextech.notes.join(' ')).toMatch(/Appointment Purpose/);
    // Carestack: location id mandatory for enterprise.
    expect(
      catalog.property(catalog.get('carestack'), 'location', 'carestack.location.id')?.requirement.enterprise,
    ).toBe('required');
  });

  it('finds a CRM by what people type', () => {
    expect(catalog.find('Cloud9')?.id).toBe('cloud9-ortho');
    expect(catalog.find('cloud 9 ortho')?.id).toBe('cloud9-ortho');
    expect(catalog.find('CARESTACK')?.id).toBe('carestack');
    expect(catalog.find('nope')).toBeUndefined();
    expect(catalog.bySourceId(22)?.id).toBe('nextech');
  });

  it('rejects a file with a reason that refers to a missing property', () => {
    const dir = catalogWith('nextech.yaml', (crm) => {
      (crm.reasons as Array<Record<string, unknown>>)[0]!.controlledBy = { property: 'no.such.key', level: 'group' };
    });
    expect(() => loadCatalog(dir)).toThrow(/no\.such\.key/);
  });

  it('rejects a duplicate trigger id across CRMs and a schema violation, naming the file', () => {
    const dup = catalogWith('cliniko.yaml', (crm) => {
      (crm.triggers as Array<Record<string, unknown>>)[0]!.id = 91;
    });
    expect(() => loadCatalog(dup)).toThrow(/Duplicate trigger id: 91/);
    const bad = catalogWith('carestack.yaml', (crm) => {
      crm.integrationSourceId = 'one hundred';
    });
    expect(() => loadCatalog(bad)).toThrow(/catalog\/carestack\.yaml: integrationSourceId/);
  });

  it('rejects a re-authorization credential at group level: re-auth can only re-send a mapping', () => {
    const dir = catalogWith('cliniko.yaml', (crm) => {
      (crm.reauth as { credential: Record<string, unknown> }).credential.level = 'group';
    });
    expect(() => loadCatalog(dir)).toThrow(
      /catalog\/cliniko\.yaml: reauth\.credential\.level.*can only re-send a mapping.*location property/,
    );
  });

  it('reports every problem of every file at once', () => {
    const dir = catalogWithEdits({
      'carestack.yaml': (crm) => {
        crm.integrationSourceId = 'one hundred';
        crm.displayName = 42;
      },
      'cliniko.yaml': (crm) => {
        crm.triggers = 'none';
      },
      'nextech.yaml': (crm) => {
        (crm.reasons as Array<Record<string, unknown>>)[0]!.controlledBy = { property: 'no.such.key', level: 'group' };
      },
    });
    let message = '';
    try {
      loadCatalog(dir);
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/^Catalog has 4 problems: /);
    expect(message).toContain('catalog/carestack.yaml: integrationSourceId');
    expect(message).toContain('catalog/carestack.yaml: displayName');
    expect(message).toContain('catalog/cliniko.yaml: triggers');
    expect(message).toContain('nextech: reason');
    expect(message).toContain('no.such.key');
  });
});
