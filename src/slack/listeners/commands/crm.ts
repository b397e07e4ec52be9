import type { App, RespondArguments, RespondFn, SlashCommand } from '@slack/bolt';
import type { Services } from '../../../services';
import { levenshtein } from '../../../text';
import { buildDidYouMean, buildHelpMessage } from '../../views/help';
import { SUBCOMMANDS, type Subcommand, type SubcommandContext } from './subcommands';
import { helpInput } from './subcommands/help';

export const CRM_COMMAND = '/crm';
/** Typos within this many edits get "Did you mean …?" instead of the full help. */
const MAX_SUGGESTION_DISTANCE = 2;

/** The /crm router: ack at once, then parse and dispatch to SUBCOMMANDS (see subcommands/index.ts). */
export function registerCrmCommand(app: App, services: Services): void {
  app.command(CRM_COMMAND, async ({ command, ack, respond, client }) => {
    // Slack gives us 3 s; subcommands may call slow APIs, so ack before anything else.
    await ack();
    await dispatchCrmCommand({ command, respond, client, services, registry: SUBCOMMANDS });
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
  const base = { subcommands: registry, services };
  if (route.kind === 'unknown') {
    const note = parsed.name ? `I don't know \`/crm ${parsed.name}\`. Here is what I can do:` : undefined;
    await respond(buildHelpMessage(helpInput(base, note)));
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
