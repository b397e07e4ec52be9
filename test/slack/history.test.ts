import { recordAudit } from '../../src/operations/audit';
import { recordAudits } from '../support/audit-entries';
import { useBot } from '../support/use-bot';

const BUSINESS = '170000000000777';

describe('/crm history', () => {
  const { bot } = useBot();

  it('lists audit entries newest first: who, when, operation, outcome, CRM and error', async () => {
    const rejected = { code: 'api_rejected', message: 'Location already mapped' };
    await recordAudits(bot.services.store, [
      ['2025-01-02T10:00:00.000Z', 'U_ALICE', BUSINESS, 'nextech', 'createGroup', 'succeeded'],
      ['2025-01-03T11:30:00.000Z', 'U_BOB', BUSINESS, 'carestack', 'createMapping', 'failed', rejected],
    ]);
    const reply = (await (await bot.sendCommand(`history ${BUSINESS}`)).nextResponse()).body;
    expect(reply.response_type).toBe('ephemeral');
    const sections = (reply.blocks as Array<{ type: string; text?: { text: string } }>)
      .filter((b) => b.type === 'section')
      .map((b) => b.text!.text);
    expect(sections).toHaveLength(2);
    expect(sections[0]).toContain(':x: *createMapping* failed');
    expect(sections[0]).toContain('Carestack');
    expect(sections[0]).toContain('<@U_BOB>');
    expect(sections[0]).toContain('2025-01-03T11:30:00.000Z');
    expect(sections[0]).toContain('api_rejected: Location already mapped');
    expect(sections[1]).toContain(':white_check_mark: *createGroup* succeeded');
    expect(sections[1]).toContain('Nextech');
    expect(sections[1]).toContain('<@U_ALICE>');
    expect(reply.text).toContain(BUSINESS);
  });

  it('says when nothing is recorded', async () => {
    const reply = (await (await bot.sendCommand('history 170000000000888')).nextResponse()).body;
    expect(reply.text).toBe('No operations are recorded for 170000000000888 yet.');
  });

  it('refuses a bad business ID', async () => {
    const reply = (await (await bot.sendCommand('history 42')).nextResponse()).body;
    expect(reply.text).toContain('has 2 digits; business IDs have 15');
  });

  it('stays within 50 blocks for a long history', async () => {
    for (let i = 0; i < 60; i++) {
      await recordAudit(bot.services.store, {
        at: new Date(Date.UTC(2025, 0, 1, 0, i)).toISOString(),
        userId: 'U_ALICE',
        businessNumber: '170000000000999',
        crmId: 'cliniko',
        operation: 'updateTriggers',
        outcome: 'unknown',
      });
    }
    const reply = (await (await bot.sendCommand('history 170000000000999')).nextResponse()).body;
    expect(reply.blocks.length).toBeLessThanOrEqual(50);
    expect(JSON.stringify(reply.blocks)).toContain(':grey_question: *updateTriggers* unknown');
  });
});
