import { loadCatalog } from '../../src/catalog';
import { createCrmDetector } from '../../src/diagnostics/crm-detect';
import { parseLogRecord } from '../../src/diagnostics/log-record';

const catalog = loadCatalog();
const detector = createCrmDetector(catalog);
const named = (text: string) => detector.inText(text).map((m) => m.crm.id);

describe('CRM named in the text', () => {
  it.each([
    ['cloud9 says appt status not allowed', 'cloud9-ortho'],
    ['C9 - integration is beta??', 'cloud9-ortho'],
    ['cloud nine: beta', 'cloud9-ortho'],
    ['Cloud 9 Ortho patient', 'cloud9-ortho'],
    ['CLOUD9', 'cloud9-ortho'],
    ['care stack: customer is inactive', 'carestack'],
    ['carestak customer inactive', 'carestack'],
    ['caresatck', 'carestack'],
    ['next tech appt status', 'nextech'],
    ['nexttech beta', 'nextech'],
    ['NexTech', 'nextech'],
    ['Nextech EMR', 'nextech'],
    ['clinko patient did not arrive', 'cliniko'],
    ['Cliniko', 'cliniko'],
    ['care cloud provider name', 'carecloud'],
    ['carecloude status', 'carecloud'],
    ['CARECLOUD', 'carecloud'],
    ['clowd 9 integration is beta', 'cloud9-ortho'],
    ['clowd9 appt status', 'cloud9-ortho'],
    ['crestack integration beta', 'carestack'],
    ['nxtech appt type', 'nextech'],
  ])('%s → %s', (text, crmId) => {
    expect(named(text)).toEqual([crmId]);
  });

  it.each([
    'the clinic says the customer is inactive',
    'clinics in the cloud',
    'my care is the stack of problems',
    'next week integration is beta',
    'Integration is beta',
    'customer jane@nextech-eyes.com has no email?',
    'contact 34 at location 22',
    'cloud storage; clouds',
    'cloud 8 backups failed',
    'could 9 be the reason',
  ])('names no CRM in %p', (text) => {
    expect(named(text)).toEqual([]);
  });

  it('names several CRMs in the order written, each once', () => {
    expect(named('moved from Carestack to cloud9, carestack still shows it')).toEqual(['carestack', 'cloud9-ortho']);
  });

  it('says what it read', () => {
    expect(detector.inText('is this c9?')).toEqual([{ crm: catalog.get('cloud9-ortho'), said: 'c9' }]);
  });
});

describe('CRM from the record source fields', () => {
  it.each([
    ['{"integrationSource":"CLOUD9"}', 'cloud9-ortho'],
    ['{"integrationSourceId":124}', 'carestack'],
    ['sourceId=22', 'nextech'],
    ['{"source":"CLINIKO"}', 'cliniko'],
    ['{"meta":{"integrationSource":"CARECLOUD"}}', 'carecloud'],
    ['source=CARESTACK_SYNC', 'carestack'],
  ])('%s → %s', (text, crmId) => {
    expect(detector.inRecord(parseLogRecord(text)).map((m) => m.crm.id)).toEqual([crmId]);
  });

  it('ignores a source that is not a CRM', () => {
    expect(detector.inRecord(parseLogRecord('source=kibana sourceId=999'))).toEqual([]);
  });
});
