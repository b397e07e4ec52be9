import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

/** A document field name as Elasticsearch spells it: dotted paths and `@timestamp` are fine. */
const fieldName = z
  .string()
  .trim()
  .min(1)
  .regex(/^[@\w][\w.@-]*$/, 'must be a field name such as email or additionalParams.appointment.status');

/** The article keys the support articles send engineers to look up in Kibana. */
export const DEFAULT_ARTICLE_KEYS = [
  'pms_appointment_status',
  'pms_appointment_provider_name',
  'additionalParams.appointment.status',
  'additionalParams.appointment.types',
  'appointment.custom.status',
  'beta',
  'crm_locations',
] as const;

/**
 * The names of the fields the bot reads in log documents. Real documents may name them
 * differently, so every one can be overridden in LOG_SEARCH_FIELDS (README "Contact search").
 */
export const LogFields = z.strictObject({
  timestamp: fieldName.default('@timestamp'),
  email: fieldName.default('email'),
  phone: fieldName.default('phone'),
  firstName: fieldName.default('firstName'),
  lastName: fieldName.default('lastName'),
  name: fieldName.default('name'),
  customerId: fieldName.default('customerId'),
  businessNumber: fieldName.default('businessNumber'),
  integrationSource: fieldName.default('integrationSource'),
  integrationSourceId: fieldName.default('integrationSourceId'),
  restrictionReason: fieldName.default('restrictionReason'),
  articleKeys: z.array(fieldName).default([...DEFAULT_ARTICLE_KEYS]),
  /** Error index: the error text, its HTTP status, and the CRM's location names. */
  errorMessage: fieldName.default('message'),
  errorStatus: fieldName.default('statusCode'),
  crmLocations: fieldName.default('crm_locations'),
});
export type LogFields = z.infer<typeof LogFields>;

export const DEFAULT_LOG_FIELDS: LogFields = LogFields.parse({});

/**
 * LOG_SEARCH_FIELDS: unset (defaults), a JSON object, or the path of a .json, .yaml or .yml file
 * holding one. Only the names given are overridden. Throws one line saying what is wrong.
 */
export function parseLogFieldsSetting(setting: string | undefined): LogFields {
  const text = setting?.trim();
  if (!text) return DEFAULT_LOG_FIELDS;
  let raw: unknown;
  if (text.startsWith('{')) {
    try {
      raw = JSON.parse(text);
    } catch {
      throw new Error('is not a valid JSON object (or the path of a .json/.yaml file)');
    }
  } else {
    let content: string;
    try {
      content = readFileSync(text, 'utf8');
    } catch {
      throw new Error(`names a file that cannot be read (${text})`);
    }
    try {
      raw = /\.ya?ml$/i.test(text) ? parseYaml(content) : JSON.parse(content);
    } catch {
      throw new Error(`names a file that is not valid ${/\.ya?ml$/i.test(text) ? 'YAML' : 'JSON'} (${text})`);
    }
  }
  const parsed = LogFields.safeParse(raw ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const keys = issue?.code === 'unrecognized_keys' ? ` ${issue.keys.join(', ')}` : '';
    const where = issue?.path.length ? ` at ${issue.path.join('.')}` : '';
    throw new Error(
      `has a bad field mapping${where}: ${issue?.message ?? 'invalid'}${keys}. Known names: ${Object.keys(DEFAULT_LOG_FIELDS).join(', ')}`,
    );
  }
  return parsed.data;
}
