import { diagnoseVia, SURFACES, type Surface } from '../support/diagnose-surfaces';
import { useBot } from '../support/use-bot';

/**
 * Every restriction reason of every CRM, written the way support engineers write them (exact,
 * sloppy, abbreviated, inside a sentence, CRM misspelt, forwarded, no CRM at all), through all three
 * surfaces. Whenever the text names the CRM (or only one CRM has the reason) the answer is the right
 * CRM and reason first time; otherwise it lists the candidates and says what would decide.
 * Expected headers and log keys are the articles' (catalog-independent on purpose).
 */

type ReasonId = keyof typeof ARTICLE;

/** What the article says for each reason: the CRM and reason as the answer's first line, and the log keys. */
const ARTICLE = {
  'carecloud.provider-not-allowed': {
    header: 'CareCloud: Provider name is not in the allowed list',
    logKeys: ['pms_appointment_provider_name'],
  },
  'carecloud.status-not-allowed': {
    header: 'CareCloud: Appointment status is not on the allowed list',
    logKeys: ['pms_appointment_status'],
  },
  'carecloud.integration-beta': { header: 'CareCloud: Integration is beta', logKeys: ['beta'] },
  'carestack.status-not-configured': {
    header: 'Carestack: If the appointment status is not configured in the Carestack Appointment Status field.',
    logKeys: ['pms_appointment_status'],
  },
  'carestack.customer-inactive': { header: 'Carestack: Customer is inactive.', logKeys: ['active'] },
  'carestack.no-contact': {
    header: 'Carestack: Phone or Email should be valid for creating a customer Email: null, Phone: null.',
    logKeys: ['email', 'phone'],
  },
  'carestack.integration-beta': { header: 'Carestack: Integration is beta.', logKeys: ['beta'] },
  'cliniko.customer-inactive': { header: 'Cliniko: The customer is inactive', logKeys: ['active'] },
  'cliniko.integration-beta': { header: 'Cliniko: Integration is beta', logKeys: ['beta'] },
  'cliniko.did-not-arrive': {
    header: 'Cliniko: The patient did not arrive for an appointment.',
    logKeys: ['did_not_arrive'],
  },
  'cloud9-ortho.status-not-allowed': {
    header: 'Cloud 9 Ortho: ‘Appointment status’ is not in the allowed list',
    logKeys: ['pms_appointment_status'],
  },
  'cloud9-ortho.integration-beta': { header: 'Cloud 9 Ortho: Integration is beta', logKeys: ['beta'] },
  'nextech.status-not-allowed': {
    header: 'Nextech: ‘Appointment status’ is not in the allowed list',
    logKeys: ['additionalParams.appointment.status'],
  },
  'nextech.type-not-allowed': {
    header: 'Nextech: ‘Appointment type’ is not in the allowed list',
    logKeys: ['additionalParams.appointment.types'],
  },
  'nextech.custom-status-not-allowed': {
    header: 'Nextech: ‘Custom Appointment Status’ is not in the allowed list',
    logKeys: ['appointment.custom.status'],
  },
  'nextech.integration-beta': { header: 'Nextech: Integration is beta', logKeys: ['beta'] },
  'nextech.locations-not-found': {
    header: 'Nextech: configured locations do not exist in nextech',
    logKeys: ['crm_locations'],
  },
} as const;

const EVERY_BETA = [
  'carecloud.integration-beta',
  'carestack.integration-beta',
  'cliniko.integration-beta',
  'cloud9-ortho.integration-beta',
  'nextech.integration-beta',
];
const EVERY_STATUS = ['carecloud.status-not-allowed', 'cloud9-ortho.status-not-allowed', 'nextech.status-not-allowed'];
const EVERY_INACTIVE = ['carestack.customer-inactive', 'cliniko.customer-inactive'];

type Style = 'exact' | 'sloppy' | 'in a sentence' | 'misspelt' | 'forwarded' | 'no CRM';
/** `ask`: nothing names the CRM and several CRMs have the reason: these candidates, and what would decide. */
type Phrasing = { reason: ReasonId; style: Style; text: string; ask?: readonly string[] };

const PHRASINGS: Phrasing[] = [
  // CareCloud
  {
    reason: 'carecloud.provider-not-allowed',
    style: 'exact',
    text: 'CareCloud: Provider name is not in the allowed list',
  },
  { reason: 'carecloud.provider-not-allowed', style: 'sloppy', text: 'carecloud provider name not in allowed list??' },
  {
    reason: 'carecloud.provider-not-allowed',
    style: 'in a sentence',
    text: "hi all, a care cloud pt didn't get a review request - restriction says 'provider name is not in the allowed list'. what do we check?",
  },
  {
    reason: 'carecloud.provider-not-allowed',
    style: 'misspelt',
    text: 'carecloude - provder name isnt in the allowed list',
  },
  {
    reason: 'carecloud.provider-not-allowed',
    style: 'forwarded',
    text: 'Provider name is not in the allowed list (CareCloud, Mike Dental Centre)',
  },
  {
    reason: 'carecloud.provider-not-allowed',
    style: 'no CRM',
    text: 'restriction: provider name is not in the allowed list',
  },
  {
    reason: 'carecloud.status-not-allowed',
    style: 'exact',
    text: 'CareCloud - Appointment status is not on the allowed list',
  },
  { reason: 'carecloud.status-not-allowed', style: 'sloppy', text: 'carecloud appt status not on allowed list' },
  {
    reason: 'carecloud.status-not-allowed',
    style: 'in a sentence',
    text: 'Kibana for the CareCloud location shows Appointment status is not on the allowed list, she was a no show I think',
  },
  {
    reason: 'carecloud.status-not-allowed',
    style: 'misspelt',
    text: 'care-cloud: apointment status not on the alowed list',
  },
  {
    reason: 'carecloud.status-not-allowed',
    style: 'forwarded',
    text: 'From the CareCloud clinic: appointment status is not on the allowed list',
  },
  {
    reason: 'carecloud.status-not-allowed',
    style: 'no CRM',
    text: 'appointment status is not on the allowed list',
    ask: EVERY_STATUS,
  },
  { reason: 'carecloud.integration-beta', style: 'exact', text: 'CareCloud: Integration is beta' },
  { reason: 'carecloud.integration-beta', style: 'sloppy', text: 'carecloud integration beta?' },
  {
    reason: 'carecloud.integration-beta',
    style: 'in a sentence',
    text: 'the carecloud office says no review requests since monday, log says integration is beta',
  },
  { reason: 'carecloud.integration-beta', style: 'misspelt', text: 'carecloude - intergration is beta' },
  {
    reason: 'carecloud.integration-beta',
    style: 'forwarded',
    text: 'Integration is beta - CareCloud, Main St location',
  },
  { reason: 'carecloud.integration-beta', style: 'no CRM', text: 'integration is beta', ask: EVERY_BETA },

  // Carestack
  {
    reason: 'carestack.status-not-configured',
    style: 'exact',
    text: 'Carestack: appointment status is not configured in the Carestack Appointment Status field',
  },
  {
    reason: 'carestack.status-not-configured',
    style: 'sloppy',
    text: 'carestack appt status not configured in status field',
  },
  {
    reason: 'carestack.status-not-configured',
    style: 'in a sentence',
    text: 'care stack patient skipped, reason says the appointment status is not configured in the Appointment Status field - which status?',
  },
  {
    reason: 'carestack.status-not-configured',
    style: 'misspelt',
    text: 'carestak: apointment status not configred in the appointment status field',
  },
  {
    reason: 'carestack.status-not-configured',
    style: 'forwarded',
    text: 'If the appointment status is not configured in the Carestack Appointment Status field.',
  },
  {
    reason: 'carestack.status-not-configured',
    style: 'no CRM',
    text: "appointment status isn't configured in the appointment status field",
  },
  { reason: 'carestack.customer-inactive', style: 'exact', text: 'Carestack: Customer is inactive.' },
  { reason: 'carestack.customer-inactive', style: 'sloppy', text: 'carestack - customer inactive' },
  {
    reason: 'carestack.customer-inactive',
    style: 'in a sentence',
    text: 'for the care stack practice the log says Customer is inactive, but the patient was in last week',
  },
  { reason: 'carestack.customer-inactive', style: 'misspelt', text: 'caresatck: custmer is inactive' },
  { reason: 'carestack.customer-inactive', style: 'forwarded', text: 'Customer is inactive. (Carestack)' },
  { reason: 'carestack.customer-inactive', style: 'no CRM', text: 'customer is inactive', ask: EVERY_INACTIVE },
  {
    reason: 'carestack.no-contact',
    style: 'exact',
    text: 'Carestack: Phone or Email should be valid for creating a customer Email: null, Phone: null.',
  },
  {
    reason: 'carestack.no-contact',
    style: 'sloppy',
    text: 'carestack phone or email should be valid for creating a customer',
  },
  {
    reason: 'carestack.no-contact',
    style: 'in a sentence',
    text: "care stack sync skipped her: 'Either Phone or Email should be valid for the creation of a customer' - nothing on file",
  },
  {
    reason: 'carestack.no-contact',
    style: 'misspelt',
    text: 'carestak - phone or emial should be valid for creating a customer',
  },
  {
    reason: 'carestack.no-contact',
    style: 'forwarded',
    text: 'Phone or Email should be valid for creating a customer Email: null, Phone: null.',
  },
  { reason: 'carestack.integration-beta', style: 'exact', text: 'Carestack: Integration is beta.' },
  { reason: 'carestack.integration-beta', style: 'sloppy', text: 'carestack beta integration' },
  {
    reason: 'carestack.integration-beta',
    style: 'in a sentence',
    text: "new care stack location isn't sending anything, kibana: integration is beta",
  },
  { reason: 'carestack.integration-beta', style: 'misspelt', text: 'caresatck integraton is beta' },
  { reason: 'carestack.integration-beta', style: 'forwarded', text: 'Carestack says: Integration is beta.' },

  // Cliniko
  { reason: 'cliniko.customer-inactive', style: 'exact', text: 'Cliniko: The customer is inactive' },
  { reason: 'cliniko.customer-inactive', style: 'sloppy', text: 'cliniko customer inactive' },
  {
    reason: 'cliniko.customer-inactive',
    style: 'in a sentence',
    text: 'the Cliniko clinic asked why Mrs B got nothing, log says the customer is inactive',
  },
  { reason: 'cliniko.customer-inactive', style: 'misspelt', text: 'clinko - the custmer is inactive' },
  {
    reason: 'cliniko.customer-inactive',
    style: 'forwarded',
    text: 'The customer is inactive (Cliniko, Sydney clinic)',
  },
  { reason: 'cliniko.integration-beta', style: 'exact', text: 'Cliniko: Integration is beta' },
  { reason: 'cliniko.integration-beta', style: 'sloppy', text: 'cliniko integration=beta?' },
  {
    reason: 'cliniko.integration-beta',
    style: 'in a sentence',
    text: 'we just onboarded a cliniko practice and the restriction reason is integration is beta, did someone forget a flag',
  },
  { reason: 'cliniko.integration-beta', style: 'misspelt', text: 'clinko intgration is beta' },
  {
    reason: 'cliniko.integration-beta',
    style: 'forwarded',
    text: 'Integration is beta\nsent from Cliniko integration logs',
  },
  { reason: 'cliniko.did-not-arrive', style: 'exact', text: 'Cliniko: The patient did not arrive for an appointment.' },
  { reason: 'cliniko.did-not-arrive', style: 'sloppy', text: 'cliniko patient did not arrive' },
  {
    reason: 'cliniko.did-not-arrive',
    style: 'in a sentence',
    text: "pt at the cliniko clinic shows 'did not arrive' so no request went out?",
  },
  { reason: 'cliniko.did-not-arrive', style: 'misspelt', text: 'clinko: the pateint did not arive for an appointment' },
  { reason: 'cliniko.did-not-arrive', style: 'forwarded', text: 'The patient did not arrive for an appointment.' },
  { reason: 'cliniko.did-not-arrive', style: 'no CRM', text: 'says patient did not arrive for the appointment' },

  // Cloud 9 Ortho
  {
    reason: 'cloud9-ortho.status-not-allowed',
    style: 'exact',
    text: 'Cloud 9 Ortho: ‘Appointment status’ is not in the allowed list',
  },
  { reason: 'cloud9-ortho.status-not-allowed', style: 'sloppy', text: 'c9 appt status not in allowed list' },
  {
    reason: 'cloud9-ortho.status-not-allowed',
    style: 'in a sentence',
    text: "the cloud9 ortho office says patients aren't getting requests, kibana: 'Appointment status' is not in the allowed list",
  },
  {
    reason: 'cloud9-ortho.status-not-allowed',
    style: 'misspelt',
    text: 'cloud nine - apointment status is not in the alowed list',
  },
  {
    reason: 'cloud9-ortho.status-not-allowed',
    style: 'forwarded',
    text: '‘Appointment status’ is not in the allowed list\n-- Cloud9 practice',
  },
  {
    reason: 'cloud9-ortho.status-not-allowed',
    style: 'no CRM',
    text: "'Appointment status' is not in the allowed list",
    ask: EVERY_STATUS,
  },
  { reason: 'cloud9-ortho.integration-beta', style: 'exact', text: 'Cloud 9 Ortho: Integration is beta' },
  { reason: 'cloud9-ortho.integration-beta', style: 'sloppy', text: 'C9 - integration is beta??' },
  {
    reason: 'cloud9-ortho.integration-beta',
    style: 'in a sentence',
    text: 'can someone check the cloud 9 orthodontics client, restriction reason is Integration is beta',
  },
  { reason: 'cloud9-ortho.integration-beta', style: 'misspelt', text: 'cloud nine intergration is beta' },
  { reason: 'cloud9-ortho.integration-beta', style: 'forwarded', text: 'Integration is beta (cloud9)' },

  // Nextech
  {
    reason: 'nextech.status-not-allowed',
    style: 'exact',
    text: "Nextech: 'Appointment status' is not in the allowed list",
  },
  { reason: 'nextech.status-not-allowed', style: 'sloppy', text: 'nextech appt status not in allowed list' },
  {
    reason: 'nextech.status-not-allowed',
    style: 'in a sentence',
    text: 'for the next tech practice, restriction reason is Appointment status is not in the allowed list - patient was seen',
  },
  {
    reason: 'nextech.status-not-allowed',
    style: 'misspelt',
    text: 'nexttech: apointment status is not in the allowed list',
  },
  {
    reason: 'nextech.status-not-allowed',
    style: 'forwarded',
    text: 'Nextech client: ‘Appointment status’ is not in the allowed list',
  },
  {
    reason: 'nextech.type-not-allowed',
    style: 'exact',
    text: 'Nextech: ‘Appointment type’ is not in the allowed list',
  },
  { reason: 'nextech.type-not-allowed', style: 'sloppy', text: 'nextech appt type not in allowed list' },
  {
    reason: 'nextech.type-not-allowed',
    style: 'in a sentence',
    text: 'patient had a Consult at the NexTech clinic and got nothing, says appointment type is not in the allowed list',
  },
  { reason: 'nextech.type-not-allowed', style: 'misspelt', text: 'nexttech - apointment type not in the alowed list' },
  { reason: 'nextech.type-not-allowed', style: 'forwarded', text: '‘Appointment type’ is not in the allowed list' },
  { reason: 'nextech.type-not-allowed', style: 'no CRM', text: "appointment type isn't in the allowed list" },
  {
    reason: 'nextech.custom-status-not-allowed',
    style: 'exact',
    text: 'Nextech: ‘Custom Appointment Status’ is not in the allowed list',
  },
  { reason: 'nextech.custom-status-not-allowed', style: 'sloppy', text: 'nextech custom appt status not allowed' },
  {
    reason: 'nextech.custom-status-not-allowed',
    style: 'in a sentence',
    text: 'the next tech office uses custom statuses; log says Custom Appointment Status is not in the allowed list',
  },
  {
    reason: 'nextech.custom-status-not-allowed',
    style: 'misspelt',
    text: 'nexttech - custom apointment status not in allowed list',
  },
  {
    reason: 'nextech.custom-status-not-allowed',
    style: 'forwarded',
    text: 'Custom Appointment Status is not in the allowed list',
  },
  { reason: 'nextech.integration-beta', style: 'exact', text: 'Nextech: Integration is beta' },
  { reason: 'nextech.integration-beta', style: 'sloppy', text: 'nextech beta?? integration' },
  {
    reason: 'nextech.integration-beta',
    style: 'in a sentence',
    text: 'hey, is the nextech emr integration still in beta? reason says Integration is beta',
  },
  { reason: 'nextech.integration-beta', style: 'misspelt', text: 'nexttech: integartion is beta' },
  { reason: 'nextech.integration-beta', style: 'forwarded', text: 'Integration is beta\n(Next Tech account)' },
  {
    reason: 'nextech.locations-not-found',
    style: 'exact',
    text: 'Nextech: configured locations do not exist in nextech',
  },
  { reason: 'nextech.locations-not-found', style: 'sloppy', text: 'nextech configured locations dont exist' },
  {
    reason: 'nextech.locations-not-found',
    style: 'in a sentence',
    text: 'after the clinic renamed their sites the log says configured locations do not exist in Nextech',
  },
  { reason: 'nextech.locations-not-found', style: 'misspelt', text: 'nexttech: configured locatons do not exist' },
  {
    reason: 'nextech.locations-not-found',
    style: 'forwarded',
    text: 'configured locations do not exist in nextech',
  },
];

describe('diagnose: reasons as people write them, on every surface', () => {
  const { bot } = useBot();

  it('covers every reason in at least five styles, 150+ phrasing × surface cases', () => {
    for (const reason of Object.keys(ARTICLE)) {
      expect(PHRASINGS.filter((p) => p.reason === reason).length).toBeGreaterThanOrEqual(5);
    }
    expect(PHRASINGS.length * SURFACES.length).toBeGreaterThanOrEqual(150);
  });

  const cases = PHRASINGS.flatMap((phrasing) => SURFACES.map((surface) => ({ ...phrasing, surface })));

  it.each(cases)('$surface · $reason · $style: $text', async ({ surface, reason, style, text, ask }) => {
    const answer = await diagnoseVia(bot, surface as Surface, { text, forwarded: style === 'forwarded' });
    if (ask) {
      // Nothing names the CRM: every candidate is offered, and the answer says what would decide.
      expect(answer.header).toBeUndefined();
      expect(answer.picks).toEqual(ask);
      expect(answer.text).toContain('nothing says which CRM this is');
      expect(answer.text).toContain('To decide, choose the CRM');
      return;
    }
    const article = ARTICLE[reason];
    expect(answer.picks).toEqual([]);
    expect(answer.header).toBe(article.header);
    for (const key of article.logKeys) expect(answer.text).toContain(`\`${key}\``);
  });
});
