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

const CENSOR = '[redacted]';

/** One step of REDACT_PATHS: a key, `*` (any key, or any index of an array), ending in a censor. */
interface RedactNode {
  children: Map<string, RedactNode>;
  any?: RedactNode;
  censor: boolean;
}

/** `a.b`, `*.b`, `a[*].b`, `a["x-y"]` → ['a', 'b'], ['*', 'b'], ['a', '*', 'b'], ['a', 'x-y']. */
function pathSegments(path: string): string[] {
  return [...path.matchAll(/\["([^"]+)"\]|\[(\*)\]|([^.[\]]+)/g)].map((m) => m[1] ?? m[2] ?? m[3]!);
}

function compileRedaction(paths: readonly string[]): RedactNode {
  const root: RedactNode = { children: new Map(), censor: false };
  for (const path of paths) {
    let node = root;
    for (const segment of pathSegments(path)) {
      const next: RedactNode = (segment === '*' ? node.any : node.children.get(segment)) ?? {
        children: new Map(),
        censor: false,
      };
      if (segment === '*') node.any = next;
      else node.children.set(segment, next);
      node = next;
    }
    node.censor = true;
  }
  return root;
}

/** A copy to censor in: same kind (an Error keeps its class, message and stack for pino's err serializer). */
function shallowCopy(value: object): Record<string, unknown> {
  if (Array.isArray(value)) return [...value] as unknown as Record<string, unknown>;
  if (value instanceof Error) {
    const copy = Object.assign(Object.create(Object.getPrototypeOf(value)) as Error, value);
    copy.message = value.message;
    if (value.stack !== undefined) copy.stack = value.stack;
    return copy as unknown as Record<string, unknown>;
  }
  return { ...(value as Record<string, unknown>) };
}

/** The value with every REDACT_PATHS match censored; copies only what changes, never mutates the caller's object. */
function redactValue(value: unknown, node: RedactNode): unknown {
  if (value === null || typeof value !== 'object') return value;
  let copy: Record<string, unknown> | undefined;
  const source = value as Record<string, unknown>;
  for (const key of Object.keys(source)) {
    const named = node.children.get(key);
    const matches = named && node.any ? [named, node.any] : named ? [named] : node.any ? [node.any] : [];
    if (matches.length === 0) continue;
    let next = source[key];
    for (const match of matches) next = match.censor ? CENSOR : redactValue(next, match);
    if (next !== source[key]) {
      copy ??= shallowCopy(source);
      copy[key] = next;
    }
  }
  return copy ?? value;
}

const REDACTION = compileRedaction(REDACT_PATHS);

/**
 * REDACT_PATHS applied in one walk per log line. (pino's own `redact` option re-reads every path on every
 * line: half a millisecond a line with these paths, more than the rest of handling a Slack request.)
 */
export function redactSecrets<T extends object>(obj: T): T {
  return redactValue(obj, REDACTION) as T;
}

export function createLogger(options: { level?: string; destination?: pino.DestinationStream } = {}): Logger {
  const logger = pino(
    {
      level: options.level ?? process.env.LOG_LEVEL ?? 'info',
      base: { service: 'crm-bot' },
      timestamp: pino.stdTimeFunctions.isoTime,
      // The base bindings and every line's fields go through the redaction; child bindings below.
      formatters: { level: (label) => ({ level: label }), bindings: redactSecrets, log: redactSecrets },
    },
    options.destination,
  );
  // pino gives a child's bindings no formatter; children (and theirs) inherit this child().
  const child = logger.child;
  logger.child = function redactedChild(this: Logger, bindings, childOptions) {
    return child.call(this, redactSecrets(bindings), childOptions);
  } as Logger['child'];
  return logger;
}

export type { Logger };
