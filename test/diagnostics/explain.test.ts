import { loadCatalog } from '../../src/catalog';
import { type Explanation, explain, NO_CURRENT_VALUE_WHY } from '../../src/diagnostics/explain';
import { contactFacts, lookup, parseLogRecord } from '../../src/diagnostics/log-record';

const catalog = loadCatalog();

/** Everything an explanation would show anywhere, as one string. */
function allText(explanation: Explanation): string {
  return JSON.stringify(explanation);
}

describe('parseLogRecord', () => {
  it('flattens nested JSON into dotted keys, with scalars as strings', () => {
    const record = parseLogRecord(
      JSON.stringify({
        contactId: 12345,
        beta: false,
        email: null,
        additionalParams: { appointment: { status: 'cancelled', types: ['Surgery', 'Consult'] } },
      }),
    );
    expect(record).toMatchObject({
      contactId: '12345',
      beta: 'false',
      email: 'null',
      'additionalParams.appointment.status': 'cancelled',
      'additionalParams.appointment.types.0': 'Surgery',
      'additionalParams.appointment.types': 'Surgery, Consult',
    });
  });

  it('keeps flat dotted keys as they are', () => {
    const record = parseLogRecord('{"additionalParams.appointment.status":"no-show","beta":"true"}');
    expect(record['additionalParams.appointment.status']).toBe('no-show');
    expect(record.beta).toBe('true');
  });

  it('reads a JSON object embedded in a longer log line, and JSON carried as a string', () => {
    const record = parseLogRecord(
      '2026-11-20T10:01:02Z INFO bc-json-logs payload={"pms_appointment_status":"No Show","meta":"{\\"active\\":false}"} took=12ms',
    );
    expect(record.pms_appointment_status).toBe('No Show');
    expect(record['meta.active']).toBe('false');
    expect(record.took).toBe('12ms');
  });

  it('reads key=value and "key: value" lines with quoted values and noise', () => {
    const record = parseLogRecord(
      [
        '2026-11-20T10:01:02Z INFO contact=12345 pms_appointment_status="No Show" source=kibana',
        'provider_name: Cathy, Mary',
        "restrictionReason='Phone or Email should be valid for creating a customer Email: null, Phone: null.'",
        'status=Checked In location=Main Street; beta=true',
      ].join('\n'),
    );
    expect(record).toMatchObject({
      contact: '12345',
      pms_appointment_status: 'No Show',
      source: 'kibana',
      provider_name: 'Cathy, Mary',
      restrictionReason: 'Phone or Email should be valid for creating a customer Email: null, Phone: null.',
      status: 'Checked In',
      location: 'Main Street',
      beta: 'true',
    });
    expect(record).not.toHaveProperty('Email');
  });

  it('returns an empty record for text without fields', () => {
    expect(parseLogRecord('nothing to see here')).toEqual({});
    expect(parseLogRecord('')).toEqual({});
  });
});

describe('lookup', () => {
  const record = {
    'additionalParams.appointment.status': 'fulfilled',
    Beta: 'true',
    'x.appointment.custom.status': 'A',
  };

  it('finds a key exactly, by suffix and in any case', () => {
    expect(lookup(record, 'additionalParams.appointment.status')).toBe('fulfilled');
    expect(lookup(record, 'appointment.status')).toBe('fulfilled');
    expect(lookup(record, 'APPOINTMENT.STATUS')).toBe('fulfilled');
    expect(lookup(record, 'beta')).toBe('true');
    expect(lookup(record, 'custom.status')).toBe('A');
    expect(lookup(record, 'status.missing')).toBeUndefined();
  });
});

describe('contactFacts', () => {
  it('extracts the facts and treats null and empty as absent', () => {
    const facts = contactFacts(
      parseLogRecord(
        '{"pms_appointment_status":"No Show","pms_appointment_provider_name":"Mary Cathy","location_name":"Main",' +
          '"beta":true,"active":"false","email":"null","phone":"","additionalParams":{"appointment":{"types":"Surgery"}}}',
      ),
    );
    expect(facts).toEqual({
      status: 'No Show',
      appointmentType: 'Surgery',
      providerName: 'Mary Cathy',
      location: 'Main',
      beta: true,
      active: false,
      hasEmail: false,
      hasPhone: false,
    });
  });

  it('says which contact details are present', () => {
    expect(contactFacts(parseLogRecord('email=jane@example.com phone=null'))).toEqual({
      hasEmail: true,
      hasPhone: false,
    });
  });
});

describe('explain: allowed-list reasons', () => {
  const noShow = '2026-11-20T10:01:02Z INFO contact=12345 pms_appointment_status="No Show" source=kibana';

  it('compares against the default when the bot has no record, and asks for the current value', () => {
    const result = explain(catalog, { crm: 'carecloud', reason: 'carecloud.status-not-allowed', record: noShow });
    expect(result.meaning).toMatch(/status/);
    expect(result.logKeys).toEqual(['pms_appointment_status']);
    expect(result.controlledBy).toEqual({
      property: 'appointment_status',
      label: 'Appointment status',
      level: 'location',
    });
    expect(result.findings[0]).toContain("appointment status 'No Show' is not in 'Checked-Out, Billed'");
    expect(result.findings[0]).toContain('the default');
    expect(result.fix).toMatchObject({
      kind: 'oneClick',
      action: 'addToList',
      property: 'appointment_status',
      level: 'location',
      needsCurrentValue: true,
    });
    expect(result.fix.kind === 'oneClick' && result.fix.proposedValue).toBeUndefined();
    expect(result.fix.text).toContain(NO_CURRENT_VALUE_WHY);
  });

  it('uses the configured list and proposes it plus the contact’s value, joined as the catalog says', () => {
    const result = explain(catalog, {
      crm: 'carecloud',
      reason: 'carecloud.status-not-allowed',
      record: noShow,
      currentValues: { 'location:appointment_status': 'Checked-Out,Billed, Arrived' },
    });
    expect(result.findings[0]).toContain(
      "appointment status 'No Show' is not in 'Checked-Out, Billed, Arrived' (this business's configured Appointment status)",
    );
    expect(result.fix).toMatchObject({
      kind: 'oneClick',
      action: 'addToList',
      proposedValue: 'Checked-Out, Billed, Arrived, No Show',
      needsCurrentValue: false,
    });
  });

  it('uses Nextech’s comma join without spaces, reading a nested JSON record', () => {
    const result = explain(catalog, {
      crm: 'nextech',
      reason: 'nextech.status-not-allowed',
      record: '{"additionalParams":{"appointment":{"status":"completed"}}}',
      currentValues: { 'group:appointment.status': 'fulfilled' },
    });
    expect(result.findings[0]).toContain("appointment status 'completed' is not in 'fulfilled'");
    expect(result.fix).toMatchObject({ proposedValue: 'fulfilled,completed', level: 'group' });
  });

  it('uses the pipe join for Nextech appointment types, from flat dotted keys', () => {
    const result = explain(catalog, {
      crm: 'nextech',
      reason: 'nextech.type-not-allowed',
      record: '{"additionalParams.appointment.types":"Consult"}',
      currentValues: { 'group:appointment.types': 'procedure|Surgery' },
    });
    expect(result.findings[0]).toContain("appointment types 'Consult' is not in 'procedure, Surgery'");
    expect(result.fix).toMatchObject({ proposedValue: 'procedure|Surgery|Consult', needsCurrentValue: false });
  });

  it('says honestly when the contact’s value IS allowed', () => {
    const result = explain(catalog, {
      crm: 'carecloud',
      reason: 'carecloud.status-not-allowed',
      record: 'pms_appointment_status=Billed',
    });
    expect(result.findings[0]).toContain("appointment status 'Billed' IS among the allowed 'Checked-Out, Billed'");
    expect(result.findings[0]).toMatch(/stale/);
  });

  it('says when the configured list already has the value, and proposes no change', () => {
    const result = explain(catalog, {
      crm: 'carestack',
      reason: 'carestack.status-not-configured',
      record: 'pms_appointment_status: Arrived',
      currentValues: { 'location:carestack.appointment.status': 'Arrived, Scheduled' },
    });
    expect(result.findings[0]).toContain('IS among');
    expect(result.fix.kind === 'oneClick' && result.fix.proposedValue).toBeUndefined();
    expect(result.fix.text).toContain('already');
  });

  it('sends the clinic to the CRM when no setting can fix it (Cloud 9: only Dismissed)', () => {
    const result = explain(catalog, {
      crm: 'cloud9-ortho',
      reason: 'cloud9-ortho.status-not-allowed',
      record: 'pms_appointment_status=Scheduled',
    });
    expect(result.findings[0]).toContain("appointment status 'Scheduled' is not in 'Dismissed'");
    expect(result.fix).toEqual({ kind: 'clinic', text: expect.stringContaining('Dismiss') });
  });

  it('says what to look up when no record is given', () => {
    const result = explain(catalog, { crm: 'nextech', reason: 'nextech.status-not-allowed' });
    expect(result.findings.join(' ')).toContain('additionalParams.appointment.status');
    expect(result.fix).toMatchObject({ action: 'addToList', needsCurrentValue: true });
  });
});

describe('explain: flags, presence and other fixes', () => {
  it('reports beta is true and proposes setBetaFalse', () => {
    const result = explain(catalog, {
      crm: 'cliniko',
      reason: 'cliniko.integration-beta',
      record: 'INFO {"beta":true,"contactId":1} done',
    });
    expect(result.findings).toEqual(['beta is true.']);
    expect(result.fix).toMatchObject({
      kind: 'oneClick',
      action: 'setBetaFalse',
      level: 'location',
      needsCurrentValue: false,
    });
  });

  it('says honestly when the flag does not show the reason', () => {
    const result = explain(catalog, { crm: 'cliniko', reason: 'cliniko.integration-beta', record: 'beta=false' });
    expect(result.findings[0]).toMatch(/beta is false .*stale/);
  });

  it('reports an inactive customer and sends the clinic to the CRM', () => {
    const result = explain(catalog, {
      crm: 'carestack',
      reason: 'carestack.customer-inactive',
      record: 'active: false',
    });
    expect(result.findings).toEqual(['active is false.']);
    expect(result.fix).toEqual({ kind: 'clinic', text: expect.stringContaining('active in Carestack') });
  });

  it('reports a contact with no email and no phone', () => {
    const result = explain(catalog, {
      crm: 'carestack',
      reason: 'carestack.no-contact',
      record: '{"email":null,"phone":""}',
    });
    expect(result.findings).toEqual(['The contact has no email and no phone.']);
    expect(result.fix.kind).toBe('clinic');
  });

  it('does not repeat the contact’s email when it is present', () => {
    const result = explain(catalog, {
      crm: 'carestack',
      reason: 'carestack.no-contact',
      record: 'email=jane@example.com phone=null',
    });
    expect(allText(result)).not.toContain('jane@example.com');
    expect(result.findings[0]).toContain('has email');
  });

  it('proposes setProperty without a value (the bot asks)', () => {
    const result = explain(catalog, {
      crm: 'carecloud',
      reason: 'carecloud.provider-not-allowed',
      record: '{"pms_appointment_provider_name":"Mary Cathy"}',
      currentValues: { 'location:provider_name': 'John Smith' },
    });
    expect(result.findings[0]).toContain("appointment provider name 'Mary Cathy' is not in 'John Smith'");
    expect(result.fix).toMatchObject({
      kind: 'oneClick',
      action: 'setProperty',
      property: 'provider_name',
      label: 'Provider name',
      needsCurrentValue: false,
    });
    expect(result.fix.kind === 'oneClick' && result.fix.proposedValue).toBeUndefined();
  });

  it('reports the observed values for a reason without a check', () => {
    const result = explain(catalog, {
      crm: 'nextech',
      reason: 'nextech.locations-not-found',
      record: 'crm_locations: Dermatology|Oncology',
      currentValues: { 'location:location.name': 'Derm' },
    });
    expect(result.findings).toEqual([
      "crm_locations is 'Dermatology|Oncology'.",
      "This business's configured Nextech location names is 'Derm'.",
    ]);
    expect(result.fix).toMatchObject({ action: 'setProperty', property: 'location.name', level: 'location' });
  });

  it('gives manual instructions where the API offers no way', () => {
    const result = explain(catalog, { crm: 'nextech', reason: 'nextech.custom-status-not-allowed' });
    expect(result.fix).toEqual({ kind: 'manual', text: expect.stringContaining('Custom Appointment Status') });
  });

  it('accepts catalog objects as well as ids', () => {
    const crm = catalog.get('cliniko');
    const reason = crm.reasons[0]!;
    expect(explain(catalog, { crm, reason }).reason.id).toBe(reason.id);
  });
});

describe('explain: secrets never appear', () => {
  const CANARY = 'CANARY-5f3a9c1e-secret-value';

  const scenarios = catalog.crms.flatMap((crm) =>
    crm.reasons.map((reason) => {
      const secretProps = [
        ...crm.groupProperties.filter((p) => p.secret).map((p) => `group:${p.key}`),
        ...crm.locationProperties.filter((p) => p.secret).map((p) => `location:${p.key}`),
      ];
      const currentValues = Object.fromEntries(secretProps.map((key) => [key, CANARY]));
      // Also plant it where a careless explanation might copy it from: secret keys of the log record,
      // next to ordinary values of the reason's log keys.
      const secretKeys = [...catalog.secretKeys(crm)];
      const record = [
        ...secretKeys.map((key) => `${key}=${CANARY}`),
        ...reason.logKeys.map((key) => `${key}=ordinary-value`),
      ].join('\n');
      return [reason.id, crm.id, currentValues, record] as const;
    }),
  );

  it('every CRM has at least one secret property to plant a canary in', () => {
    for (const crm of catalog.crms) {
      const secrets = [...crm.groupProperties, ...crm.locationProperties].filter((p) => p.secret);
      if (crm.auth.kind === 'credentials') expect(secrets.length).toBeGreaterThan(0);
    }
  });

  it.each(scenarios)('%s never shows the canary', (reasonId, crmId, currentValues, record) => {
    const withRecord = explain(catalog, { crm: crmId, reason: reasonId, record, currentValues });
    const withoutRecord = explain(catalog, { crm: crmId, reason: reasonId, currentValues });
    expect(allText(withRecord)).not.toContain(CANARY);
    expect(allText(withoutRecord)).not.toContain(CANARY);
  });

  it('masks a secret even when it turns up as the contact’s value', () => {
    const result = explain(catalog, {
      crm: 'nextech',
      reason: 'nextech.status-not-allowed',
      record: `additionalParams.appointment.status=${CANARY}`,
      currentValues: { 'group:practice.id': CANARY, 'group:appointment.status': 'fulfilled' },
    });
    expect(allText(result)).not.toContain(CANARY);
    expect(result.findings[0]).toContain('••••');
  });
});

describe('explain: facts from the record', () => {
  it('CareCloud provider "Smith, John": the setting must be written "John Smith", and the fix proposes it', () => {
    const result = explain(catalog, {
      reason: 'carecloud.provider-not-allowed',
      crm: 'carecloud',
      record: '{"pms_appointment_provider_name":"Smith, John"}',
    });
    expect(result.findings).toContain(
      "CareCloud writes the provider 'Smith, John' (Last, First); the Provider name setting must be written 'John Smith' (First Last) for this provider's appointments to get review requests.",
    );
    expect(result.fix).toMatchObject({ kind: 'oneClick', action: 'setProperty', proposedValue: 'John Smith' });
  });

  it('CareCloud provider configured as "John Smith" and logged "Smith, John" is the same person', () => {
    const result = explain(catalog, {
      reason: 'carecloud.provider-not-allowed',
      crm: 'carecloud',
      record: 'pms_appointment_provider_name="Smith, John"',
      currentValues: { 'location:provider_name': 'John Smith' },
    });
    expect(result.findings[0]).toContain("'Smith, John' IS among the allowed 'John Smith'");
  });

  it('CareCloud provider configured as "Smith, John": says it must be "John Smith"', () => {
    const result = explain(catalog, {
      reason: 'carecloud.provider-not-allowed',
      crm: 'carecloud',
      record: 'pms_appointment_provider_name="Jones, Ann"',
      currentValues: { 'location:provider_name': 'Smith, John' },
    });
    expect(result.findings).toContain(
      "This business's Provider name is set to 'Smith, John' (Last, First), but CareCloud needs it written First Last: it must be 'John Smith'.",
    );
    expect(result.fix).toMatchObject({ proposedValue: 'John Smith' });
  });

  it("a status is compared with the configured list: 'No Show' is not in 'Checked-Out, Billed'", () => {
    const result = explain(catalog, {
      reason: 'carecloud.status-not-allowed',
      crm: 'carecloud',
      record: { pms_appointment_status: 'No Show' },
      currentValues: { 'location:appointment_status': 'Checked-Out, Billed' },
    });
    expect(result.findings[0]).toBe(
      "appointment status 'No Show' is not in 'Checked-Out, Billed' (this business's configured Appointment status).",
    );
  });
});
