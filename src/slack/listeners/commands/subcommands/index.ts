import type { AllMiddlewareArgs, RespondArguments, SlashCommand } from '@slack/bolt';
import type { Logger } from '../../../../logger';
import type { Services } from '../../../../services';
import { bulk } from './bulk';
import { diagnose } from './diagnose';
import { help } from './help';
import { history } from './history';
import { lookup } from './lookup';
import { reauth } from './reauth';
import { setup } from './setup';
import { status } from './status';
import { triggers } from './triggers';

/**
 * The `/crm` subcommand registry: the one extension point for new subcommands.
 *
 * To add `/crm status`:
 *   1. Create `src/slack/listeners/commands/subcommands/status.ts` exporting
 *      `export const status: Subcommand = { usage, description, examples, run }`.
 *      Keep `run` thin: parse `ctx.args`, call a handler in src/handlers, `ctx.respond` the result.
 *   2. Add one line to SUBCOMMANDS below: `status,` (the key is what users type, lower case).
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

/** Key = what the user types after `/crm`. One line per subcommand; see the comment on Subcommand. */
export const SUBCOMMANDS: Record<string, Subcommand> = {
  bulk,
  diagnose,
  help,
  history,
  lookup,
  reauth,
  setup,
  status,
  triggers,
};
