import { loadCatalog } from '../../src/catalog';
import { BLOCK, SETUP_ACTION } from '../../src/flows/setup/ids';
import type { LocationView } from '../../src/flows/setup/service';
import { newLocation, newSession, sessionIdFrom } from '../../src/flows/setup/session';
import { errorsFor, planInputOf, readForm, triggerChoices } from '../../src/flows/setup/state';
import {
  buildLocationsStep,
  buildReviewStep,
  codeSections,
  MAX_VIEW_BLOCKS,
  maxLocations,
} from '../../src/flows/setup/views';
import { planSetup } from '../../src/planner/plan';

const catalog = loadCatalog();
const crm = (id: string) => catalog.get(id);

function location(i: number, properties: Record<string, string> = {}): LocationView {
  return { uid: `u${i}`, businessNumber: '', properties, nextRunTime: '', secretsSet: new Set() };
}

describe('setup view builders', () => {
  const FIXED_BLOCKS = {
    none: {},
    'every fixed block shown (step note, unresolved-create note, group banner)': {
      note: 'A note from the previous step.',
      existing: {
        status: 'found' as const,
        businessNumber: '100000000000001',
        crmName: 'the CRM',
        groupId: 5560,
        note: 'The create-group request sent earlier got no answer in time.',
      },
    },
  };
  it.each(Object.entries(FIXED_BLOCKS))(
    'never exceeds 100 blocks at the location cap, with %s: the add button gives way to a pointer to bulk setup',
    (_label, extra) => {
      for (const c of catalog.crms.filter((x) => x.accountTypes.includes('enterprise'))) {
        const base = { crm: c, accountType: 'enterprise' as const, lookups: {} };
        const cap = maxLocations(base);
        const view = buildLocationsStep({
          ...base,
          ...extra,
          metadata: '{}',
          parentBusinessNumber: '100000000000001',
          locations: Array.from({ length: cap }, (_, i) => location(i)),
          backTo: 'group',
        });
        expect(view.blocks.length).toBeLessThanOrEqual(MAX_VIEW_BLOCKS);
        const text = JSON.stringify(view);
        expect(text).not.toContain(SETUP_ACTION.addLocation);
        expect(text).toContain('/crm bulk');
        if ('existing' in extra) expect(text).toContain('got no answer in time');
      }
    },
  );

  it('never echoes a secret typed earlier into a location field', () => {
    const view = buildLocationsStep({
      metadata: '{}',
      crm: crm('carestack'),
      accountType: 'smb',
      parentBusinessNumber: '100000000000001',
      locations: [
        {
          ...location(0, { 'carestack.appointment.status': 'Arrived' }),
          secretsSet: new Set(['carestack.account.key']),
        },
      ],
      lookups: {},
      backTo: 'group',
    });
    const block = view.blocks.find((b) => b.block_id === BLOCK.location('u0', 'carestack.account.key')) as {
      element: { initial_value?: string };
      hint: { text: string };
    };
    expect(block.element.initial_value).toBeUndefined();
    expect(block.hint.text).toContain('leave empty to keep');
  });

  it('splits long curl commands into code sections of at most 3000 characters', () => {
    const long = Array.from({ length: 400 }, (_, i) => `line ${i} ${'x'.repeat(20)}`).join('\n');
    const sections = codeSections(long) as Array<{ text: { text: string } }>;
    expect(sections.length).toBeGreaterThan(1);
    for (const s of sections) {
      expect(s.text.text.length).toBeLessThanOrEqual(3000);
      expect(s.text.text.startsWith('```')).toBe(true);
      expect(s.text.text.endsWith('```')).toBe(true);
    }
    const review = buildReviewStep({
      metadata: '{}',
      crm: crm('nextech'),
      lines: ['a'],
      warnings: [],
      requests: Array.from({ length: 60 }, (_, i) => ({ title: `r${i}`, curl: long })),
    });
    expect(review.blocks.length).toBeLessThanOrEqual(MAX_VIEW_BLOCKS);
    expect(JSON.stringify(review)).toContain('more requests');
    expect(review.title.text.length).toBeLessThanOrEqual(24);
  });
});

describe('setup state', () => {
  it('private_metadata holds only a session id', () => {
    const session = newSession({ flow: 'setup', step: 'crm', userId: 'U1' });
    expect(sessionIdFrom(JSON.stringify({ s: session.id }))).toBe(session.id);
    expect(() => sessionIdFrom('{"s":"not-a-uuid"}')).toThrow('not one the bot recognises');
    expect(() => sessionIdFrom('garbage')).toThrow();
  });

  it('offers catalog triggers without an id only when read from the API', () => {
    const nextech = crm('nextech');
    expect(triggerChoices(nextech, undefined).options.map((o) => o.value)).toEqual(['d:24:1']);
    const resolved = triggerChoices(nextech, {
      status: 'ok',
      items: [{ triggerId: 401, triggerTypeId: 1, displayName: 'Appointment Trigger Service' }],
    });
    expect(resolved.options.map((o) => o.value)).toEqual(['d:24:1', 'a:401:1']);
    expect(resolved.note).toContain('Nextech Appointment Upsert Trigger Service');
  });

  it('maps planner field errors onto the block ids of the step', () => {
    const first = newLocation();
    const session = {
      ...newSession({ flow: 'setup', step: 'locations', userId: 'U1', crmId: 'carestack', accountType: 'enterprise' }),
      parentBusinessNumber: '100000000000001',
      triggers: ['d:139:1'],
      groupProperties: {
        'carestack.customer.domain': 'partners.sb',
        'carestack.account.key': 'fake-account-key',
        'carestack.account.id': '1',
      },
      locations: [{ ...first, businessNumber: '12' }],
    };
    const result = planSetup(catalog, planInputOf(crm('carestack'), session));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const blocks = new Set([
      BLOCK.location(first.uid, 'businessNumber'),
      BLOCK.location(first.uid, 'carestack.location.id'),
      BLOCK.location(first.uid, 'carestack.appointment.status'),
    ]);
    const errors = errorsFor(result.errors, 'locations', session, blocks);
    expect(Object.keys(errors).sort()).toEqual([...blocks].sort());
    expect(JSON.stringify(errors)).not.toContain('fake-account-key');
  });

  it('reads view.state with zod, treating anything unexpected as empty', () => {
    const form = readForm({ values: { parent: { value: { type: 'plain_text_input', value: ' 123 ' } } } });
    expect(form.text('parent')).toBe('123');
    expect(form.selected('crm')).toEqual([]);
    expect(readForm('nonsense').text('parent')).toBe('');
  });
});
