import type { AllMiddlewareArgs, RespondArguments, RespondFn, SlashCommand } from '@slack/bolt';
import { helpInput } from '../flows/help/service';
import { buildDidYouMean, buildHelpMessage } from '../flows/help/views';
import type { Logger } from '../logger';
import type { Services } from '../services';
import { levenshtein } from '../text';
import type { ListenerRegistry } from './listener-table';

/**
 * The `/crm` subcommand registry: the one extension point for new subcommands.
 *
 * To add `/crm status`:
 *   1. In `src/flows/status/listeners.ts` export
 *      `export const status: Subcommand = { usage, description, examples, run }`.
 *      Keep `run` thin: parse `ctx.args`, call the flow's service, `ctx.respond` its view.
 *   2. Add one line to SUBCOMMANDS in src/slack/register.ts: `status,` (the key is what users type, lower case).
 * Help, "did you mean" suggestions and the router pick it up from this table; nothing else changes.
 *
 * Rules for `run`:
 *   - The router has already acked the slash command (Slack's 3 s deadline), so never ack again.
 *   - `ctx.command.trigger_id` expires 3 s after the user pressed Enter: open a modal first, then do slow work.
 *   - Throw BotError (src/errors.ts) for expected failures; the error boundary in src/slack/app.ts logs it
 *     and answers the user with `userMessage(err)`, ephemerally.
 */
export interface Subcommand {
  /** How to call it, shown in help: '/crm status <business number>'. */
  usage: string;
  /** One sentence for help. */
  description: string;
  /** Complete example invocations, shown in help. */
  examples?: readonly string[];
  /** Left out of help and suggestions (test-only or unfinished subcommands). */
  hidden?: boolean;
  run(ctx: SubcommandContext): Promise<void>;
}

/** The slash command fields subcommands can rely on (the rest of Slack's payload is there too). */
export type CrmCommandPayload = Pick<
  SlashCommand,
  'user_id' | 'user_name' | 'channel_id' | 'team_id' | 'trigger_id' | 'text' | 'response_url' | 'command'
>;

export interface SubcommandContext {
  /** Always true: the router acked before calling `run`. */
  readonly acked: true;
  /** The registry key that matched, e.g. 'status'. */
  name: string;
  /** Words after the subcommand; "quoted phrases" stay one argument. */
  args: string[];
  /** Everything after the subcommand, verbatim (for free-form input such as a pasted URL). */
  rest: string;
  command: CrmCommandPayload;
  /** Replies through response_url; ephemeral (only the caller sees it) unless you set response_type. */
  respond(message: string | RespondArguments): Promise<void>;
  /** Web API client with the bot token. */
  client: AllMiddlewareArgs['client'];
  services: Services;
  /** services.logger with the subcommand and user attached. */
  logger: Logger;
  /** The whole registry (help lists it). */
  subcommands: Readonly<Record<string, Subcommand>>;
}

export const CRM_COMMAND = '/crm';
/** Typos within this many edits get "Did you mean …?" instead of the full help. */
const MAX_SUGGESTION_DISTANCE = 2;

/** The /crm router: ack at once, then parse and dispatch to the registry (SUBCOMMANDS in register.ts). */
export function registerCrmCommand(
  app: ListenerRegistry,
  services: Services,
  registry: Readonly<Record<string, Subcommand>>,
): void {
  app.command(CRM_COMMAND, async ({ command, ack, respond, client }) => {
    // Slack gives us 3 s; subcommands may call slow APIs, so ack before anything else.
    await ack();
    await dispatchCrmCommand({ command, respond, client, services, registry });
  });
}

export async function dispatchCrmCommand(input: {
  command: SlashCommand;
  respond: RespondFn;
  client: SubcommandContext['client'];
  services: Services;
  registry: Readonly<Record<string, Subcommand>>;
}): Promise<void> {
  const { command, client, services, registry } = input;
  const parsed = parseCommandText(command.text ?? '');
  const respond = ephemeral(input.respond);
  const route = routeSubcommand(parsed.name, registry);

  if (route.kind === 'suggest') {
    await respond(buildDidYouMean(parsed.name, route.suggestion));
    return;
  }
  if (route.kind === 'unknown') {
    const note = parsed.name ? `I don't know \`/crm ${parsed.name}\`. Here is what I can do:` : undefined;
    await respond(buildHelpMessage(helpInput(registry, services, note)));
    return;
  }
  const ctx: SubcommandContext = {
    acked: true,
    name: route.name,
    args: parsed.args,
    rest: parsed.rest,
    command,
    respond,
    client,
    services,
    logger: services.logger.child({ subcommand: route.name, user: command.user_id }),
    subcommands: registry,
  };
  await route.subcommand.run(ctx);
}

export type Route =
  | { kind: 'run'; name: string; subcommand: Subcommand }
  | { kind: 'suggest'; suggestion: string }
  | { kind: 'unknown' };

/** Exact (case-insensitive) match runs; a close typo of a visible subcommand is suggested; anything else is unknown. */
export function routeSubcommand(name: string, registry: Readonly<Record<string, Subcommand>>): Route {
  if (!name) return { kind: 'unknown' };
  const subcommand = Object.hasOwn(registry, name) ? registry[name] : undefined;
  if (subcommand) return { kind: 'run', name, subcommand };
  let best: { name: string; distance: number } | undefined;
  for (const [candidate, sub] of Object.entries(registry)) {
    if (sub.hidden) continue;
    const distance = levenshtein(name, candidate);
    if (distance <= MAX_SUGGESTION_DISTANCE && (!best || distance < best.distance))
      best = { name: candidate, distance };
  }
  return best ? { kind: 'suggest', suggestion: best.name } : { kind: 'unknown' };
}

export interface ParsedCommand {
  /** Lower-cased first word, '' for empty input. */
  name: string;
  args: string[];
  rest: string;
}

/** Splits `/crm` text into subcommand and arguments. Double or smart quotes group words: `lookup "Open Dental"`. */
export function parseCommandText(text: string): ParsedCommand {
  const trimmed = text.trim();
  const match = /^(\S+)\s*([\s\S]*)$/.exec(trimmed);
  if (!match) return { name: '', args: [], rest: '' };
  const rest = match[2] ?? '';
  return { name: (match[1] ?? '').toLowerCase(), args: tokenize(rest), rest };
}

function tokenize(text: string): string[] {
  const tokens: string[] = [];
  for (const m of text.matchAll(/["“”]([^"“”]*)["“”]|(\S+)/g)) tokens.push(m[1] ?? m[2] ?? '');
  return tokens;
}

function ephemeral(respond: RespondFn): SubcommandContext['respond'] {
  return async (message) => {
    const args: RespondArguments = typeof message === 'string' ? { text: message } : message;
    await respond({ response_type: 'ephemeral', ...args });
  };
}
