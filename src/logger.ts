import pino, { type Logger } from 'pino';

/**
 * The one place that builds the logger. Redaction covers every path that can
 * carry a secret; values of secure properties are masked before they are logged
 * (see maskProperties in src/planner), this is the second line of defence.
 */
export const REDACT_PATHS = [
  'token',
  '*.token',
  'botToken',
  '*.botToken',
  'appToken',
  '*.appToken',
  'signingSecret',
  '*.signingSecret',
  'authorization',
  '*.authorization',
  'headers.authorization',
  '*.headers.authorization',
  'headers.AccountKey',
  'headers.VendorKey',
  'headers.AccountId',
  '*.headers.AccountKey',
  '*.headers.VendorKey',
  '*.headers.AccountId',
  'vendorKey',
  '*.vendorKey',
  'accountKey',
  '*.accountKey',
  'accountId',
  '*.accountId',
  'clientId',
  '*.clientId',
  'practiceId',
  '*.practiceId',
  'secret',
  '*.secret',
  'password',
  '*.password',
  'apiKey',
  '*.apiKey',
  'credentials',
  '*.credentials',
  // Environment variable names, should a config object ever be logged.
  'SLACK_BOT_TOKEN',
  '*.SLACK_BOT_TOKEN',
  'SLACK_SIGNING_SECRET',
  '*.SLACK_SIGNING_SECRET',
  'SLACK_APP_TOKEN',
  '*.SLACK_APP_TOKEN',
  'CARESTACK_VENDOR_KEY',
  '*.CARESTACK_VENDOR_KEY',
  'REDIS_URL',
  '*.REDIS_URL',
  'LOG_SEARCH_URL',
  '*.LOG_SEARCH_URL',
  'LOG_SEARCH_API_KEY',
  '*.LOG_SEARCH_API_KEY',
  'headers.cookie',
  '*.headers.cookie',
  'headers["x-slack-signature"]',
  '*.headers["x-slack-signature"]',
  // Property lists as sent to the API: values of isSecure properties live here.
  'integrationGroupProperties[*].propertyValue',
  '*.integrationGroupProperties[*].propertyValue',
  'integrationProperties[*].propertyValue',
  '*.integrationProperties[*].propertyValue',
  'properties[*].propertyValue',
  '*.properties[*].propertyValue',
  'body',
  '*.body',
  'payload',
  '*.payload',
];

export function createLogger(options: { level?: string; destination?: pino.DestinationStream } = {}): Logger {
  return pino(
    {
      level: options.level ?? process.env.LOG_LEVEL ?? 'info',
      base: { service: 'crm-bot' },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    options.destination,
  );
}

export type { Logger };
