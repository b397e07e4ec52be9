import { randomBytes } from 'node:crypto';
import type { TestBot } from './slack-harness';

/**
 * Canary secrets: plant unique values through a flow, then scan everything the bot produced
 * (log lines, Slack Web API call bodies, response_url posts, uploads, audit records) for them.
 *
 *   const canaries = new Canaries();
 *   const key = canaries.plant('carestack account key');   // a UUID-shaped value most validators accept
 *   ... drive the flow ...
 *   expect(await canaries.scan(bot)).toEqual([]);
 */
export interface CanaryHit {
  canary: string;
  /** What was planted, e.g. 'carestack account key'. */
  label: string;
  /** Where it was found: 'log', 'slack:<method>', 'response_url', 'upload', 'audit'. */
  where: string;
}

export type CanaryShape = 'uuid' | 'digits' | 'alnum';
export const CANARY_SHAPES: readonly CanaryShape[] = ['uuid', 'digits', 'alnum'];

export class Canaries {
  private readonly planted = new Map<string, string>();

  /**
   * A fresh canary value, unique to this run: UUID-shaped by default (most ID and key validators accept it),
   * digits for numeric IDs, or lower-case letters and digits (e.g. a customer domain).
   */
  plant(label: string, shape: CanaryShape = 'uuid'): string {
    const hex = randomBytes(6).toString('hex');
    const digits = String(BigInt(`0x${hex}`))
      .padStart(15, '0')
      .slice(0, 12);
    const value =
      shape === 'uuid' ? `cafe0000-0000-4000-8000-${hex}` : shape === 'digits' ? `97${digits}` : `canary${hex}`;
    this.planted.set(value, label);
    return value;
  }

  /** Values that are secret without being planted (the bot token, signing secret, env keys). */
  watch(label: string, value: string): void {
    this.planted.set(value, label);
  }

  get values(): string[] {
    return [...this.planted.keys()];
  }

  /** Every place a planted value shows up. */
  async scan(bot: TestBot): Promise<CanaryHit[]> {
    const sources: Array<{ where: string; text: string }> = [
      ...bot.logs.map((line) => ({ where: 'log', text: JSON.stringify(line) })),
      // Only call arguments: the token travels in the Authorization header, as it must.
      ...bot.slack.calls.map((call) => ({ where: `slack:${call.method}`, text: JSON.stringify(call.body) })),
      ...bot.slack.responses.map((r) => ({ where: 'response_url', text: JSON.stringify(r.body) })),
      ...bot.slack.uploads.map((u) => ({ where: 'upload', text: u.content })),
      ...(await auditRecords(bot)).map((a) => ({ where: 'audit', text: JSON.stringify(a) })),
    ];
    const hits: CanaryHit[] = [];
    for (const [canary, label] of this.planted) {
      for (const source of sources) {
        if (source.text.includes(canary)) hits.push({ canary, label, where: source.where });
      }
    }
    return dedupe(hits);
  }
}

async function auditRecords(bot: TestBot): Promise<unknown[]> {
  try {
    // Raw values, not parsed entries: parsing would drop a field the canary might hide in.
    return (await bot.services.store.readLog('audit:all', { limit: 2000 })).map((e) => e.value);
  } catch {
    return [];
  }
}

function dedupe(hits: CanaryHit[]): CanaryHit[] {
  const seen = new Set<string>();
  return hits.filter((h) => {
    const key = `${h.canary}|${h.where}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

// biome-ignore lint/suspicious/noExplicitAny: Block Kit JSON
type Json = Record<string, any>;

/**
 * State values for a modal as a user would fill it: every text input gets `textFor(blockId)`, every
 * select/radio its first option, checkboxes none. Returns the `state.values` of a view_submission.
 */
export function fillModal(view: Json, textFor: (blockId: string, label: string) => string): Json {
  const values: Json = {};
  for (const block of (view.blocks ?? []) as Json[]) {
    if (block.type !== 'input' || !block.element) continue;
    const el = block.element as Json;
    const label = String(block.label?.text ?? block.block_id);
    let state: Json | undefined;
    switch (el.type) {
      case 'plain_text_input':
      case 'email_text_input':
      case 'url_text_input':
      case 'number_input':
        state = { type: el.type, value: textFor(block.block_id, label) };
        break;
      case 'static_select':
      case 'radio_buttons': {
        const option = el.initial_option ?? el.options?.[0] ?? el.option_groups?.[0]?.options?.[0];
        state = { type: el.type, selected_option: option ?? null };
        break;
      }
      case 'checkboxes':
        state = { type: el.type, selected_options: el.initial_options ?? [] };
        break;
      default:
        state = { type: el.type };
    }
    values[block.block_id] = { [el.action_id]: state };
  }
  return values;
}
