import { FIX_FIELDS } from '../diagnose/ids';

export const REAUTH_ENTER_CREDENTIAL = 'reauth_enter_credential';
export const REAUTH_CREDENTIAL_MODAL = 'reauth_credential';
export const REAUTH_INFO_MODAL = 'reauth_info';

/** Block ids of the credential form; business, account type and current values are the fix form's. */
export const REAUTH_FIELDS = {
  credential: 'credential',
  business: FIX_FIELDS.business,
  accountType: FIX_FIELDS.accountType,
  current: FIX_FIELDS.current,
} as const;
