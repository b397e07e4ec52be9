import { FIX_FIELDS } from '../diagnose/ids';

export const REAUTH_ENTER_CREDENTIAL = 'reauth_enter_credential';
/** Step 1: the business and the mapping's current values ("Preview"); nothing is written from it. */
export const REAUTH_MAPPING_MODAL = 'reauth_mapping';
/** The confirm step: the exact request with the credential masked, the credential's input, "Set credential". */
export const REAUTH_CREDENTIAL_MODAL = 'reauth_credential';
export const REAUTH_INFO_MODAL = 'reauth_info';

/** Block ids of the credential form; business, account type and current values are the fix form's. */
export const REAUTH_FIELDS = {
  credential: 'credential',
  business: FIX_FIELDS.business,
  accountType: FIX_FIELDS.accountType,
  current: FIX_FIELDS.current,
} as const;
