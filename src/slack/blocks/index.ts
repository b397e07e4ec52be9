import type { types } from '@slack/bolt';

// @slack/types via Bolt's re-export: it is not a direct dependency of ours. Views name them from here.
export type KnownBlock = types.KnownBlock;
export type View = types.View;
export type ModalView = types.ModalView;
export type HomeView = types.HomeView;
export type InputBlock = types.InputBlock;
export type PlainTextOption = types.PlainTextOption;
export type PlainTextElement = types.PlainTextElement;
export type Button = types.Button;

/** Slack limits every view builder respects. */
export const LIMITS = {
  messageBlocks: 50,
  viewBlocks: 100,
  sectionText: 3000,
  field: 2000,
  header: 150,
  title: 24,
  buttonText: 75,
  buttonValue: 2000,
  staticOptions: 100,
  optionText: 75,
} as const;

export { SHARED_FIELDS, VALUE_ACTION } from './ids';

export interface SlackMessage {
  /** Plain-text fallback: notifications and screen readers use it. */
  text: string;
  blocks: KnownBlock[];
}

export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** Text from an API or the store shown in mrkdwn: no mentions, links or formatting injected. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function section(text: string): KnownBlock {
  return { type: 'section', text: { type: 'mrkdwn', text: truncate(text, LIMITS.sectionText) } };
}

export function context(text: string): KnownBlock {
  return { type: 'context', elements: [{ type: 'mrkdwn', text: truncate(text, LIMITS.sectionText) }] };
}

export function header(text: string): KnownBlock {
  return { type: 'header', text: { type: 'plain_text', text: truncate(text, LIMITS.header) } };
}

/** Plain text cut to Slack's limit for where it goes (button text by default). */
export function plain(text: string, max: number = LIMITS.buttonText): { type: 'plain_text'; text: string } {
  return { type: 'plain_text', text: truncate(text, max) };
}

type ViewState = {
  values: Record<string, Record<string, { value?: string | null; selected_option?: { value: string } | null }>>;
};

/** Block id → typed or selected value, for every input in a submitted view. */
export function viewValues(view: { state: unknown }): Record<string, string> {
  const out: Record<string, string> = {};
  const state = view.state as ViewState;
  for (const [blockId, actions] of Object.entries(state?.values ?? {})) {
    for (const action of Object.values(actions)) {
      const value = action.selected_option?.value ?? action.value;
      if (typeof value === 'string') out[blockId] = value;
    }
  }
  return out;
}

/** A stored timestamp to the minute, in UTC (`2026-11-30T14:02:11Z` → `2026-11-30 14:02 UTC`); unparseable ones as stored. */
export function utcMinute(at: string | undefined): string {
  if (!at) return 'time not recorded';
  const date = new Date(at);
  if (Number.isNaN(date.getTime())) return at;
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}
