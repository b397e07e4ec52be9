import { type CrmDefinition, loadCatalog, type RestrictionReason } from '../../src/catalog';
import { boundedDamerauLevenshtein, createMatcher, type MatchResult, tokenize } from '../../src/diagnostics/match';

const catalog = loadCatalog();
const matcher = createMatcher(catalog);

/** Swaps two adjacent, different letters in the middle of the longest word: the commonest typo. */
function transposeTypo(text: string): string {
  const words = text.match(/[A-Za-z]{5,}/g) ?? [];
  const longest = [...words].sort((a, b) => b.length - a.length)[0];
  if (!longest) return text;
  const chars = [...longest];
  for (let i = Math.floor(chars.length / 2); i < chars.length - 1; i++) {
    if (chars[i] !== chars[i + 1]) {
      [chars[i], chars[i + 1]] = [chars[i + 1]!, chars[i]!];
      break;
    }
  }
  return text.replace(longest, chars.join(''));
}

/** Drops one letter from the longest word. */
function dropLetterTypo(text: string): string {
  const words = text.match(/[A-Za-z]{6,}/g) ?? [];
  const longest = [...words].sort((a, b) => b.length - a.length)[0];
  if (!longest) return text;
  const at = Math.floor(longest.length / 2);
  return text.replace(longest, longest.slice(0, at) + longest.slice(at + 1));
}

/** What people paste for a reason wording: quoted, re-cased, wrapped in log noise, mistyped. */
function pastes(wording: string): Array<[string, string]> {
  const bare = wording.replace(/[‘’]/g, '');
  return [
    ['exact', wording],
    ['straight-quoted', `"${wording}"`],
    ['single-quoted', `'${bare}'`],
    ['curly-quoted', `“${wording}”`],
    ['upper case', wording.toUpperCase()],
    ['lower case', bare.toLowerCase()],
    ['kibana line', `2026-11-20T10:01:02Z INFO contact=12345 restrictionReason="${wording}" source=kibana`],
    [
      'json line',
      `{"@timestamp":"2026-11-20T10:01:02.123Z","contactId":12345,"restrictionReason":${JSON.stringify(wording)},"level":"info"}`,
    ],
    ['chat message', `hey, a patient didn't get a request, Kibana says: ${wording} - any idea?`],
    ['transposed letters', transposeTypo(wording)],
    ['dropped letter', dropLetterTypo(wording)],
    ['typo in a log line', `restriction_reason: ${transposeTypo(wording)} | businessNumber=1718`],
  ];
}

const cases = catalog.crms.flatMap((crm) =>
  crm.reasons.flatMap((reason) =>
    [reason.text, ...reason.aliases].flatMap((wording) =>
      pastes(wording).map(([style, text]) => ({ crm, reason, style, text })),
    ),
  ),
);

function candidateIds(result: MatchResult): string[] {
  if (result.kind === 'match') return [result.reason.id];
  if (result.kind === 'ambiguous') return result.candidates.map((c) => c.reason.id);
  return [];
}

describe('match: every reason of every CRM, as people paste it', () => {
  it('has at least three paraphrases per reason', () => {
    for (const crm of catalog.crms) {
      for (const reason of crm.reasons) {
        expect(cases.filter((c) => c.reason.id === reason.id).length).toBeGreaterThanOrEqual(3);
      }
    }
  });

  it.each(cases.map((c) => [c.reason.id, c.style, c.text, c.crm, c.reason] as const))(
    '%s (%s) with the CRM given: %s',
    (_id, _style, text, crm: CrmDefinition, reason: RestrictionReason) => {
      const result = matcher.match(text, { crmId: crm.id });
      expect(result.kind).toBe('match');
      if (result.kind !== 'match') return;
      expect(result.reason.id).toBe(reason.id);
      expect(result.crm.id).toBe(crm.id);
      expect(result.score).toBeGreaterThan(0);
    },
  );

  it.each(cases.map((c) => [c.reason.id, c.style, c.text, c.reason] as const))(
    '%s (%s) without the CRM: the reason or ambiguous candidates including it: %s',
    (_id, _style, text, reason: RestrictionReason) => {
      const result = matcher.match(text);
      expect(['match', 'ambiguous']).toContain(result.kind);
      expect(candidateIds(result)).toContain(reason.id);
    },
  );
});

describe('match: a known CRM limits the answer to its own reasons', () => {
  const others = catalog.crms.flatMap((crm) =>
    catalog.crms
      .filter((other) => other.id !== crm.id)
      .flatMap((other) => other.reasons.flatMap((r) => pastes(r.text).map(([, text]) => [crm.id, text] as const))),
  );

  it.each(others)('%s never gets another CRM’s reason for: %s', (crmId, text) => {
    const result = matcher.match(text, { crmId });
    if (result.kind === 'match') expect(result.crm.id).toBe(crmId);
    if (result.kind === 'ambiguous') for (const c of result.candidates) expect(c.crm.id).toBe(crmId);
    if (result.kind === 'none') {
      expect(result.knownReasons.map((r) => r.reason.id)).toEqual(catalog.get(crmId).reasons.map((r) => r.id));
    }
  });

  it('accepts the CRM by display name or alias', () => {
    const result = matcher.match('Integration is beta', { crmId: 'Cloud 9 Ortho' });
    expect(result.kind === 'match' && result.reason.id).toBe('cloud9-ortho.integration-beta');
  });

  it('throws for a CRM the catalog does not know', () => {
    expect(() => matcher.match('Integration is beta', { crmId: 'no-such-crm' })).toThrow(/Unknown CRM/);
  });
});

describe('match: shared and close wordings', () => {
  it('reports a text several CRMs share as ambiguous, one candidate per CRM that has the reason', () => {
    const result = matcher.match('Integration is beta');
    expect(result.kind).toBe('ambiguous');
    if (result.kind !== 'ambiguous') return;
    const crms = result.candidates.map((c) => c.crm.id).sort();
    // Not every CRM need have a beta reason: the ones whose fix is "set beta false" do.
    const withBeta = catalog.crms.filter((c) => c.reasons.some((r) => r.fix.kind === 'setBetaFalse'));
    expect(withBeta.map((c) => c.id)).toEqual(
      expect.arrayContaining(['carecloud', 'carestack', 'cliniko', 'cloud9-ortho', 'nextech']),
    );
    expect(crms).toEqual(withBeta.map((c) => c.id).sort());
  });

  it('reports "Appointment status is not in the allowed list" as CareCloud, Cloud 9 or Nextech', () => {
    const result = matcher.match('Appointment status is not in the allowed list');
    expect(result.kind).toBe('ambiguous');
    expect(candidateIds(result).sort()).toEqual([
      'carecloud.status-not-allowed',
      'cloud9-ortho.status-not-allowed',
      'nextech.status-not-allowed',
    ]);
  });

  it.each([
    ['‘Appointment status’ is not in the allowed list', 'nextech.status-not-allowed'],
    ['‘Custom Appointment Status’ is not in the allowed list', 'nextech.custom-status-not-allowed'],
    ['‘Appointment type’ is not in the allowed list', 'nextech.type-not-allowed'],
    ['custom appointment status is not in the allowed list', 'nextech.custom-status-not-allowed'],
    ['Appointment tpye is not in the allowed list', 'nextech.type-not-allowed'],
  ])('tells Nextech’s close reasons apart: %s', (text, id) => {
    const result = matcher.match(text, { crmId: 'nextech' });
    expect(result.kind === 'match' && result.reason.id).toBe(id);
  });

  it('finds Custom Appointment Status even without the CRM (no other CRM has it)', () => {
    const result = matcher.match('Custom Appointment Status is not in the allowed list');
    expect(result.kind === 'match' && result.reason.id).toBe('nextech.custom-status-not-allowed');
  });

  it.each(['Customer is inactive.', 'The customer is inactive', 'customer is inactive'])(
    'reports "%s" as Carestack or Cliniko when the CRM is unknown',
    (text) => {
      const result = matcher.match(text);
      expect(result.kind).toBe('ambiguous');
      expect(candidateIds(result).sort()).toEqual(['carestack.customer-inactive', 'cliniko.customer-inactive']);
    },
  );

  it('does not give CareCloud’s status reason for an appointment type', () => {
    expect(matcher.match('Appointment type is not in the allowed list', { crmId: 'carecloud' }).kind).toBe('none');
  });

  it('prefers the restrictionReason field over other fields of the log line', () => {
    const line =
      '2026-11-20T10:01:02Z INFO contact=12345 pms_appointment_status=Scheduled email=null phone=null ' +
      'restrictionReason="The patient did not arrive for an appointment." source=kibana';
    const result = matcher.match(line, { crmId: 'cliniko' });
    expect(result.kind === 'match' && result.reason.id).toBe('cliniko.did-not-arrive');
  });

  it('reads JSON-escaped curly quotes in a pasted JSON log line', () => {
    const line = '{"restrictionReason":"\\u2018Appointment type\\u2019 is not in the allowed list","beta":false}';
    const result = matcher.match(line);
    expect(result.kind === 'match' && result.reason.id).toBe('nextech.type-not-allowed');
  });
});

describe('match: shorthand and dropped words', () => {
  it.each([
    ['cust inactive', 'carestack', 'carestack.customer-inactive'],
    ['cust appt status not allowed', 'nextech', 'nextech.custom-status-not-allowed'],
    ['appt stat not in allowed list', 'nextech', 'nextech.status-not-allowed'],
    ['locs dont exist', 'nextech', 'nextech.locations-not-found'],
    ["configured locations don't exist", 'nextech', 'nextech.locations-not-found'],
    ['status not configured', 'carestack', 'carestack.status-not-configured'],
    ['integ is bta', 'carestack', 'carestack.integration-beta'],
    ['prov not allowed', 'carecloud', 'carecloud.provider-not-allowed'],
    ['pt dna', 'cliniko', 'cliniko.did-not-arrive'],
    ['appt statuses not on the allowed list', 'carecloud', 'carecloud.status-not-allowed'],
  ])('%s (%s) → %s', (text, crmId, id) => {
    const result = matcher.match(text, { crmId });
    expect(result.kind === 'match' && result.reason.id).toBe(id);
  });

  it.each([
    ['patient did not get a request', 'cliniko'],
    ["pt didn't get a review request", 'cliniko'],
    ['status?', 'carestack'],
    ['appointment', 'nextech'],
  ])('%s (%s) is none: a missing key word is not made up by the others', (text, crmId) => {
    expect(matcher.match(text, { crmId }).kind).toBe('none');
  });

  it('does not take a shortened wording when another CRM has the full one', () => {
    // Carestack's status reason shares "appointment status", but the text is the others' wording.
    expect(matcher.match('appointment status is not in the allowed list', { crmId: 'carestack' }).kind).toBe('none');
  });

  it('says when a reason outside the scope fits the text more specifically', () => {
    const result = matcher.match('custom appointment status is not in the allowed list', { crmId: 'carecloud' });
    expect(result.kind).toBe('match');
    if (result.kind !== 'match') return;
    expect(result.reason.id).toBe('carecloud.status-not-allowed');
    expect(result.moreSpecificElsewhere?.map((c) => c.reason.id)).toEqual(['nextech.custom-status-not-allowed']);
    const plain = matcher.match('appointment status is not on the allowed list', { crmId: 'carecloud' });
    expect(plain.kind === 'match' && plain.moreSpecificElsewhere).toBeUndefined();
  });
});

describe('match: nonsense', () => {
  let seed = 42;
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  const randomString = (length: number) =>
    Array.from({ length }, () => 'abcdefghijklmnopqrstuvwxyz     0123456789'.charAt(Math.floor(random() * 41))).join(
      '',
    );
  const nonsense = [
    'hello world',
    'printer on fire',
    '',
    '   ',
    'beta',
    'is not in the',
    '2026-11-20T10:01:02Z INFO contact=12345 source=kibana',
    '{"contactId":12345,"level":"info"}',
    ...Array.from({ length: 20 }, (_, i) => randomString(10 + i * 7)),
  ];

  it.each(nonsense)('"%s" is none, listing the CRM’s known reasons', (text) => {
    for (const crm of catalog.crms) {
      const result = matcher.match(text, { crmId: crm.id });
      expect(result.kind).toBe('none');
      if (result.kind === 'none') {
        expect(result.knownReasons.map((r) => r.reason.id)).toEqual(crm.reasons.map((r) => r.id));
        for (const known of result.knownReasons) expect(known.crm.id).toBe(crm.id);
      }
    }
    const any = matcher.match(text);
    expect(any.kind).toBe('none');
    if (any.kind === 'none') expect(any.knownReasons).toHaveLength(catalog.crms.flatMap((c) => c.reasons).length);
  });
});

describe('match: speed and limits', () => {
  it('matches a very long paste quickly, reading only its start', () => {
    const long = `Integration is beta ${'noise '.repeat(50_000)}`;
    const started = process.hrtime.bigint();
    const result = matcher.match(long, { crmId: 'cliniko' });
    const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
    expect(result.kind === 'match' && result.reason.id).toBe('cliniko.integration-beta');
    expect(elapsedMs).toBeLessThan(50);
  });
});

describe('match helpers', () => {
  it('tokenizes quotes, JSON and case away', () => {
    expect(tokenize('“‘Appointment Status’ IS not”, {"a":1}')).toEqual([
      'appointment',
      'status',
      'is',
      'not',
      'a',
      '1',
    ]);
  });

  it.each([
    ['status', 'stauts', 1, 1],
    ['status', 'status', 1, 0],
    ['appointment', 'apointmnet', 2, 2],
    ['beta', 'data', 1, 2],
    ['inactive', 'active', 2, 2],
  ])('distance(%s, %s) bounded by %i is %i', (a, b, max, expected) => {
    expect(boundedDamerauLevenshtein(a, b, max)).toBe(expected);
  });
});
