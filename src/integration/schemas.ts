import { z } from 'zod';

/**
 * Shapes of what the integration API (and the vendor APIs behind lookups) send
 * and receive, as shown in the five support articles. Strict where the bot
 * relies on a value (group ids, trigger ids are integers), tolerant elsewhere:
 * optional fields may be missing or null, unknown fields are ignored.
 */

const Int = z.number().int();
const PositiveInt = Int.positive();

// ---------------------------------------------------------------- triggers

const TriggerType = z.object({ id: Int, name: z.string().nullish() });

/** One entry of GET /integration/trigger/integrationtriggers/sourceid/{id}. */
export const TriggerListItem = z.object({
  id: PositiveInt,
  triggerService: z.string().nullish(),
  displayName: z.string(),
  description: z.string().nullish(),
  active: z.boolean().nullish(),
  /** An object in the CareCloud, Carestack and Cliniko samples, an array in Cloud 9 and Nextech: always an array here. */
  integrationTriggerType: z
    .union([TriggerType, z.array(TriggerType)])
    .nullish()
    .transform((type) => (type == null ? [] : Array.isArray(type) ? type : [type])),
  actionGroupId: Int.nullish(),
  sourceIdsList: z.array(Int).nullish(),
  /** Missing in the Nextech sample. */
  triggerName: z.string().nullish(),
  caseTypeId: Int.nullish(),
  integrationSourceId: Int.nullish(),
  integrationSourceName: z.string().nullish(),
});
export type TriggerListItem = z.infer<typeof TriggerListItem>;

export const TriggerList = z.array(TriggerListItem);
export type TriggerList = z.infer<typeof TriggerList>;

// ------------------------------------------------------------------ groups

export const GroupTrigger = z.object({
  triggerId: PositiveInt,
  triggerTypeId: PositiveInt,
  actionIds: z.array(Int).optional(),
});
export type GroupTrigger = z.infer<typeof GroupTrigger>;

export const IntegrationSourceType = z.object({
  id: PositiveInt,
  integrationSource: z.string(),
  /** Present in every sample; optional so that a group missing it can still be read back. */
  sourceCategory: z.string().nullish(),
  integrationType: z.string().nullish(),
  integrationPlan: z.string().nullish(),
  /** Present in every sample; optional for the same reason as sourceCategory. */
  oauthEnabled: z.boolean().nullish(),
});
export type IntegrationSourceType = z.infer<typeof IntegrationSourceType>;

export const Group = z.object({
  groupId: PositiveInt,
  integrationSourceType: IntegrationSourceType,
  integrationGroupTriggers: z
    .array(GroupTrigger)
    .nullish()
    .transform((triggers) => triggers ?? []),
});
export type Group = z.infer<typeof Group>;

/**
 * GET /integration/businessintegrationgroup/{businessNumber}: a single object in
 * the CareCloud, Carestack and Cliniko articles, an array in Cloud 9 and Nextech.
 * Always a list here (empty when the business has no group).
 */
export const GroupList = z
  .union([z.array(Group), Group, z.null()])
  .transform((groups) => (groups === null ? [] : Array.isArray(groups) ? groups : [groups]));
export type GroupList = z.infer<typeof GroupList>;

// --------------------------------------------------------- lookup sources

/** GET /commonservices/cloud9/locations. */
export const Cloud9Location = z.object({
  locationGuid: z.string(),
  locationName: z.string(),
  /** A string ("4") in the sample; a number is accepted and turned into its digits. */
  locationCode: z.union([z.string().min(1), Int]).transform(String),
  locationCity: z.string().nullish(),
  locationState: z.string().nullish(),
});
export type Cloud9Location = z.infer<typeof Cloud9Location>;
export const Cloud9LocationList = z.array(Cloud9Location);

/** Carestack GET /api/v1.0/locations: the bot uses id and name; every other field is kept as sent. */
export const CarestackLocation = z.looseObject({
  id: Int,
  name: z.string(),
  shortName: z.string().nullish(),
});
export type CarestackLocation = z.infer<typeof CarestackLocation>;
export const CarestackLocationList = z.array(CarestackLocation);

/** Carestack GET /api/v1.0/appointment-status. */
export const CarestackAppointmentStatus = z.looseObject({
  id: Int,
  name: z.string(),
  description: z.string().nullish(),
  isActive: z.boolean().nullish(),
  isSystem: z.boolean().nullish(),
});
export type CarestackAppointmentStatus = z.infer<typeof CarestackAppointmentStatus>;
export const CarestackAppointmentStatusList = z.array(CarestackAppointmentStatus);

/*
 * Nextech practitioners and locations: the article gives the curl commands but
 * no sample response. ASSUMPTION, to be confirmed against the live API: the
 * answer is a list of objects, either bare or wrapped (`{data|items|results|
 * practitioners|locations: [...]}`, or a FHIR Bundle `{entry: [{resource}]}`,
 * since Nextech's own API is FHIR). From each item the first present of the
 * keys below is used; a FHIR HumanName (`name: [{text}|{given, family}]`) is
 * accepted for practitioners. Items without the needed fields are skipped; a
 * non-empty list where no item has them is a bad response, not an empty one.
 */

export const NextechPractitioner = z.object({ id: z.string().min(1), name: z.string().min(1) });
export type NextechPractitioner = z.infer<typeof NextechPractitioner>;

export const NextechLocation = z.object({ id: z.string().optional(), name: z.string().min(1) });
export type NextechLocation = z.infer<typeof NextechLocation>;

type Item = Record<string, unknown>;

const LIST_WRAPPER_KEYS = ['data', 'items', 'results', 'practitioners', 'locations', 'entry'];
const PRACTITIONER_ID_KEYS = ['id', 'practitionerId', 'practitionerID', 'providerId', 'value'];
const LOCATION_ID_KEYS = ['id', 'locationId', 'locationID', 'value'];
const NAME_KEYS = ['displayName', 'fullName', 'name', 'locationName', 'practitionerName', 'label'];

function isItem(value: unknown): value is Item {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function unwrapList(raw: unknown): Item[] | undefined {
  let list: unknown = raw;
  if (isItem(raw)) list = LIST_WRAPPER_KEYS.map((key) => raw[key]).find(Array.isArray);
  if (!Array.isArray(list)) return undefined;
  // FHIR Bundle entries carry the record under `resource`.
  return list.filter(isItem).map((item) => (isItem(item.resource) ? item.resource : item));
}

function text(value: unknown): string | undefined {
  if (typeof value === 'string' && value.trim()) return value.trim();
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

function firstText(item: Item, keys: readonly string[]): string | undefined {
  for (const key of keys) {
    const found = text(item[key]);
    if (found) return found;
  }
  return undefined;
}

/** A FHIR HumanName (or a list of them): `text`, else given names and family name. */
function humanName(value: unknown): string | undefined {
  const name = Array.isArray(value) ? value.find(isItem) : value;
  if (!isItem(name)) return undefined;
  const given = Array.isArray(name.given) ? name.given.map(text).filter(Boolean) : [];
  return text(name.text) ?? text([...given, text(name.family)].filter(Boolean).join(' '));
}

function personName(item: Item): string | undefined {
  const joined = [text(item.firstName), text(item.lastName)].filter(Boolean).join(' ');
  return firstText(item, NAME_KEYS) ?? humanName(item.name) ?? text(joined);
}

function namedList<T>(what: string, pick: (item: Item) => T | undefined) {
  return z.unknown().transform((raw, ctx): T[] => {
    const items = unwrapList(raw);
    if (!items) {
      ctx.addIssue({ code: 'custom', message: `expected a list of ${what}` });
      return z.NEVER;
    }
    const picked = items.map(pick).filter((entry): entry is T => entry !== undefined);
    if (items.length > 0 && picked.length === 0) {
      ctx.addIssue({ code: 'custom', message: `no ${what} entry has the expected id and name fields` });
      return z.NEVER;
    }
    return picked;
  });
}

export const NextechPractitionerList = namedList<NextechPractitioner>('practitioner', (item) => {
  const id = firstText(item, PRACTITIONER_ID_KEYS);
  const name = personName(item);
  return id && name ? { id, name } : undefined;
});

export const NextechLocationList = namedList<NextechLocation>('location', (item) => {
  const name = firstText(item, NAME_KEYS) ?? humanName(item.name);
  return name ? { id: firstText(item, LOCATION_ID_KEYS), name } : undefined;
});

// ----------------------------------------------------------- request bodies

export const PropertyInput = z.object({
  propertyKey: z.string().min(1),
  /** May be empty: Nextech sends an empty appointment.types to mean "all types". */
  propertyValue: z.string(),
  /** Only sent where the article sends it. */
  isSecure: z.boolean().optional(),
});
export type PropertyInput = z.infer<typeof PropertyInput>;

/** PUT /integration/add/businessintegrationgroup. */
export const CreateGroupBody = z.object({
  parentBusinessNumber: PositiveInt,
  integrationSourceId: PositiveInt,
  integrationGroupProperties: z.array(PropertyInput).optional(),
  integrationGroupTriggers: z.array(GroupTrigger).min(1),
});
export type CreateGroupBody = z.infer<typeof CreateGroupBody>;

/**
 * What create-group answers, as far as the bot reads it: undocumented, but it carries the new group's id
 * (the CareCloud article: "We will get the group ID once we run the first curl"). Every other field,
 * such as the echoed properties, is dropped.
 */
export const CreateGroupAnswer = z.object({ groupId: PositiveInt });

/** POST /integration/update/businessintegrationgroup?replaceTriggers=... */
export const UpdateTriggersBody = z.object({
  groupId: PositiveInt,
  integrationGroupTriggers: z.array(GroupTrigger).min(1),
});
export type UpdateTriggersBody = z.infer<typeof UpdateTriggersBody>;

/** PUT /integration/add/businessintegrationmapping. */
export const CreateMappingBody = z.object({
  businessNumber: PositiveInt,
  integrationGroupId: PositiveInt,
  active: z.boolean(),
  integrationProperties: z.array(PropertyInput).optional(),
  /** Sent (as false) only by the CRMs whose article sends them (Carestack, Cliniko). */
  test: z.boolean().optional(),
  beta: z.boolean().optional(),
});
export type CreateMappingBody = z.infer<typeof CreateMappingBody>;
