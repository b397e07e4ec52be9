import type { Services } from '../../services';
import { CONTACT_SEARCH_OFF } from '../contact/service';

/** What help shows for one subcommand (a subset of the registry entry, so help stays free of Slack). */
export interface HelpEntry {
  name: string;
  usage: string;
  description: string;
  examples?: readonly string[];
}

/** The part of a `/crm` subcommand help reads. */
export interface CommandInfo {
  usage: string;
  description: string;
  examples?: readonly string[];
  hidden?: boolean;
}

export interface HelpInput {
  subcommands: readonly HelpEntry[];
  /** Display names of the CRMs in the catalog. */
  crms: readonly string[];
  /** Optional first line, e.g. why help is being shown. */
  note?: string;
  /** Lines shown after the commands, e.g. how to turn on a feature that is off. */
  footnotes?: readonly string[];
}

/** What help shows, from the registry and the catalog; `note` explains why help is shown (e.g. unknown input). */
export function helpInput(
  registry: Readonly<Record<string, CommandInfo>>,
  services: Pick<Services, 'catalog' | 'logSearch'>,
  note?: string,
): HelpInput {
  return {
    subcommands: visibleSubcommands(registry),
    crms: services.catalog.crms.map((crm) => crm.displayName),
    ...(note ? { note } : {}),
    ...(services.logSearch ? {} : { footnotes: [`\`/crm contact\`: ${CONTACT_SEARCH_OFF}`] }),
  };
}

export function visibleSubcommands(registry: Readonly<Record<string, CommandInfo>>): HelpEntry[] {
  return Object.entries(registry)
    .filter(([, sub]) => !sub.hidden)
    .map(([name, sub]) => ({
      name,
      usage: sub.usage,
      description: sub.description,
      ...(sub.examples ? { examples: sub.examples } : {}),
    }));
}
