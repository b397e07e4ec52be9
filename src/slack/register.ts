import type { App } from '@slack/bolt';
import { bulk, registerBulk, resumeBulkRuns } from '../flows/bulk/listeners';
import { answerContactInModal, answerContactMention, contact } from '../flows/contact/listeners';
import { type ContactSurfaces, diagnoseCommand, registerDiagnose } from '../flows/diagnose/listeners';
import { help } from '../flows/help/listeners';
import { history, registerHistory } from '../flows/history/listeners';
import { registerHome } from '../flows/home/listeners';
import { lookup, registerLookup } from '../flows/lookup/listeners';
import { reauth, registerReauth } from '../flows/reauth/listeners';
import { registerSetup, setup } from '../flows/setup/listeners';
import { status } from '../flows/status/listeners';
import { triggers } from '../flows/triggers/listeners';
import type { Services } from '../services';
import type { ListenerRegistry } from './listener-table';
import { registerCrmCommand, type Subcommand } from './router';

/** Diagnose answers a contact it finds in its input with the contact flow's answers. */
const CONTACT_SURFACES: ContactSurfaces = { inModal: answerContactInModal, inMention: answerContactMention };

/**
 * Key = what the user types after `/crm`. One line per subcommand; each comes from its flow's listeners.ts
 * (see the comment on Subcommand in router.ts). Mutable so tests can add a hidden subcommand.
 */
export const SUBCOMMANDS: Record<string, Subcommand> = {
  bulk,
  contact,
  diagnose: diagnoseCommand(CONTACT_SURFACES),
  help,
  history,
  lookup,
  reauth,
  setup,
  status,
  triggers,
};

/**
 * The one place that wires every flow's listeners (src/flows/<flow>/listeners.ts) into the Bolt app.
 * Commands, shortcuts and events must also be in manifest.yml (test/slack/manifest.test.ts checks both ways).
 */
export function registerListeners(app: ListenerRegistry, services: Services): void {
  registerCrmCommand(app, services, SUBCOMMANDS);
  registerLookup(app, services);
  registerHome(app, services, SUBCOMMANDS);
  registerSetup(app, services);
  registerDiagnose(app, services, CONTACT_SURFACES);
  registerReauth(app, services);
  registerBulk(app, services);
  registerHistory(app, services);
}

/** Work a replica picks up at start-up: bulk runs whose replica stopped before finishing them. */
export function resumeInterruptedWork(services: Services, client: App['client']): Promise<string[]> {
  return resumeBulkRuns(services, client);
}
