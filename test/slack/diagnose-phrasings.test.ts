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
/**
 * `ask`: nothing names the CRM and several CRMs have the reason: these candidates, and what would decide.
 * `conflict`: the CRM named has no reason as specific as the text: these candidates, and the sentence saying so.
 */
type Phrasing = {
  reason: ReasonId;
  style: Style;
  text: string;
  ask?: readonly string[];
  conflict?: { picks: readonly string[]; says: string };
};

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

  // More of the same reasons, as they turn up in #support threads.
  // CareCloud
  { reason: 'carecloud.provider-not-allowed', style: 'sloppy', text: 'cc provider not in allowed list, dr smith' },
  {
    reason: 'carecloud.provider-not-allowed',
    style: 'in a sentence',
    text: 'quick one - carecloud practice added a new dr last week and now his pts get "provider name is not in the allowed list", do we need to add him somewhere?',
  },
  {
    reason: 'carecloud.provider-not-allowed',
    style: 'misspelt',
    text: 'carecloud: provider nmae not in the allowd list',
  },
  {
    reason: 'carecloud.provider-not-allowed',
    style: 'forwarded',
    text: 'FW: restriction reason = Provider name is not in the allowed list\nCRM: CareCloud',
  },
  {
    reason: 'carecloud.provider-not-allowed',
    style: 'no CRM',
    text: 'why is the provider name not in the allowed list?',
  },
  { reason: 'carecloud.status-not-allowed', style: 'sloppy', text: 'carecloud status not on allowed list pls help' },
  {
    reason: 'carecloud.status-not-allowed',
    style: 'in a sentence',
    text: 'does anyone know which statuses carecloud allows? getting appointment status is not on the allowed list for a checked in appt',
  },
  {
    reason: 'carecloud.status-not-allowed',
    style: 'misspelt',
    text: 'carecould appointment staus not on the allowed list',
  },
  {
    reason: 'carecloud.status-not-allowed',
    style: 'no CRM',
    text: 'getting "appt status not on the allowed list" again',
    ask: EVERY_STATUS,
  },
  { reason: 'carecloud.integration-beta', style: 'sloppy', text: 'carecloud - beta integration, no requests' },
  {
    reason: 'carecloud.integration-beta',
    style: 'in a sentence',
    text: 'is carecloud still beta for us? restriction says integration is beta on the new location',
  },
  { reason: 'carecloud.integration-beta', style: 'misspelt', text: 'care clod integation is beta' },
  {
    reason: 'carecloud.integration-beta',
    style: 'forwarded',
    text: '> Integration is beta\n> CareCloud - Dr Patel Family Practice',
  },
  {
    reason: 'carecloud.integration-beta',
    style: 'no CRM',
    text: 'why does it say integration is beta??',
    ask: EVERY_BETA,
  },

  // Carestack
  {
    reason: 'carestack.status-not-configured',
    style: 'in a sentence',
    text: 'carestack office marked the appt completed but log says appointment status is not configured, what status do they need?',
  },
  {
    reason: 'carestack.status-not-configured',
    style: 'misspelt',
    text: 'care stak: appt status not configurd in the appointment status field',
  },
  {
    reason: 'carestack.status-not-configured',
    style: 'no CRM',
    text: 'restriction: appt status not configured in the status field',
  },
  {
    reason: 'carestack.customer-inactive',
    style: 'in a sentence',
    text: 'why would carestack mark a customer inactive? pt says she is active, log says Customer is inactive',
  },
  { reason: 'carestack.customer-inactive', style: 'misspelt', text: 'carestack: cusotmer is inactve' },
  {
    reason: 'carestack.customer-inactive',
    style: 'no CRM',
    text: 'pt skipped - customer inactive',
    ask: EVERY_INACTIVE,
  },
  {
    reason: 'carestack.no-contact',
    style: 'sloppy',
    text: 'carestack no phone or email - should be valid for creating a customer',
  },
  {
    reason: 'carestack.no-contact',
    style: 'in a sentence',
    text: 'care stack pt has no phone and no email on file, log says phone or email should be valid for creating a customer. anything we can do?',
  },
  {
    reason: 'carestack.no-contact',
    style: 'misspelt',
    text: 'carestack: phone or emal shuold be valid for creating a customer',
  },
  {
    reason: 'carestack.no-contact',
    style: 'no CRM',
    text: 'phone or email should be valid for creating a customer?? both null',
  },
  { reason: 'carestack.integration-beta', style: 'sloppy', text: 'care stack integration beta??' },
  {
    reason: 'carestack.integration-beta',
    style: 'in a sentence',
    text: 'onboarding says carestack is GA now but this location still shows integration is beta',
  },
  {
    reason: 'carestack.integration-beta',
    style: 'forwarded',
    text: 'FW: Integration is beta.\nCRM: Carestack',
  },

  // Cliniko
  {
    reason: 'cliniko.customer-inactive',
    style: 'in a sentence',
    text: 'physio clinic on cliniko says the patient came in yesterday but kibana says the customer is inactive?',
  },
  { reason: 'cliniko.customer-inactive', style: 'misspelt', text: 'clinkio customer is inactve' },
  {
    reason: 'cliniko.customer-inactive',
    style: 'forwarded',
    text: '> The customer is inactive\n> - Cliniko, Melbourne physio',
  },
  { reason: 'cliniko.integration-beta', style: 'sloppy', text: 'cliniko - beta integration' },
  {
    reason: 'cliniko.integration-beta',
    style: 'in a sentence',
    text: 'clinko location has not sent one review request this month, reason is integration is beta',
  },
  { reason: 'cliniko.integration-beta', style: 'misspelt', text: 'cliinko integratoin is beta' },
  { reason: 'cliniko.integration-beta', style: 'forwarded', text: 'FW: Integration is beta (Cliniko)' },
  { reason: 'cliniko.did-not-arrive', style: 'sloppy', text: 'cliniko dna - patient did not arrive' },
  {
    reason: 'cliniko.did-not-arrive',
    style: 'in a sentence',
    text: 'clinic swears the pt showed up but cliniko log says the patient did not arrive for an appointment, who is right?',
  },
  { reason: 'cliniko.did-not-arrive', style: 'misspelt', text: 'cliniko: patient did not arrvie for an appointmnet' },
  { reason: 'cliniko.did-not-arrive', style: 'no CRM', text: 'did not arrive?? she was there' },

  // Cloud 9 Ortho
  { reason: 'cloud9-ortho.status-not-allowed', style: 'sloppy', text: 'cloud9 status not in allowed list' },
  {
    reason: 'cloud9-ortho.status-not-allowed',
    style: 'in a sentence',
    text: 'which appt statuses does c9 allow? getting appointment status is not in the allowed list for a completed visit',
  },
  {
    reason: 'cloud9-ortho.status-not-allowed',
    style: 'misspelt',
    text: 'cloud 9 orhto: appointment staus is not in the allowed list',
  },
  {
    reason: 'cloud9-ortho.status-not-allowed',
    style: 'forwarded',
    text: 'FW: Appointment status is not in the allowed list\nCRM: Cloud 9',
  },
  {
    reason: 'cloud9-ortho.status-not-allowed',
    style: 'no CRM',
    text: 'appt status not in allowed list - what now',
    ask: EVERY_STATUS,
  },
  { reason: 'cloud9-ortho.integration-beta', style: 'sloppy', text: 'cloud9 beta integration?' },
  {
    reason: 'cloud9-ortho.integration-beta',
    style: 'in a sentence',
    text: 'ortho office on c9 is not getting requests at all, kibana shows integration is beta',
  },
  {
    reason: 'cloud9-ortho.integration-beta',
    style: 'no CRM',
    text: 'restriction reason integration=beta, how do we turn that off',
    ask: EVERY_BETA,
  },

  // Nextech
  { reason: 'nextech.status-not-allowed', style: 'sloppy', text: 'next tech status not in allowed list' },
  {
    reason: 'nextech.status-not-allowed',
    style: 'in a sentence',
    text: 'nextech pt was checked out but we get appointment status is not in the allowed list, can someone look',
  },
  {
    reason: 'nextech.status-not-allowed',
    style: 'misspelt',
    text: 'nextec appointment stauts not in the allowed list',
  },
  {
    reason: 'nextech.status-not-allowed',
    style: 'no CRM',
    text: 'status not in the allowed list?',
    ask: EVERY_STATUS,
  },
  {
    reason: 'nextech.type-not-allowed',
    style: 'in a sentence',
    text: 'nextech office added a new post-op visit type and those pts get appointment type is not in the allowed list',
  },
  { reason: 'nextech.type-not-allowed', style: 'misspelt', text: 'nexttech apointment tpye not in allowed list' },
  { reason: 'nextech.type-not-allowed', style: 'no CRM', text: 'appt type not in allowed list??' },
  { reason: 'nextech.custom-status-not-allowed', style: 'sloppy', text: 'next tech custom status not in allowed list' },
  {
    reason: 'nextech.custom-status-not-allowed',
    style: 'misspelt',
    text: 'nextech: custom appointmnet staus not in the allowed list',
  },
  {
    reason: 'nextech.custom-status-not-allowed',
    style: 'no CRM',
    text: 'custom appt status not in allowed list',
  },
  { reason: 'nextech.integration-beta', style: 'sloppy', text: 'next tech integration beta' },
  {
    reason: 'nextech.integration-beta',
    style: 'in a sentence',
    text: 'new nextech emr account is live but everything is restricted with integration is beta',
  },
  { reason: 'nextech.integration-beta', style: 'misspelt', text: 'nexteck intergration is beta' },
  {
    reason: 'nextech.integration-beta',
    style: 'no CRM',
    text: 'all contacts restricted: integration is beta',
    ask: EVERY_BETA,
  },
  {
    reason: 'nextech.locations-not-found',
    style: 'in a sentence',
    text: 'nextech practice merged two offices and now we get configured locations do not exist in nextech, how do we remap?',
  },
  { reason: 'nextech.locations-not-found', style: 'misspelt', text: 'nextech configurd locations do not exsit' },
  {
    reason: 'nextech.locations-not-found',
    style: 'no CRM',
    text: 'configured locations do not exist',
  },
  {
    reason: 'nextech.locations-not-found',
    style: 'forwarded',
    text: 'FW: configured locations do not exist in nextech\nlocation: Eye Center West',
  },

  // Shorthand, dropped words and typos as typed in a hurry: appt, cust, stat, loc, integ, pt, dna, "??", FW:.
  { reason: 'carestack.status-not-configured', style: 'sloppy', text: 'carestack - status not configured' },
  { reason: 'carestack.status-not-configured', style: 'misspelt', text: 'caresatck appt status not configd' },
  { reason: 'carestack.status-not-configured', style: 'forwarded', text: 'FW: carestack appt stat not configured??' },
  { reason: 'carestack.customer-inactive', style: 'sloppy', text: 'carestack cust inactive?' },
  { reason: 'carestack.customer-inactive', style: 'forwarded', text: 'FW: cust inactive - carestack' },
  {
    reason: 'carestack.customer-inactive',
    style: 'no CRM',
    text: 'cust inactive??',
    ask: EVERY_INACTIVE,
  },
  {
    reason: 'carestack.no-contact',
    style: 'sloppy',
    text: 'carestack: phone/email shud be valid for creating a cust',
  },
  { reason: 'carestack.integration-beta', style: 'misspelt', text: 'carestack integartion is bta' },
  { reason: 'carestack.integration-beta', style: 'misspelt', text: 'crestack integration beta' },
  { reason: 'cliniko.customer-inactive', style: 'sloppy', text: 'cliniko cust inactive - why' },
  { reason: 'cliniko.integration-beta', style: 'sloppy', text: 'clinko integ is beta' },
  { reason: 'cliniko.integration-beta', style: 'sloppy', text: 'clinko integ=beta??' },
  { reason: 'cliniko.did-not-arrive', style: 'sloppy', text: "cliniko - pt DNA'd appt" },
  { reason: 'cliniko.did-not-arrive', style: 'sloppy', text: 'cliniko pt dna' },
  { reason: 'cliniko.did-not-arrive', style: 'misspelt', text: 'cliniko pt didnt arrive?' },
  { reason: 'cloud9-ortho.integration-beta', style: 'misspelt', text: 'clowd 9 integration is beta' },
  { reason: 'cloud9-ortho.integration-beta', style: 'sloppy', text: 'cloud 9 integ beta??' },
  { reason: 'cloud9-ortho.status-not-allowed', style: 'sloppy', text: 'c9 appt stat not allowed??' },
  {
    reason: 'cloud9-ortho.status-not-allowed',
    style: 'forwarded',
    text: 'RE: FW: cloud9 - appt status not allowed, pt was seen',
  },
  {
    reason: 'cloud9-ortho.status-not-allowed',
    style: 'no CRM',
    text: 'appt stat not allowed',
    ask: EVERY_STATUS,
  },
  { reason: 'carecloud.provider-not-allowed', style: 'sloppy', text: 'carecloud prov name not in allowed lst' },
  { reason: 'carecloud.provider-not-allowed', style: 'sloppy', text: 'care cloud prov not allowed' },
  {
    reason: 'carecloud.status-not-allowed',
    style: 'forwarded',
    text: 'carecloud stat not on allowed list - FW from clinic',
  },
  {
    reason: 'carecloud.status-not-allowed',
    style: 'misspelt',
    text: 'carecloud appt statuses not on the alowed list',
  },
  {
    reason: 'carecloud.integration-beta',
    style: 'forwarded',
    text: 'FW: integ is beta',
    ask: EVERY_BETA,
  },
  { reason: 'nextech.status-not-allowed', style: 'sloppy', text: 'nextech appt stat not in allowed list' },
  { reason: 'nextech.type-not-allowed', style: 'sloppy', text: 'next tech appt type not allowed' },
  { reason: 'nextech.type-not-allowed', style: 'misspelt', text: 'nxtech appt type not allowed' },
  { reason: 'nextech.custom-status-not-allowed', style: 'sloppy', text: 'next tech cust appt status not allowed' },
  {
    reason: 'nextech.custom-status-not-allowed',
    style: 'sloppy',
    text: 'nexttech: cust appt status not on allowed list',
  },
  {
    reason: 'nextech.custom-status-not-allowed',
    style: 'no CRM',
    text: "hi team, patient didn't get a request, restriction says custom appointment status is not in the allowed list, can someone check",
  },
  {
    // Only Nextech has a custom-status reason: CareCloud's plain status reason would drop the word that matters.
    reason: 'nextech.custom-status-not-allowed',
    style: 'in a sentence',
    text: "hi team, patient didn't get a request, restriction says custom appointment status is not in the allowed list for carecloud, can someone check",
    conflict: {
      picks: ['nextech.custom-status-not-allowed', 'carecloud.status-not-allowed'],
      says: 'fits Nextech',
    },
  },
  { reason: 'nextech.locations-not-found', style: 'sloppy', text: 'next tech locations dont exist??' },
  { reason: 'nextech.locations-not-found', style: 'sloppy', text: 'nextech locs dont exist anymore' },
  { reason: 'nextech.locations-not-found', style: 'forwarded', text: 'FW: nexttech - configured locs dont exist' },
];

describe('diagnose: reasons as people write them, on every surface', () => {
  const { bot } = useBot();

  it('covers every reason in at least five styles, 150+ distinct phrasings on every surface', () => {
    for (const reason of Object.keys(ARTICLE)) {
      const styles = new Set(PHRASINGS.filter((p) => p.reason === reason).map((p) => p.style));
      expect(styles.size).toBeGreaterThanOrEqual(5);
    }
    expect(new Set(PHRASINGS.map((p) => p.text)).size).toBeGreaterThanOrEqual(150);
    expect(SURFACES).toEqual(['command', 'mention', 'shortcut']);
  });

  const cases = PHRASINGS.flatMap((phrasing) => SURFACES.map((surface) => ({ ...phrasing, surface })));

  it.each(cases)('$surface · $reason · $style: $text', async ({ surface, reason, style, text, ask, conflict }) => {
    const answer = await diagnoseVia(bot, surface as Surface, { text, forwarded: style === 'forwarded' });
    if (conflict) {
      // The CRM named and the wording point different ways: both are offered, and the answer says why.
      expect(answer.header).toBeUndefined();
      expect(answer.picks).toEqual(conflict.picks);
      expect(answer.text).toContain(conflict.says);
      return;
    }
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

/** Texts that look like a reason but are not one, or name a CRM that has no such reason: never a wrong answer. */
const NOT_THAT_REASON: Array<{ text: string; none?: string; picks?: readonly string[]; says?: string }> = [
  // "did not" and "patient" without "arrive" are how people describe any missed request.
  { text: 'cliniko patient did not get a request', none: 'Cliniko' },
  { text: "cliniko pt didn't get a review request??", none: 'Cliniko' },
  { text: 'carestack status?', none: 'Carestack' },
  {
    text: 'carestack appt status is not in the allowed list',
    picks: EVERY_STATUS,
    says: 'but no reason of that CRM matches the text',
  },
  {
    text: 'carecloud appt type not in allowed list',
    picks: ['nextech.type-not-allowed'],
    says: 'but no reason of that CRM matches the text',
  },
];

describe('diagnose: near misses get no reason, or a question saying why', () => {
  const { bot } = useBot();
  const cases = NOT_THAT_REASON.flatMap((c) => SURFACES.map((surface) => ({ ...c, surface })));

  it.each(cases)('$surface: $text', async ({ surface, text, none, picks, says }) => {
    const answer = await diagnoseVia(bot, surface as Surface, { text });
    expect(answer.header).toBeUndefined();
    if (none) {
      expect(answer.picks).toEqual([]);
      expect(answer.text).toContain(`No known restriction reason for ${none} matches that text`);
      return;
    }
    expect(answer.picks).toEqual(picks);
    expect(answer.text).toContain(says);
  });
});
