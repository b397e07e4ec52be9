import type { BlockAction, ButtonAction } from '@slack/bolt';
import type { PropertyInput } from '../../src/integration/schemas';
import { idempotencyKey, performWrite } from '../../src/operations/write';
import { maskProperties } from '../../src/planner/curl';
import { SUBCOMMANDS } from '../../src/slack/register';
import type { TestBot } from './slack-harness';

/**
 * A TEST-ONLY write surface, used until the real write flows (setup confirm, update triggers,
 * fix confirm) are registered: a button and a hidden `/crm` subcommand that run the real write
 * pipeline (performWrite: permission, per-business lock, exactly-once, audit) against the real
 * IntegrationClient. Everything around it (signature checks, Bolt, error boundary, store) is real.
 */
export const TEST_WRITE_ACTION = 'prodtest_write';
export const TEST_WRITE_SUBCOMMAND = 'prodtest-write';
export const UPDATE_TRIGGERS_PATH = '/integration/update/businessintegrationgroup';
export const CREATE_GROUP_PATH = '/integration/add/businessintegrationgroup';

export interface TestWriteValue {
  businessNumber: string;
  /** One user intent: duplicates share it, a deliberate retry does not. */
  nonce: string;
  groupId?: number;
  /** When set, a createGroup with these properties (isSecure ones masked in the audit). */
  properties?: PropertyInput[];
}

/** Registers the test-only button on this bot (the subcommand is global: see registerTestWriteSubcommand). */
export function registerTestWriteAction(bot: TestBot): void {
  bot.app.action<BlockAction<ButtonAction>>(TEST_WRITE_ACTION, async ({ ack, body, action, respond, client }) => {
    await ack();
    const value = JSON.parse(action.value ?? '{}') as TestWriteValue;
    const text = await runTestWrite(bot, client, body.user.id, value);
    await respond({ response_type: 'ephemeral', replace_original: false, text });
  });
}

/** `/crm prodtest-write <business number> <nonce>`: hidden; returns a remover for afterAll. */
export function registerTestWriteSubcommand(): () => void {
  SUBCOMMANDS[TEST_WRITE_SUBCOMMAND] = {
    usage: `/crm ${TEST_WRITE_SUBCOMMAND} <business> <nonce>`,
    description: 'Test-only write through the write pipeline.',
    hidden: true,
    run: async (ctx) => {
      const [businessNumber = '', nonce = 'n'] = ctx.args;
      await ctx.respond(
        await runTestWrite({ services: ctx.services }, ctx.client, ctx.command.user_id, { businessNumber, nonce }),
      );
    },
  };
  return () => {
    delete SUBCOMMANDS[TEST_WRITE_SUBCOMMAND];
  };
}

async function runTestWrite(
  bot: Pick<TestBot, 'services'>,
  client: TestBot['app']['client'],
  userId: string,
  value: TestWriteValue,
): Promise<string> {
  const { api } = bot.services;
  const groupId = value.groupId ?? 4242;
  const properties = value.properties;
  const secretKeys = new Set((properties ?? []).filter((p) => p.isSecure).map((p) => p.propertyKey));
  const result = await performWrite(bot.services, client, {
    userId,
    idempotencyKey: idempotencyKey('prodtest', userId, value.businessNumber, value.nonce),
    businessNumber: value.businessNumber,
    crmId: 'nextech',
    operation: properties ? 'createGroup' : 'updateTriggers',
    maskedRequest: properties
      ? { properties: maskProperties(properties, secretKeys) }
      : { groupId, triggers: [{ triggerId: 301, triggerTypeId: 1 }] },
    send: () =>
      properties
        ? api.createGroup({
            parentBusinessNumber: Number(value.businessNumber),
            integrationSourceId: 7,
            integrationGroupProperties: properties,
            integrationGroupTriggers: [{ triggerId: 301, triggerTypeId: 1 }],
          })
        : api.updateTriggers({ groupId, integrationGroupTriggers: [{ triggerId: 301, triggerTypeId: 1 }] }, false),
  });
  return `Write done for business ${value.businessNumber}: ${JSON.stringify(result.ids)}`;
}

/** A block_actions payload pressing the test write button. */
export function testWriteClick(value: TestWriteValue) {
  return { actions: [{ action_id: TEST_WRITE_ACTION, value: JSON.stringify(value) }] };
}
