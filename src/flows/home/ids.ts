import { VALUE_ACTION } from '../../slack/blocks/ids';

/** App Home quick actions. `home_diagnose` belongs to the diagnostics flow. */
export const HOME_ACTIONS = {
  setup: 'home_setup',
  status: 'home_status',
  diagnose: 'home_diagnose',
} as const;

export const HOME_BLOCKS = { quickActions: 'home_quick_actions' } as const;

export const HOME_STATUS_MODAL = 'home_status_modal';
export const HOME_STATUS_BLOCK = 'home_status_business';
export const HOME_STATUS_INPUT = VALUE_ACTION;
/** Shown when the setup flow is not registered. */
export const HOME_SETUP_HINT_MODAL = 'home_setup_hint';
