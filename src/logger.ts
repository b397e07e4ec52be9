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
