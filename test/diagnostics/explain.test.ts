import { loadCatalog } from '../../src/catalog';
import {
  type ExplainInput,
  type Explanation,
  explain,
  type FixProposal,
  NO_CURRENT_VALUE_WHY,
} from '../../src/diagnostics/explain';
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

/**
 * An explanation of one input, and what it must say. A string in `firstFinding` is contained in the
 * first finding, a RegExp matches it.
 */
type ExplainCase = {
  title: string;
  input: ExplainInput;
  firstFinding?: Array<string | RegExp>;
  /** The first finding, exactly. */
  firstFindingIs?: string;
  /** All findings, exactly. */
  findings?: string[];
  /** One of the findings, exactly. */
  findingsInclude?: string;
  /** Contained in the findings joined with spaces. */
  findingsMention?: string;
  /** The fix has these fields. */
  fix?: Record<string, unknown>;
  /** The fix, exactly. */
  fixIs?: FixProposal;
  /** The fix proposes no value. */
  noProposal?: true;
  /** Contained in the fix's text. */
  fixText?: string;
  /** Shown nowhere in the explanation. */
  hides?: string;
};

function expectExplained(c: ExplainCase): void {
  const result = explain(catalog, c.input);
  for (const expected of c.firstFinding ?? []) {
    if (typeof expected === 'string') expect(result.findings[0]).toContain(expected);
    else expect(result.findings[0]).toMatch(expected);
  }
  if (c.firstFindingIs !== undefined) expect(result.findings[0]).toBe(c.firstFindingIs);
  if (c.findings) expect(result.findings).toEqual(c.findings);
  if (c.findingsInclude !== undefined) expect(result.findings).toContain(c.findingsInclude);
  if (c.findingsMention !== undefined) expect(result.findings.join(' ')).toContain(c.findingsMention);
  if (c.fix) expect(result.fix).toMatchObject(c.fix);
  if (c.fixIs) expect(result.fix).toEqual(c.fixIs);
  if (c.noProposal) expect(result.fix.kind === 'oneClick' && result.fix.proposedValue).toBeUndefined();
  if (c.fixText !== undefined) expect(result.fix.text).toContain(c.fixText);
  if (c.hides !== undefined) expect(allText(result)).not.toContain(c.hides);
}

const NO_SHOW = '2026-11-20T10:01:02Z INFO contact=12345 pms_appointment_status="No Show" source=kibana';

const ALLOWED_LIST: ExplainCase[] = [
  {
    title: 'uses the configured list and proposes it plus the contact’s value, joined as the catalog says',
    input: {
      crm: 'carecloud',
      reason: 'carecloud.status-not-allowed',
      record: NO_SHOW,
      currentValues: { 'location:appointment_status': 'Checked-Out,Billed, Arrived' },
    },
    firstFinding: [
      "appointment status 'No Show' is not in 'Checked-Out, Billed, Arrived' (this business's configured Appointment status)",
    ],
    fix: {
      kind: 'oneClick',
      action: 'addToList',
      proposedValue: 'Checked-Out, Billed, Arrived, No Show',
      needsCurrentValue: false,
    },
  },
  {
    title: 'uses Nextech’s comma join without spaces, reading a nested JSON record',
    input: {
      crm: 'nextech',
      reason: 'nextech.status-not-allowed',
      record: '{"additionalParams":{"appointment":{"status":"completed"}}}',
      currentValues: { 'group:appointment.status': 'fulfilled' },
    },
    firstFinding: ["appointment status 'completed' is not in 'fulfilled'"],
    fix: { proposedValue: 'fulfilled,completed', level: 'group' },
  },
  {
    title: 'uses the pipe join for Nextech appointment types, from flat dotted keys',
    input: {
      crm: 'nextech',
      reason: 'nextech.type-not-allowed',
      record: '{"additionalParams.appointment.types":"Consult"}',
      currentValues: { 'group:appointment.types': 'procedure|Surgery' },
    },
    firstFinding: ["appointment types 'Consult' is not in 'procedure, Surgery'"],
    fix: { proposedValue: 'procedure|Surgery|Consult', needsCurrentValue: false },
  },
  {
    title: 'says honestly when the contact’s value IS allowed',
    input: { crm: 'carecloud', reason: 'carecloud.status-not-allowed', record: 'pms_appointment_status=Billed' },
    firstFinding: ["appointment status 'Billed' IS among the allowed 'Checked-Out, Billed'", /stale/],
  },
  {
    title: 'says when the configured list already has the value, and proposes no change',
    input: {
      crm: 'carestack',
      reason: 'carestack.status-not-configured',
      record: 'pms_appointment_status: Arrived',
      currentValues: { 'location:carestack.appointment.status': 'Arrived, Scheduled' },
    },
    firstFinding: ['IS among'],
    noProposal: true,
    fixText: 'already',
  },
  {
    title: 'sends the clinic to the CRM when no setting can fix it (Cloud 9: only Dismissed)',
    input: {
      crm: 'cloud9-ortho',
      reason: 'cloud9-ortho.status-not-allowed',
      record: 'pms_appointment_status=Scheduled',
    },
    firstFinding: ["appointment status 'Scheduled' is not in 'Dismissed'"],
    fixIs: { kind: 'clinic', text: expect.stringContaining('Dismiss') },
  },
  {
    title: 'says what to look up when no record is given',
    input: { crm: 'nextech', reason: 'nextech.status-not-allowed' },
    findingsMention: 'additionalParams.appointment.status',
    fix: { action: 'addToList', needsCurrentValue: true },
  },
];

describe('explain: allowed-list reasons', () => {
  it('compares against the default when the bot has no record, and asks for the current value', () => {
    const result = explain(catalog, { crm: 'carecloud', reason: 'carecloud.status-not-allowed', record: NO_SHOW });
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

  it.each(ALLOWED_LIST)('$title', expectExplained);
});

const FLAGS_AND_OTHER_FIXES: ExplainCase[] = [
  {
    title: 'reports beta is true and proposes setBetaFalse',
    input: { crm: 'cliniko', reason: 'cliniko.integration-beta', record: 'INFO {"beta":true,"contactId":1} done' },
    findings: ['beta is true.'],
    fix: { kind: 'oneClick', action: 'setBetaFalse', level: 'location', needsCurrentValue: false },
  },
  {
    title: 'says honestly when the flag does not show the reason',
    input: { crm: 'cliniko', reason: 'cliniko.integration-beta', record: 'beta=false' },
    firstFinding: [/beta is false .*stale/],
  },
  {
    title: 'reports an inactive customer and sends the clinic to the CRM',
    input: { crm: 'carestack', reason: 'carestack.customer-inactive', record: 'active: false' },
    findings: ['active is false.'],
    fixIs: { kind: 'clinic', text: expect.stringContaining('active in Carestack') },
  },
  {
    title: 'reports a contact with no email and no phone',
    input: { crm: 'carestack', reason: 'carestack.no-contact', record: '{"email":null,"phone":""}' },
    findings: ['The contact has no email and no phone.'],
    fix: { kind: 'clinic' },
  },
  {
    title: 'does not repeat the contact’s email when it is present',
    input: { crm: 'carestack', reason: 'carestack.no-contact', record: 'email=jane@example.com phone=null' },
    hides: 'jane@example.com',
    firstFinding: ['has email'],
  },
  {
    title: 'proposes setProperty without a value (the bot asks)',
    input: {
      crm: 'carecloud',
      reason: 'carecloud.provider-not-allowed',
      record: '{"pms_appointment_provider_name":"Mary Cathy"}',
      currentValues: { 'location:provider_name': 'John Smith' },
    },
    firstFinding: ["appointment provider name 'Mary Cathy' is not in 'John Smith'"],
    fix: {
      kind: 'oneClick',
      action: 'setProperty',
      property: 'provider_name',
      label: 'Provider name',
      needsCurrentValue: false,
    },
    noProposal: true,
  },
  {
    title: 'reports the observed values for a reason without a check',
    input: {
      crm: 'nextech',
      reason: 'nextech.locations-not-found',
      record: 'crm_locations: Dermatology|Oncology',
      currentValues: { 'location:location.name': 'Derm' },
    },
    findings: [
      "crm_locations is 'Dermatology|Oncology'.",
      "This business's configured Nextech location names is 'Derm'.",
    ],
    fix: { action: 'setProperty', property: 'location.name', level: 'location' },
  },
  {
    title: 'gives manual instructions where the API offers no way',
    input: { crm: 'nextech', reason: 'nextech.custom-status-not-allowed' },
    fixIs: { kind: 'manual', text: expect.stringContaining('Custom Appointment Status') },
  },
];

describe('explain: flags, presence and other fixes', () => {
  it.each(FLAGS_AND_OTHER_FIXES)('$title', expectExplained);

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

const FACTS_FROM_THE_RECORD: ExplainCase[] = [
  {
    title: 'CareCloud provider "Smith, John": the setting must be written "John Smith", and the fix proposes it',
    input: {
      reason: 'carecloud.provider-not-allowed',
      crm: 'carecloud',
      record: '{"pms_appointment_provider_name":"Smith, John"}',
    },
    findingsInclude:
      "CareCloud writes the provider 'Smith, John' (Last, First); the Provider name setting must be written 'John Smith' (First Last) for this provider's appointments to get review requests.",
    fix: { kind: 'oneClick', action: 'setProperty', proposedValue: 'John Smith' },
  },
  {
    title: 'CareCloud provider configured as "John Smith" and logged "Smith, John" is the same person',
    input: {
      reason: 'carecloud.provider-not-allowed',
      crm: 'carecloud',
      record: 'pms_appointment_provider_name="Smith, John"',
      currentValues: { 'location:provider_name': 'John Smith' },
    },
    firstFinding: ["'Smith, John' IS among the allowed 'John Smith'"],
  },
  {
    title: 'CareCloud provider configured as "Smith, John": says it must be "John Smith"',
    input: {
      reason: 'carecloud.provider-not-allowed',
      crm: 'carecloud',
      record: 'pms_appointment_provider_name="Jones, Ann"',
      currentValues: { 'location:provider_name': 'Smith, John' },
    },
    findingsInclude:
      "This business's Provider name is set to 'Smith, John' (Last, First), but CareCloud needs it written First Last: it must be 'John Smith'.",
    fix: { proposedValue: 'John Smith' },
  },
  {
    title: "a status is compared with the configured list: 'No Show' is not in 'Checked-Out, Billed'",
    input: {
      reason: 'carecloud.status-not-allowed',
      crm: 'carecloud',
      record: { pms_appointment_status: 'No Show' },
      currentValues: { 'location:appointment_status': 'Checked-Out, Billed' },
    },
    firstFindingIs:
      "appointment status 'No Show' is not in 'Checked-Out, Billed' (this business's configured Appointment status).",
  },
];

describe('explain: facts from the record', () => {
  it.each(FACTS_FROM_THE_RECORD)('$title', expectExplained);
});
