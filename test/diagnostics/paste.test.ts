import { loadCatalog } from '../../src/catalog';
import { createDiagnosisCore, decide, readPaste } from '../../src/diagnostics/diagnosis';
import { parseLenientJson } from '../../src/diagnostics/lenient-json';
import { businessNumberOf, parseLogRecords, readLogRecords } from '../../src/diagnostics/log-record';
import { resolveCrm } from '../../src/diagnostics/resolve';
import { slackPlainText, splitReasonAndRecord } from '../../src/diagnostics/split';

const catalog = loadCatalog();
const core = createDiagnosisCore(catalog);
const BUSINESS = '170000000000011';

describe('splitReasonAndRecord', () => {
  it('keeps a reason that starts with a CRM name and a colon as reason', () => {
    expect(splitReasonAndRecord("Nextech: 'Appointment status' is not in the allowed list")).toEqual({
      reasonText: "Nextech: 'Appointment status' is not in the allowed list",
      recordText: '',
    });
  });

  it('keeps the Carestack reason with "Email: null, Phone: null." in it as reason', () => {
    const text = 'Phone or Email should be valid for creating a customer Email: null, Phone: null.';
    expect(splitReasonAndRecord(text)).toEqual({ reasonText: text, recordText: '' });
  });

  it('takes JSON embedded in a sentence out as record', () => {
    expect(splitReasonAndRecord('c9 beta again? {"beta":true,"businessNumber":170000000000011} thanks')).toEqual({
      reasonText: 'c9 beta again? \n thanks'
        .split('\n')
        .map((l) => l.trim())
        .join('\n'),
      recordText: '{"beta":true,"businessNumber":170000000000011}',
    });
  });

  it('reads Kibana table rows, key=value log lines and field: value lines as record', () => {
    const { reasonText, recordText } = splitReasonAndRecord(
      [
        'patient got nothing, kibana below',
        '@timestamp\tNov 20, 2026 @ 10:01:02.123',
        't\tpms_appointment_status\tNo Show',
        '2026-11-20T10:01:02Z INFO contact=12345 source=CARESTACK',
        'beta: false',
        'provider_name: Smith, John',
      ].join('\n'),
    );
    expect(reasonText).toBe('patient got nothing, kibana below');
    expect(recordText.split('\n')).toEqual([
      '@timestamp\tNov 20, 2026 @ 10:01:02.123',
      't\tpms_appointment_status\tNo Show',
      '2026-11-20T10:01:02Z INFO contact=12345 source=CARESTACK',
      'beta: false',
      'provider_name: Smith, John',
    ]);
  });

  it('takes a single key=value out of a sentence', () => {
    expect(splitReasonAndRecord('carestack appt status not configured, pms_appointment_status="No Show" pls')).toEqual({
      reasonText: 'carestack appt status not configured, pls',
      recordText: 'pms_appointment_status="No Show"',
    });
  });

  it('reads Slack markup back to what was typed', () => {
    expect(slackPlainText('<@U123> &gt; quoted &amp; <mailto:a@b.co|a@b.co> ```{"a":1}```')).toBe(
      'quoted & a@b.co \n{"a":1}\n',
    );
  });
});

describe('log records as pasted', () => {
  it("unwraps Kibana's JSON view (_source) and drops its metadata", () => {
    const record = readLogRecords(
      '{"_index":"bc-json-logs-2026.11.20","_id":"aB3","_score":null,"_source":{"beta":true,"businessNumber":170000000000011}}',
    ).record;
    expect(record).toEqual({ beta: 'true', businessNumber: BUSINESS });
  });

  it('reads a search response, several records, newest by timestamp', () => {
    const pasted = readLogRecords(
      JSON.stringify({
        hits: {
          hits: [
            { _source: { '@timestamp': '2026-11-19T09:00:00Z', pms_appointment_status: 'Scheduled' } },
            { _source: { '@timestamp': '2026-11-20T09:00:00Z', pms_appointment_status: 'No Show' } },
          ],
        },
      }),
    );
    expect(pasted).toEqual({
      record: { '@timestamp': '2026-11-20T09:00:00Z', pms_appointment_status: 'No Show' },
      count: 2,
      newestAt: '2026-11-20T09:00:00Z',
    });
  });

  it('several records without timestamps: the first, as Kibana lists newest first', () => {
    const pasted = readLogRecords('{"status":"No Show","beta":false}\n{"status":"Scheduled","beta":true}');
    expect(pasted).toEqual({ record: { status: 'No Show', beta: 'false' }, count: 2 });
  });

  it('several Kibana table copies: a repeated field starts the next record', () => {
    const records = parseLogRecords(
      '@timestamp\tNov 20, 2026 @ 10:01:02.123\nactive\tfalse\n@timestamp\tNov 19, 2026 @ 08:00:00.000\nactive\ttrue',
    );
    expect(records).toEqual([
      { '@timestamp': 'Nov 20, 2026 @ 10:01:02.123', active: 'false' },
      { '@timestamp': 'Nov 19, 2026 @ 08:00:00.000', active: 'true' },
    ]);
    expect(
      readLogRecords(
        '@timestamp\tNov 19, 2026 @ 08:00:00.000\nactive\ttrue\n@timestamp\tNov 20, 2026 @ 10:01:02.123\nactive\tfalse',
      ).record.active,
    ).toBe('false');
  });

  it('pieces with different fields are one record', () => {
    expect(readLogRecords('payload={"pms_appointment_status":"No Show"} took=12ms\nbeta: false')).toEqual({
      record: { pms_appointment_status: 'No Show', took: '12ms', beta: 'false' },
      count: 1,
    });
  });

  it('reads truncated JSON: complete members kept, the cut value dropped', () => {
    const record = readLogRecords(
      '{"businessNumber":170000000000011,"additionalParams":{"appointment":{"status":"completed","types":["Surgery","Cons',
    ).record;
    expect(record).toEqual({
      businessNumber: BUSINESS,
      'additionalParams.appointment.status': 'completed',
      'additionalParams.appointment.types.0': 'Surgery',
      'additionalParams.appointment.types': 'Surgery',
    });
  });

  it('reads curly-quoted JSON (Slack smart quotes) and trailing commas', () => {
    expect(readLogRecords('{“beta”: true, “source”: “CLOUD9”,}').record).toEqual({ beta: 'true', source: 'CLOUD9' });
  });

  it('does not take braces in prose for a record', () => {
    expect(readLogRecords('the {name} field is empty').record).toEqual({});
    expect(parseLenientJson('{name}', 0)).toBeUndefined();
  });

  it('finds the 15-digit business number under the keys logs use', () => {
    expect(businessNumberOf({ 'payload.businessNumber': BUSINESS })).toBe(BUSINESS);
    expect(businessNumberOf({ business_id: BUSINESS })).toBe(BUSINESS);
    expect(businessNumberOf({ businessNumber: '1718' })).toBeUndefined();
  });
});

describe('resolveCrm: select > group > text > record', () => {
  const [carecloud, carestack, cliniko, cloud9, nextech] = [
    'carecloud',
    'carestack',
    'cliniko',
    'cloud9-ortho',
    'nextech',
  ].map((id) => catalog.get(id)) as [
    ReturnType<typeof catalog.get>,
    ReturnType<typeof catalog.get>,
    ReturnType<typeof catalog.get>,
    ReturnType<typeof catalog.get>,
    ReturnType<typeof catalog.get>,
  ];

  it('a group of two CRMs is narrowed by the text', () => {
    const decision = resolveCrm(catalog.crms, [
      { source: 'group', crms: [carestack, nextech], said: 'business has Carestack and Nextech groups' },
      { source: 'text', crms: [nextech], said: 'the text says “nextech”' },
    ]);
    expect(decision).toMatchObject({ kind: 'decided', crm: nextech, by: { source: 'text' } });
  });

  it('sources that disagree: asks, saying which said what', () => {
    expect(
      resolveCrm(catalog.crms, [
        { source: 'text', crms: [cliniko], said: 'the text says “cliniko”' },
        { source: 'record', crms: [carecloud], said: "the record's source CARECLOUD" },
      ]),
    ).toEqual({
      kind: 'disagree',
      candidates: [carecloud, cliniko],
      why: "the text says “cliniko”, but the record's source CARECLOUD",
    });
  });

  it('nothing said: every CRM is a candidate', () => {
    const decision = resolveCrm(catalog.crms, []);
    expect(decision.kind).toBe('open');
    expect(decision.kind === 'open' && decision.candidates).toEqual(catalog.crms);
    expect(catalog.crms).toEqual(expect.arrayContaining([carecloud, carestack, cliniko, cloud9, nextech]));
  });
});

describe('decide: right CRM and reason first time', () => {
  const diagnose = (text: string, record = '') => decide(core, readPaste(core, text, record));

  it('the issue’s example: Nextech named in the text', () => {
    expect(diagnose("Nextech: 'Appointment status' is not in the allowed list")).toMatchObject({
      kind: 'match',
      crm: { id: 'nextech' },
      reason: { id: 'nextech.status-not-allowed' },
      crmBy: 'the text says “nextech” (Nextech)',
    });
  });

  it('a record pasted as the reason: the restrictionReason in it, the CRM from its source', () => {
    const reading = readPaste(
      core,
      `{"businessNumber":${BUSINESS},"integrationSourceId":34,"restrictionReason":"Integration is beta","beta":true}`,
    );
    expect(reading).toMatchObject({ reasonText: '', businessNumber: BUSINESS, businessFrom: 'record' });
    expect(decide(core, reading)).toMatchObject({ kind: 'match', reason: { id: 'cloud9-ortho.integration-beta' } });
  });

  it('the group decides over the text when the text is vague', () => {
    const reading = readPaste(core, 'integration is beta');
    expect(
      decide(core, reading, { groups: { businessNumber: BUSINESS, crms: [catalog.get('cliniko')] } }),
    ).toMatchObject({
      kind: 'match',
      reason: { id: 'cliniko.integration-beta' },
      crmBy: `business ${BUSINESS}'s integration group is Cliniko`,
    });
  });

  it('the select and the text disagree: asks, and says why', () => {
    const result = decide(core, readPaste(core, 'carestack: integration is beta'), {
      selected: catalog.get('nextech'),
    });
    expect(result).toMatchObject({
      kind: 'ambiguous',
      why: 'Nextech was chosen, but the text says “carestack” (Carestack).',
    });
    expect(result.kind === 'ambiguous' && result.candidates.map((c) => c.reason.id)).toEqual([
      'carestack.integration-beta',
      'nextech.integration-beta',
    ]);
  });

  it('nothing decides: lists the candidates and says what would decide', () => {
    const result = decide(core, readPaste(core, 'customer is inactive'));
    expect(result.kind).toBe('ambiguous');
    if (result.kind !== 'ambiguous') return;
    expect(result.candidates.map((c) => c.crm.id)).toEqual(['carestack', 'cliniko']);
    expect(result.why).toContain(
      'Carestack and Cliniko both have a reason worded like this, and nothing says which CRM',
    );
    expect(result.why).toContain('name it in the text');
  });

  it('a reason only one CRM has needs no CRM', () => {
    expect(diagnose('custom appt status not in allowed list')).toMatchObject({
      kind: 'match',
      reason: { id: 'nextech.custom-status-not-allowed' },
      crmBy: 'only Nextech has this reason',
    });
  });

  it('a business number in the text is read when the record has none', () => {
    expect(readPaste(core, `biz id ${BUSINESS} says integration is beta`)).toMatchObject({
      businessNumber: BUSINESS,
      businessFrom: 'text',
    });
  });
});

describe('decide: a CRM named with another CRM’s reason', () => {
  it('asks, naming both, rather than saying no reason matches', () => {
    const result = decide(core, readPaste(core, 'cliniko: provider name is not in the allowed list'));
    expect(result).toEqual({
      kind: 'ambiguous',
      candidates: [{ crm: catalog.get('carecloud'), reason: catalog.get('carecloud').reasons[0] }],
      why: 'The text says “cliniko” (Cliniko), but no reason of that CRM matches the text; CareCloud has one that does.',
    });
  });

  it('a chosen CRM with nonsense still says no reason matches, for that CRM', () => {
    expect(
      decide(core, readPaste(core, 'flux capacitor overheated'), { selected: catalog.get('cliniko') }),
    ).toMatchObject({
      kind: 'none',
      crm: { id: 'cliniko' },
    });
  });
});
