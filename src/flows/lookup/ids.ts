import { VALUE_ACTION } from '../../slack/blocks/ids';

export const LOOKUP_MODAL = 'lookup_modal';
export const LOOKUP_AGAIN = 'lookup_again';
export const LOOKUP_RESULT_ACTIONS = 'lookup_result_actions';
export const INPUT_ACTION_ID = VALUE_ACTION;

/** One input block per catalog input, by position. */
export function inputBlockId(index: number): string {
  return `lookup_input_${index}`;
}
