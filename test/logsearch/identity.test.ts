import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config';
import { DEFAULT_LOG_FIELDS } from '../../src/logsearch/fields';
import { detectContact, parseContactArgs, phoneDigits } from '../../src/logsearch/identity';
import { maskEmail, maskName, maskPhone, maskText } from '../../src/logsearch/mask';

const BUSINESS = '170000000000011';
const base = { SLACK_BOT_TOKEN: 'xoxb-test-not-a-real-token', SLACK_SIGNING_SECRET: 'test-signing-secret-not-real' };

describe('contact identity', () => {
  it.each([
    ['jane@example.com', { identity: { kind: 'email', email: 'jane@example.com' } }],
    [
      `jane@example.com ${BUSINESS}`,
      { identity: { kind: 'email', email: 'jane@example.com' }, businessNumber: BUSINESS },
    ],
    ['(555) 123-4567', { identity: { kind: 'phone', typed: '(555) 123-4567', digits: '5551234567' } }],
    ['+1 555 123 4567', { identity: { kind: 'phone', typed: '+1 555 123 4567', digits: '5551234567' } }],
    ['555.123.4567', { identity: { kind: 'phone', typed: '555.123.4567', digits: '5551234567' } }],
    ['+44 20 7946 0958', { identity: { kind: 'phone', typed: '+44 20 7946 0958', digits: '442079460958' } }],
    [`Jane Doe ${BUSINESS}`, { identity: { kind: 'name', name: 'Jane Doe' }, businessNumber: BUSINESS }],
  ])('/crm contact %s', (text, query) => {
    expect(parseContactArgs(text)).toEqual({ ok: true, query });
  });

  it('refuses what is not a contact, and a name without a business ID', () => {
    expect(parseContactArgs('')).toMatchObject({ ok: false, message: expect.stringContaining('Say whom to look for') });
    expect(parseContactArgs(BUSINESS)).toMatchObject({ ok: false, message: expect.stringContaining('business ID') });
    expect(parseContactArgs('Jane Doe')).toMatchObject({ ok: false, message: expect.stringContaining('namesakes') });
    expect(parseContactArgs('12345')).toMatchObject({ ok: false, message: expect.stringContaining('not an email') });
  });

  it('finds a contact inside free text, and nothing where there is none', () => {
    expect(detectContact("why didn't jane@example.com get a review request?")?.identity).toEqual({
      kind: 'email',
      email: 'jane@example.com',
    });
    expect(detectContact(`Why did Jane Doe at ${BUSINESS} not get one?`)).toEqual({
      identity: { kind: 'name', name: 'Jane Doe' },
      businessNumber: BUSINESS,
    });
    // A name alone, a business number alone, dates and reason texts are not contacts.
    expect(detectContact('Why did Jane Doe not get one?')).toBeUndefined();
    expect(detectContact(`status of ${BUSINESS}`)).toBeUndefined();
    expect(detectContact('Appointment status is not on the allowed list since 2026-11-30 14:02')).toBeUndefined();
    expect(detectContact(`Integration Is Beta for ${BUSINESS}`)).toBeUndefined();
  });

  it('phone digits drop a North American country code', () => {
    expect(phoneDigits('1-555-123-4567')).toBe('5551234567');
    expect(phoneDigits('+44 20 7946 0958')).toBe('442079460958');
  });
});

describe('masking for channels', () => {
  it('email j***@e***.com, phone last 2 digits, names initials', () => {
    expect(maskEmail('jane.doe@example.com')).toBe('j***@e***.com');
    expect(maskEmail('Jane@mail.example.co.uk')).toBe('J***@m***.uk');
    expect(maskPhone('(555) 123-4567')).toBe('***67');
    expect(maskName('jane van doe')).toBe('J. V. D.');
    expect(maskText(`401 for jane@example.com (555) 123-4567 at ${BUSINESS} on 2026-11-30`)).toBe(
      `401 for j***@e***.com ***67 at ${BUSINESS} on 2026-11-30`,
    );
  });
});

describe('LOG_SEARCH_* configuration', () => {
  it('is off with defaults when unset', () => {
    const config = loadConfig(base);
    expect(config.LOG_SEARCH_URL).toBeUndefined();
    expect(config.LOG_SEARCH_CONTACT_INDEX).toBe('bc-json-logs*');
    expect(config.LOG_SEARCH_ERROR_INDEX).toBe('integration-errors*');
    expect(config.LOG_SEARCH_DAYS).toBe(30);
    expect(config.LOG_SEARCH_TIMEOUT_MS).toBe(5000);
    expect(config.LOG_SEARCH_FIELDS).toEqual(DEFAULT_LOG_FIELDS);
    expect(DEFAULT_LOG_FIELDS).toMatchObject({
      timestamp: '@timestamp',
      email: 'email',
      phone: 'phone',
      firstName: 'firstName',
      lastName: 'lastName',
      name: 'name',
      customerId: 'customerId',
      businessNumber: 'businessNumber',
      integrationSource: 'integrationSource',
      integrationSourceId: 'integrationSourceId',
      restrictionReason: 'restrictionReason',
    });
  });

  it('overrides field names from JSON or a YAML file; unknown names and bad values stop start-up in one line', () => {
    const inline = loadConfig({ ...base, LOG_SEARCH_FIELDS: '{"email":"contact.email","phone":"phone.keyword"}' });
    expect(inline.LOG_SEARCH_FIELDS).toEqual({ ...DEFAULT_LOG_FIELDS, email: 'contact.email', phone: 'phone.keyword' });

    const dir = mkdtempSync(path.join(tmpdir(), 'log-fields-'));
    const file = path.join(dir, 'fields.yaml');
    writeFileSync(file, 'timestamp: ts\narticleKeys: [pms_appointment_status, beta]\n');
    expect(loadConfig({ ...base, LOG_SEARCH_FIELDS: file }).LOG_SEARCH_FIELDS).toMatchObject({
      timestamp: 'ts',
      articleKeys: ['pms_appointment_status', 'beta'],
    });

    expect(() => loadConfig({ ...base, LOG_SEARCH_FIELDS: '{"emial":"x"}' })).toThrow(
      /^Configuration error: LOG_SEARCH_FIELDS has a bad field mapping: .* emial\. Known names: timestamp, email/,
    );
    expect(() => loadConfig({ ...base, LOG_SEARCH_FIELDS: '{"email":"a b"}' })).toThrow(
      /LOG_SEARCH_FIELDS has a bad field mapping at email/,
    );
    expect(() => loadConfig({ ...base, LOG_SEARCH_FIELDS: path.join(dir, 'missing.json') })).toThrow(
      /LOG_SEARCH_FIELDS names a file that cannot be read/,
    );
    expect(() => loadConfig({ ...base, LOG_SEARCH_CONTACT_INDEX: 'logs/../x' })).toThrow(
      /LOG_SEARCH_CONTACT_INDEX must be an index name or pattern/,
    );
  });
});
