import { fixture } from '../support/fakes';
import { useBot } from '../support/use-bot';

// biome-ignore lint/suspicious/noExplicitAny: walking Block Kit JSON
type Json = Record<string, any>;
const path = (sourceId: number) => `/integration/trigger/integrationtriggers/sourceid/${sourceId}`;

describe('/crm triggers', () => {
  const { bot, api } = useBot();

  async function triggers(text: string): Promise<Json> {
    return (await (await bot.sendCommand(`triggers ${text}`)).nextResponse()).body;
  }

  it.each([
    ['carecloud', 67, 'triggers-carecloud.json', 'CareCloud Appointment', 91],
    ['carestack', 124, 'triggers-carestack.json', 'CareStack Appointment Trigger Service', 139],
    ['cliniko', 118, 'triggers-cliniko.json', 'Cliniko Appointment Trigger', 129],
    ['cloud9', 34, 'triggers-cloud9.json', 'Cloud 9 Dismissed Appointments Trigger', 57],
  ])('%s: reads the triggers of source %d and marks the documented one', async (typed, sourceId, file, name, id) => {
    api.on('GET', path(sourceId), { json: fixture(file) });
    const reply = await triggers(typed);
    expect(api.requests.map((r) => r.path)).toEqual([path(sourceId)]);
    expect(reply.response_type).toBe('ephemeral');
    const text = JSON.stringify(reply.blocks);
    expect(text).toContain(`*${name}* · ID ${id} · _documented in the catalog_`);
    expect(reply.text).toContain(`${name} (${id})`);
    expect(reply.blocks.length).toBeLessThanOrEqual(50);
  });

  it('nextech: resolves the two undocumented triggers by name from the API and marks where each came from', async () => {
    api.on('GET', path(22), {
      json: [
        ...(fixture('triggers-nextech.json') as Json[]),
        { id: 311, displayName: 'Appointment Trigger Service', triggerName: 'Appointment Trigger' },
        { id: 312, displayName: 'Nextech Appointment Upsert Trigger Service' },
        { id: 313, displayName: 'Something New' },
      ],
    });
    const text = JSON.stringify((await triggers('Nextech')).blocks);
    expect(text).toContain('*Nextech Fulfilled Appointment Trigger* · ID 24 · _documented in the catalog_');
    expect(text).toContain('*Appointment Trigger Service* · ID 311 · _named in the catalog, ID resolved from the API_');
    expect(text).toContain(
      '*Nextech Appointment Upsert Trigger Service* · ID 312 · _named in the catalog, ID resolved from the API_',
    );
    expect(text).toContain('*Something New* · ID 313 · _from the API only (not in the catalog)_');
  });

  it('nextech: says which named triggers the API did not return', async () => {
    api.on('GET', path(22), { json: fixture('triggers-nextech.json') });
    const text = JSON.stringify((await triggers('nextech')).blocks);
    expect(text).toContain(
      '*Appointment Trigger Service* · no ID · _named in the catalog, ID not returned by the API_',
    );
  });

  it('on an API failure shows userMessage and the catalog documented triggers', async () => {
    for (let i = 0; i < 4; i++) api.on('GET', path(22), { status: 500, json: {} });
    const reply = await triggers('nextech');
    const text = JSON.stringify(reply.blocks);
    expect(text).toContain('had an error on its side (5xx)');
    expect(text).toContain('*Nextech Fulfilled Appointment Trigger* · ID 24 · _documented in the catalog_');
  });

  it('suggests a catalog CRM for a near miss and lists them when nothing is close', async () => {
    expect((await triggers('nexteck')).text).toContain('Did you mean *Nextech*');
    expect((await triggers('carestak')).text).toContain('Did you mean *Carestack*');
    const none = await triggers('salesforce');
    expect(none.text).toContain("I don't know that CRM");
    expect(none.text).toContain('Cliniko');
    expect((await triggers('')).text).toContain('Name a CRM');
    expect(api.requests).toHaveLength(0);
  });
});
