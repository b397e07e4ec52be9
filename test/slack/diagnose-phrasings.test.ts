import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { diagnoseVia, SURFACES, type Surface } from '../support/diagnose-surfaces';
import { useBot } from '../support/use-bot';

/**
 * Every restriction reason of every CRM, written the way support engineers write them (exact,
 * sloppy, abbreviated, inside a sentence, CRM misspelt, forwarded, no CRM at all), through all three
 * surfaces. Whenever the text names the CRM (or only one CRM has the reason) the answer is the right
 * CRM and reason first time; otherwise it lists the candidates and says what would decide.
 * Expected headers and log keys are the articles' (catalog-independent on purpose); the phrasings
 * are data, in test/fixtures/diagnose-phrasings.yaml.
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

/** The candidates a `{ text, ask }` phrasing names. */
const CANDIDATES = { 'every-beta': EVERY_BETA, 'every-status': EVERY_STATUS, 'every-inactive': EVERY_INACTIVE };

const ReasonIdSchema = z.enum(Object.keys(ARTICLE) as [ReasonId, ...ReasonId[]]);
const StyleSchema = z.enum(['exact', 'sloppy', 'in a sentence', 'misspelt', 'forwarded', 'no CRM']);
type Style = z.infer<typeof StyleSchema>;
/**
 * A plain text is answered with its CRM and reason first time.
 * `ask`: nothing names the CRM and several CRMs have the reason: these candidates, and what would decide.
 * `conflict`: the CRM named has no reason as specific as the text: these candidates, and the sentence saying so.
 */
const PhrasingEntrySchema = z.union([
  z.string(),
  z.strictObject({ text: z.string(), ask: z.enum(Object.keys(CANDIDATES) as [keyof typeof CANDIDATES]) }),
  z.strictObject({
    text: z.string(),
    conflict: z.strictObject({ picks: z.array(ReasonIdSchema), says: z.string() }),
  }),
]);
/** Every reason (z.record over an enum wants all of them), each with the styles it has phrasings in. */
const PhrasingsFileSchema = z.record(ReasonIdSchema, z.partialRecord(StyleSchema, z.array(PhrasingEntrySchema)));

type Phrasing = {
  reason: ReasonId;
  style: Style;
  text: string;
  ask?: readonly string[];
  conflict?: { picks: readonly string[]; says: string };
};

function loadPhrasings(): Phrasing[] {
  const file = PhrasingsFileSchema.parse(
    parseYaml(readFileSync(path.join(__dirname, '..', 'fixtures', 'diagnose-phrasings.yaml'), 'utf8')),
  );
  return ReasonIdSchema.options.flatMap((reason) =>
    StyleSchema.options.flatMap((style) =>
      (file[reason][style] ?? []).map((entry): Phrasing => {
        if (typeof entry === 'string') return { reason, style, text: entry };
        if ('ask' in entry) return { reason, style, text: entry.text, ask: CANDIDATES[entry.ask] };
        return { reason, style, ...entry };
      }),
    ),
  );
}

const PHRASINGS = loadPhrasings();

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
