/** Ids the contact flow's views and listeners share. */
export const CONTACT_SUBCOMMAND = 'contact';
/** The modal that shows a contact's timeline (from /crm diagnose <text> or the message shortcut). */
export const CONTACT_MODAL = 'contact_answer';
