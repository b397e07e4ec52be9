import { z } from 'zod';
import { ConfigError } from './errors';
import { parseLogFieldsSetting } from './logsearch/fields';

const commaList = z
  .string()
  .optional()
  .transform((v) =>
    (v ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  );

const url = z.url({ protocol: /^https?$/ });

/** An Elasticsearch index name or pattern (`bc-json-logs*`, `a,b`): nothing that could change the URL path. */
const indexPattern = z
  .string()
  .regex(/^[^\s/\\?#"<>|]+$/, 'must be an index name or pattern such as bc-json-logs*, without / ? # or spaces');

/** Every environment variable the bot reads. README "Configuration" lists the same, with defaults. */
export const Config = z.object({
  SLACK_BOT_TOKEN: z.string().regex(/^xox[bp]-/, 'must be a bot token (xoxb-...)'),
  SLACK_SIGNING_SECRET: z.string().min(8, 'must be the app signing secret'),
  /** Set to use Socket Mode instead of the HTTP receiver. */
  SLACK_APP_TOKEN: z
    .string()
    .regex(/^xapp-/, 'must be an app-level token (xapp-...)')
    .optional(),
  /** Slack Web API base URL, ending in /api/ (GovSlack, or a local stand-in in tests). */
  SLACK_API_URL: url.optional(),
  /**
   * Timeout of one Slack Web API attempt; a call is tried up to 3 times, so 4000 keeps a hanging Slack
   * (auth.test at start-up) to one clear log line within about 13 s.
   */
  SLACK_API_TIMEOUT_MS: z.coerce.number().int().positive().default(4000),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  INTEGRATION_API_URL: url.default('https://common-services.birdeye.com'),
  /** Overall deadline for one integration API call, retries included. */
  INTEGRATION_API_TIMEOUT_MS: z.coerce.number().int().positive().default(15000),
  /** Carestack vendor key: the same for every client, a deployment secret. */
  CARESTACK_VENDOR_KEY: z.string().min(1).optional(),
  /** Overrides https://<customer domain>.carestack.com (tests, proxies). `{domain}` is replaced. */
  CARESTACK_API_BASE_URL: z.string().min(1).optional(),
  REDIS_URL: z.string().min(1).optional(),
  /** SQLite state file used when REDIS_URL is unset (':memory:': a temporary file, nothing kept across a restart). */
  STATE_PATH: z.string().min(1).default('./data/crm-bot.sqlite'),
  /** How long audit entries are kept (SQLite and Redis). */
  AUDIT_RETENTION_DAYS: z.coerce.number().int().min(1).max(36500).default(400),
  ALLOWED_USERGROUP_IDS: commaList,
  ALLOWED_USER_IDS: commaList,
  AUDIT_CHANNEL_ID: z
    .string()
    .regex(/^[CG][A-Z0-9]+$/, 'must be a channel ID like C0123ABCD')
    .optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  BULK_CONCURRENCY: z.coerce.number().int().min(1).max(32).default(4),
  /**
   * After a create-group got no answer, how long another create for the same business and CRM is refused
   * while the bot re-reads the groups for the first one (it may still land).
   */
  CREATE_GROUP_RECHECK_MINUTES: z.coerce.number().int().min(1).max(1440).default(10),
  /**
   * Elasticsearch or OpenSearch base URL (the store behind Kibana). Unset: contact search is off and
   * diagnosis works by paste. `https://user:password@host` for basic auth.
   */
  LOG_SEARCH_URL: url.optional(),
  /** Sent as `Authorization: ApiKey <key>`. */
  LOG_SEARCH_API_KEY: z.string().min(1).optional(),
  LOG_SEARCH_CONTACT_INDEX: indexPattern.default('bc-json-logs*'),
  LOG_SEARCH_ERROR_INDEX: indexPattern.default('integration-errors*'),
  /** How far back contact searches look. */
  LOG_SEARCH_DAYS: z.coerce.number().int().min(1).max(365).default(30),
  /** Overall deadline of one search, retries included. */
  LOG_SEARCH_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(5000),
  /** Field names the bot reads: JSON, or the path of a .json/.yaml file; defaults in src/logsearch/fields.ts. */
  LOG_SEARCH_FIELDS: z
    .string()
    .optional()
    .transform((value, ctx) => {
      try {
        return parseLogFieldsSetting(value);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: err instanceof Error ? err.message : String(err) });
        return z.NEVER;
      }
    }),
  /** Who may search contacts; unset means everyone who may use the bot. */
  LOG_SEARCH_ALLOWED_USERGROUP_IDS: commaList,
  LOG_SEARCH_ALLOWED_USER_IDS: commaList,
});
export type Config = z.infer<typeof Config>;

/** Parses the environment; the error names the first bad variable in one line. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = Config.safeParse(cleaned);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const name = String(issue?.path[0] ?? 'environment');
    const why = issue?.code === 'invalid_type' && !(name in cleaned) ? 'is required' : (issue?.message ?? 'is invalid');
    throw new ConfigError('config_invalid', `Configuration error: ${name} ${why}`);
  }
  return parsed.data;
}
