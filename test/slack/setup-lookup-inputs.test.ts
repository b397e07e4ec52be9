import { BLOCK, LOOKUP_FAILED_VALUE, SETUP_ACTION, SETUP_CALLBACK } from '../../src/flows/setup/ids';
import { businessNumbers } from '../support/businesses';
import { FAKE, fixture } from '../support/fakes';
import { setupCrmStep } from '../support/flow-forms';
import { API_PATHS } from '../support/integration-api-standin';
import { expectOneGet } from '../support/integration-calls';
import { findBlock, groupStep, locationUids } from '../support/setup-driver';
import { useBot } from '../support/use-bot';

/**
 * Issue 11 case 7: the setup's live lookups get the group answers as the group body sends them, not as
 * typed. Signed requests through the harness; the integration API and Carestack are the stand-in, so the
 * test reads the exact request each lookup made.
 */

// biome-ignore lint/suspicious/noExplicitAny: Block Kit JSON from the stand-in
type Json = Record<string, any>;

const nextParent = businessNumbers('1598943741');

interface Case {
  name: string;
  crmId: string;
  groupProperties: Record<string, string>;
  lookups: Array<{
    /** The location property whose external select loads the options. */
    fills: string;
    /** The request the lookup must make, with the normalised answers. */
    request: { path: string; query?: Record<string, string>; headers?: Record<string, string> };
    answer: string;
    /** Option values the user must be offered. */
    offers: string[];
  }>;
}

/** Both Carestack lookups send the vendor key and the account's credentials as headers. */
const CARESTACK_HEADERS = { vendorkey: FAKE.vendorKey, accountkey: FAKE.accountKey, accountid: FAKE.accountId };

const CASES: Case[] = [
  {
    name: 'Carestack: a pasted URL is the customer domain partners.sb',
    crmId: 'carestack',
    groupProperties: {
      'carestack.customer.domain': 'https://partners.sb.carestack.com/some/path',
      'carestack.account.key': FAKE.accountKey,
      'carestack.account.id': FAKE.accountId,
    },
    lookups: [
      {
        fills: 'carestack.location.id',
        request: { path: '/carestack/partners.sb/api/v1.0/locations', headers: CARESTACK_HEADERS },
        answer: 'carestack-locations.json',
        offers: ['1', '19031', '19032'],
      },
      {
        fills: 'carestack.appointment.status',
        request: { path: '/carestack/partners.sb/api/v1.0/appointment-status', headers: CARESTACK_HEADERS },
        answer: 'carestack-appointment-statuses.json',
        offers: ['Scheduled', 'Checked Out', 'No Show', 'Arrived'],
      },
    ],
  },
  {
    // Not only Carestack: every format's normaliser applies ("yes" is sent as true).
    name: 'Cloud9: "yes" for AWS hosted is true',
    crmId: 'cloud9-ortho',
    groupProperties: { ClientID: FAKE.clientId, 'is.aws.hosted': 'yes' },
    lookups: [
      {
        fills: 'location.code',
        request: { path: '/commonservices/cloud9/locations', query: { clientId: FAKE.clientId, isAwsHosted: 'true' } },
        answer: 'cloud9-locations.json',
        offers: ['4', '6'],
      },
    ],
  },
];

describe('setup lookups use the normalised group answers (issue 11, case 7)', () => {
  const { bot, api } = useBot((api) => ({
    env: { CARESTACK_VENDOR_KEY: FAKE.vendorKey, CARESTACK_API_BASE_URL: `${api.url}/carestack/{domain}` },
  }));

  /** `/crm setup <crm>` to its locations step with the group answers typed as given. */
  async function locationsStep(c: Case, viewId: string) {
    const parent = nextParent();
    api.on('GET', API_PATHS.groups(parent), { status: 404, json: {} });
    await bot.sendCommand(`setup ${c.crmId}`);
    const open = (await bot.slack.waitFor('views.open')).body.view as Json;
    const metadata: string = open.private_metadata;
    const triggers = findBlock(open.blocks, (b) => b.block_id === BLOCK.triggers);
    const step1 = await bot.sendViewSubmission(
      setupCrmStep(viewId, metadata, {
        crmId: c.crmId,
        accountType: 'enterprise',
        parent,
        triggers: (triggers.element.initial_options as Json[]).map((o) => String(o.value)),
      }),
    );
    expect(step1.json().response_action).toBe('update');
    await bot.slack.waitFor(
      'views.update',
      (call) => call.body.view_id === viewId && call.body.view.callback_id === SETUP_CALLBACK.group,
    );
    const step2 = await bot.sendViewSubmission(groupStep(viewId, metadata, c.groupProperties));
    const view = step2.json().view as Json;
    expect(view.callback_id).toBe(SETUP_CALLBACK.locations);
    return { metadata, view, uid: locationUids(view)[0] ?? '' };
  }

  it.each(CASES)('$name: each lookup reaches the API with it and offers the options', async (c) => {
    const viewId = `V_NORMALISED_${c.crmId}`;
    const { metadata, view, uid } = await locationsStep(c, viewId);
    for (const lookup of c.lookups) {
      // The lookup is offered (all its inputs are there) as an external select.
      findBlock(view.blocks, (b) => b.block_id === BLOCK.pick(uid, lookup.fills));
      api.reset();
      api.on('GET', lookup.request.path, { json: fixture(lookup.answer) });
      const res = await bot.sendOptions({
        action_id: SETUP_ACTION.lookup,
        block_id: BLOCK.pick(uid, lookup.fills),
        value: '',
        view: { id: viewId, private_metadata: metadata },
      });
      const options = res.json().options as Json[];
      expect(JSON.stringify(options)).not.toContain('Lookup failed');
      expect(options.map((o) => o.value)).not.toContain(LOOKUP_FAILED_VALUE);
      expect(options.map((o) => o.value)).toEqual(expect.arrayContaining(lookup.offers));

      expectOneGet(api, lookup.request);
    }
  });
});
