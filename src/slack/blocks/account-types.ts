import type { AccountType } from '../../catalog';

/** How every view names an account type. */
export const ACCOUNT_TYPE_LABELS: Record<AccountType, string> = {
  smb: 'SMB (one business)',
  enterprise: 'Enterprise (locations)',
};
