import { z } from 'zod';

/**
 * One schema for every CRM file under catalog/. Per-CRM knowledge lives in those
 * files; code reads it through these types only.
 */

export const AccountType = z.enum(['smb', 'enterprise']);
export type AccountType = z.infer<typeof AccountType>;

/** How the bot names an account type: inside a sentence ("SMB Cliniko setups") and as a choice in a form. */
export const ACCOUNT_TYPE_NAMES: Record<AccountType, { inSentence: string; choice: string }> = {
  smb: { inSentence: 'SMB', choice: 'SMB (one business)' },
  enterprise: { inSentence: 'enterprise', choice: 'Enterprise (locations)' },
};

export const Level = z.enum(['group', 'location']);
export type Level = z.infer<typeof Level>;

/** Ids of the live lookups the integration client implements (src/integration/lookups.ts; the vendor calls are in src/integration/vendors/). */
export const LookupId = z.enum([
  'carestack.locations',
  'carestack.appointmentStatuses',
  'cloud9.locations',
  'nextech.practitioners',
  'nextech.locations',
]);
export type LookupId = z.infer<typeof LookupId>;

/** How a property value must look, and how pasted input is normalised into it. */
export const ValueFormat = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('text') }),
  /** Digits only (an account id, a location code). */
  z.object({ kind: z.literal('integer') }),
  /** Number of days (customer fetch delay): a non-negative integer. */
  z.object({ kind: z.literal('days') }),
  z.object({ kind: z.literal('uuid') }),
  z.object({ kind: z.literal('boolean') }),
  /** "First Last"; "Last, First" is turned around (CareCloud provider name). */
  z.object({ kind: z.literal('personName') }),
  /** The part of a Carestack URL before `.carestack.com`, e.g. `partners.sb`. */
  z.object({ kind: z.literal('customerDomain') }),
  /**
   * A list in one string. `separator` splits what the user typed, `joinWith` is
   * what the article sends between items ("Checked-Out, Billed" vs "fulfilled,completed").
   */
  z.object({
    kind: z.literal('list'),
    separator: z.enum([',', '|']),
    joinWith: z.enum([',', ', ', '|']),
    item: z.enum(['text', 'integer']).default('text'),
  }),
]);
export type ValueFormat = z.infer<typeof ValueFormat>;

export const Requirement = z.enum(['required', 'optional', 'absent']);
export type Requirement = z.infer<typeof Requirement>;

export const PropertyDef = z.object({
  /** propertyKey exactly as the article sends it. */
  key: z.string().min(1),
  label: z.string().min(1).max(48),
  /** Where to find the value (in the CRM, or who provides it). */
  help: z.string().min(1),
  /** A credential: masked in every message, log, preview and audit record. */
  secret: z.boolean(),
  /** The `isSecure` flag sent in the body; absent means the article sends no `isSecure` key. */
  isSecure: z.boolean().optional(),
  /** Per account type: must the user give it, may they, or is it not offered. */
  requirement: z.object({ smb: Requirement, enterprise: Requirement }),
  /** Sent when the user leaves the field empty (a documented default). */
  default: z.string().optional(),
  /** What the CRM does when the property is not sent (shown as a hint, never sent). */
  implicitDefault: z.string().optional(),
  format: ValueFormat,
  lookup: LookupId.optional(),
  /** Where the catalog deliberately departs from the article for this property. */
  departure: z.string().optional(),
});
export type PropertyDef = z.infer<typeof PropertyDef>;

export const TriggerDef = z.object({
  /** Absent when the article names the trigger but gives no ID: resolved from the triggers endpoint by triggerName. */
  id: z.number().int().positive().optional(),
  triggerName: z.string().min(1),
  displayName: z.string().min(1),
  description: z.string().min(1),
  /** Absent with the id: both are read from the triggers endpoint. */
  triggerTypeId: z.number().int().positive().optional(),
  /** Sent in the create-group body only where the article sends it. */
  actionIds: z.array(z.number().int()).optional(),
  /** Pre-selected in the setup modal. */
  defaultSelected: z.boolean().default(false),
});
export type TriggerDef = z.infer<typeof TriggerDef>;

export const FixDef = z.discriminatedUnion('kind', [
  /** Add the contact's value to a list property. */
  z.object({ kind: z.literal('addToList'), property: z.string(), level: Level }),
  /** Re-send the location mapping with `beta: false`. */
  z.object({ kind: z.literal('setBetaFalse') }),
  /** Set (or correct) a property value. */
  z.object({ kind: z.literal('setProperty'), property: z.string(), level: Level }),
  /** No setting can fix it: the clinic must change something in their CRM. */
  z.object({ kind: z.literal('none'), clinicAction: z.string().min(1) }),
  /** A setting fixes it but the API offers no documented way: say where to change it. */
  z.object({ kind: z.literal('manual'), instructions: z.string().min(1) }),
]);
export type FixDef = z.infer<typeof FixDef>;

/** What in a contact's log record decides the reason, so the bot can say which value failed which rule. */
export const ReasonCheck = z.discriminatedUnion('kind', [
  /** The log value must be one of the configured (or default) list values. */
  z.object({
    kind: z.literal('inAllowedList'),
    logKey: z.string(),
    property: z.string().optional(),
    allowed: z.array(z.string()).optional(),
  }),
  /** The log flag must be false (beta) or true (active). */
  z.object({ kind: z.literal('flag'), logKey: z.string(), badValue: z.boolean() }),
  /** At least one of these log keys must carry a value (email/phone). */
  z.object({ kind: z.literal('anyPresent'), logKeys: z.array(z.string()).min(1) }),
]);
export type ReasonCheck = z.infer<typeof ReasonCheck>;

export const RestrictionReason = z.object({
  /** Stable id, unique across the catalog, e.g. `carecloud.provider-not-allowed`. */
  id: z.string().regex(/^[a-z0-9-]+\.[a-z0-9-]+$/),
  /** The reason exactly as the article prints it. */
  text: z.string().min(1),
  /** Other wordings the article or the logs use for the same reason. */
  aliases: z.array(z.string()).default([]),
  meaning: z.string().min(1),
  logKeys: z.array(z.string()).min(1),
  /** The property that controls it, and at which level. */
  controlledBy: z.object({ property: z.string(), level: Level }).optional(),
  check: ReasonCheck.optional(),
  fix: FixDef,
  /**
   * Re-authorizing the business clears this reason (a rejected, wrong or expired credential, a 401): only then
   * does the diagnosis offer Re-authorize. Reasons about the patient, the appointment or a setting leave it false.
   */
  reauthorizes: z.boolean().default(false),
});
export type RestrictionReason = z.infer<typeof RestrictionReason>;

export const NextRunWindow = z.object({
  /** "HH:MM" UTC, inclusive. */
  from: z.string().regex(/^\d{2}:\d{2}$/),
  to: z.string().regex(/^\d{2}:\d{2}$/),
});
export type NextRunWindow = z.infer<typeof NextRunWindow>;

export const LookupDef = z.object({
  id: LookupId,
  label: z.string().min(1),
  /** Property keys (group or location) whose values the lookup needs, e.g. practice.id. */
  needs: z.array(z.string()),
  /** The property the chosen value fills. */
  fills: z.string(),
});
export type LookupDef = z.infer<typeof LookupDef>;

export const CrmDefinition = z.object({
  /** Slug used in commands and ids: `/crm setup cloud9-ortho`. */
  id: z.string().regex(/^[a-z0-9-]+$/),
  displayName: z.string().min(1).max(24),
  /**
   * Other names people write for this CRM (`cloud9`, `c9`, `cloud nine`): diagnose reads them in pasted
   * text. Spaces and case never matter; a typo of a letter or two in a name of 6+ letters is found
   * without listing it here (src/diagnostics/crm-detect.ts), so list abbreviations and other words.
   */
  aliases: z.array(z.string()).default([]),
  integrationSource: z.string().min(1),
  integrationSourceId: z.number().int().positive(),
  category: z.enum(['Healthcare', 'Dental']),
  auth: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('oauth'), note: z.string() }),
    z.object({ kind: z.literal('credentials'), properties: z.array(z.string()).min(1) }),
  ]),
  accountTypes: z.array(AccountType).min(1),
  /** Why an account type is not offered and what to do instead, or how enterprise works. */
  accountTypeNote: z.string().optional(),
  triggers: z.array(TriggerDef).min(1),
  groupProperties: z.array(PropertyDef),
  locationProperties: z.array(PropertyDef),
  /** Mapping bodies carry `"test": false, "beta": false` in this CRM's article. */
  mappingSendsTestAndBeta: z.boolean(),
  nextRunWindow: z.object({ smb: NextRunWindow, enterprise: NextRunWindow }).optional(),
  lookups: z.array(LookupDef).default([]),
  /** Facts shown at the review step and in the App Home reference. */
  notes: z.array(z.string()).default([]),
  /** What to ask the client for before setup. */
  askClientFor: z.array(z.string()).default([]),
  reasons: z.array(RestrictionReason).min(1),
  reauth: z.object({
    steps: z.array(z.string()).min(1),
    /**
     * Credential-based CRMs: the location property a new credential replaces. Only a location's: re-auth
     * re-sends a mapping, and the API has no call that rewrites a group's properties.
     */
    credential: z
      .object({
        property: z.string(),
        level: z.literal('location', {
          error: 're-authorization can only re-send a mapping, so its credential must be a location property',
        }),
        obtainFrom: z.string(),
      })
      .optional(),
  }),
  campaignTags: z.array(z.string()).default([]),
  /** Where this file deliberately departs from the article, and why. */
  departures: z.array(z.string()).default([]),
});
export type CrmDefinition = z.infer<typeof CrmDefinition>;
