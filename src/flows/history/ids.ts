/** The buttons under a `/crm history` page. Each carries a HistoryCursor (JSON) in its value. */
export const HISTORY_ACTIONS = {
  older: 'history_older',
  csv: 'history_csv',
} as const;

export const HISTORY_BLOCKS = {
  actions: 'history_actions',
} as const;

/** `/crm history <id> csv`: the word that asks for the file instead of a page. */
export const HISTORY_CSV_WORD = 'csv';
