import type { Catalog } from '../../catalog';

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
}

/** What help shows, from the registry and the catalog; `note` explains why help is shown (e.g. unknown input). */
export function helpInput(registry: Readonly<Record<string, CommandInfo>>, catalog: Catalog, note?: string): HelpInput {
  return {
    subcommands: visibleSubcommands(registry),
    crms: catalog.crms.map((crm) => crm.displayName),
    ...(note ? { note } : {}),
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
