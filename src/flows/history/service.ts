import { z } from 'zod';
import { toCsv } from '../../bulk/csv';
import type { Catalog } from '../../catalog';
import { BotError } from '../../errors';
import { type AuditEntry, type AuditScope, everyAuditEntry, readAudit } from '../../operations/audit';
import type { Services } from '../../services';
import { requireBusinessNumber } from '../status/service';
import { HISTORY_CSV_WORD } from './ids';

/** Entries per page: with the header, footer and buttons well within Slack's 50 blocks. */
export const HISTORY_PAGE_SIZE = 25;
export const HISTORY_USAGE = '/crm history <business ID | @person> [csv]';
const EXAMPLE = '/crm history 123456789012345';

/** Whose trail: one business's, or one person's changes. */
export type HistoryTarget = { kind: 'business'; businessNumber: string } | { kind: 'user'; userId: string };

/** An audit entry with the CRM's display name resolved from the catalog. */
export interface HistoryItem extends AuditEntry {
  crmName: string;
}

export interface HistoryPage {
  target: HistoryTarget;
  items: HistoryItem[];
  /** How many newer entries came before this page (0 on the first). */
  offset: number;
  /** Where the next (older) page starts; absent on the last page. */
  older?: HistoryCursor;
}

/** What a history button carries: the trail, and for "older" where to continue. Kept short (button values ≤ 2000). */
export const HistoryCursor = z.object({
  k: z.enum(['b', 'u']),
  id: z.string().regex(/^[A-Z0-9_]{1,32}$/i),
  before: z.string().max(64).optional(),
  offset: z.number().int().nonnegative().optional(),
});
export type HistoryCursor = z.infer<typeof HistoryCursor>;

/** `<@U123|name>` or `<@U123>` (a mention as Slack escapes it), or a bare member ID. */
const MENTION = /^<@([UW][A-Z0-9_]+)(?:\|[^>]*)?>$/i;
const MEMBER_ID = /^[UW][A-Z0-9]{6,}$/;

/** `/crm history` arguments: a business ID or a person, then optionally `csv`. */
export function parseHistoryRequest(args: readonly string[]): { target: HistoryTarget; csv: boolean } {
  const csv = args.some((a) => a.toLowerCase() === HISTORY_CSV_WORD);
  const words = args.filter((a) => a.toLowerCase() !== HISTORY_CSV_WORD);
  const first = words[0] ?? '';
  const mention = MENTION.exec(first)?.[1] ?? (MEMBER_ID.test(first) ? first : undefined);
  if (mention) return { target: { kind: 'user', userId: mention.toUpperCase() }, csv };
  if (first.startsWith('@')) {
    throw new BotError(
      'validation_failed',
      `Slack sent \`${first}\` as plain text, so I cannot tell who that is. Pick the person from Slack's list as you type @, or give their member ID (their profile → ⋮ → Copy member ID): \`/crm history U0123ABCD\`.`,
    );
  }
  return { target: { kind: 'business', businessNumber: requireBusinessNumber(words.join(''), EXAMPLE) }, csv };
}

export function cursorOf(target: HistoryTarget, position: { before?: string; offset?: number } = {}): HistoryCursor {
  return {
    k: target.kind === 'business' ? 'b' : 'u',
    id: target.kind === 'business' ? target.businessNumber : target.userId,
    ...position,
  };
}

/** A button's value back to a cursor; undefined when it is not one of ours. */
export function parseCursor(value: string | undefined): HistoryCursor | undefined {
  try {
    const parsed = HistoryCursor.safeParse(JSON.parse(value ?? ''));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

export function targetOf(cursor: HistoryCursor): HistoryTarget {
  return cursor.k === 'b' ? { kind: 'business', businessNumber: cursor.id } : { kind: 'user', userId: cursor.id };
}

function scopeOf(target: HistoryTarget): AuditScope {
  return target.kind === 'business' ? { businessNumber: target.businessNumber } : { userId: target.userId };
}

/** One page of a trail, newest first: the first one, or the one a cursor points at. */
export async function getHistoryPage(
  services: Pick<Services, 'store' | 'catalog'>,
  target: HistoryTarget,
  position: { before?: string; offset?: number } = {},
): Promise<HistoryPage> {
  const offset = position.offset ?? 0;
  const page = await readAudit(services.store, scopeOf(target), {
    limit: HISTORY_PAGE_SIZE,
    ...(position.before ? { before: position.before } : {}),
  });
  return {
    target,
    items: withCrmNames(services.catalog, page.entries),
    offset,
    ...(page.older ? { older: cursorOf(target, { before: page.older, offset: offset + page.entries.length }) } : {}),
  };
}

export const HISTORY_CSV_HEADER = [
  'at',
  'user',
  'business',
  'crm',
  'operation',
  'outcome',
  'error code',
  'error',
  'ids',
  'idempotency key',
  'request (secrets masked)',
] as const;

export interface HistoryCsv {
  filename: string;
  content: string;
  entries: number;
}

/** The whole trail as CSV, newest first like the pages. The request column is the masked request as JSON. */
export async function historyCsv(services: Pick<Services, 'store'>, target: HistoryTarget): Promise<HistoryCsv> {
  const rows: string[][] = [[...HISTORY_CSV_HEADER]];
  for await (const e of everyAuditEntry(services.store, scopeOf(target))) {
    rows.push([
      e.at,
      e.userId,
      e.businessNumber,
      e.crmId,
      e.operation,
      e.outcome,
      e.error?.code ?? '',
      e.error?.message ?? '',
      Object.entries(e.ids ?? {})
        .map(([key, value]) => `${key}=${value}`)
        .join(' '),
      e.idempotencyKey ?? '',
      e.request === undefined ? '' : JSON.stringify(e.request),
    ]);
  }
  const name = target.kind === 'business' ? target.businessNumber : target.userId;
  return { filename: `history-${name}.csv`, content: toCsv(rows), entries: rows.length - 1 };
}

export function withCrmNames(catalog: Catalog, entries: readonly AuditEntry[]): HistoryItem[] {
  return entries.map((entry) => ({
    ...entry,
    crmName: (catalog.crms.find((c) => c.id === entry.crmId) ?? catalog.find(entry.crmId))?.displayName ?? entry.crmId,
  }));
}
