/**
 * Tables as people paste them: CSV or tab-separated (copied from a spreadsheet),
 * with RFC 4180 quoting (fields may hold the delimiter, newlines and "" for a quote).
 */

export interface TableRow {
  /** 1-based line of the text where the row starts (the header is line 1). */
  line: number;
  cells: string[];
}

export interface ParsedTable {
  delimiter: ',' | '\t';
  header: string[];
  rows: TableRow[];
}

/** Tab when the header line has a tab outside quotes, else comma. */
export function detectDelimiter(text: string): ',' | '\t' {
  let quoted = false;
  for (const ch of text) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && (ch === '\n' || ch === '\r')) break;
    else if (!quoted && ch === '\t') return '\t';
  }
  return ',';
}

/** Every record of the text with its starting line; blank lines are dropped. */
export function parseRecords(text: string, delimiter: ',' | '\t'): TableRow[] {
  const source = text.replace(/^\uFEFF/, '');
  const records: TableRow[] = [];
  let cells: string[] = [];
  let cell = '';
  let quoted = false;
  let line = 1;
  let recordLine = 1;
  let cellStarted = false;
  const endCell = () => {
    cells.push(cell);
    cell = '';
    cellStarted = false;
  };
  const endRecord = () => {
    endCell();
    if (cells.some((c) => c.trim() !== '')) records.push({ line: recordLine, cells });
    cells = [];
    recordLine = line;
  };
  for (let i = 0; i < source.length; i++) {
    const ch = source[i]!;
    if (quoted) {
      if (ch === '"') {
        if (source[i + 1] === '"') {
          cell += '"';
          i++;
        } else quoted = false;
      } else {
        if (ch === '\n') line++;
        cell += ch;
      }
      continue;
    }
    if (ch === '"' && !cellStarted) {
      quoted = true;
      cellStarted = true;
    } else if (ch === delimiter) endCell();
    else if (ch === '\r' || ch === '\n') {
      if (ch === '\r' && source[i + 1] === '\n') i++;
      line++;
      endRecord();
    } else {
      // Spaces before an opening quote ("a", "b") do not make the quote literal.
      if (ch !== ' ' || cellStarted) cellStarted = true;
      cell += ch;
    }
  }
  if (cell !== '' || cells.length > 0) endRecord();
  return records;
}

/** Header and data rows; cells are trimmed. */
export function parseTable(text: string): ParsedTable {
  const delimiter = detectDelimiter(text);
  const records = parseRecords(text, delimiter).map((r) => ({ line: r.line, cells: r.cells.map((c) => c.trim()) }));
  const [header, ...rows] = records;
  return { delimiter, header: header?.cells ?? [], rows };
}

/** One CSV field, quoted when it must be. Cells starting with = + - @ are prefixed so spreadsheets do not run them. */
export function csvField(value: string | number): string {
  let text = String(value);
  if (/^[=+\-@]/.test(text) && !/^-?\d/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function toCsv(rows: ReadonlyArray<ReadonlyArray<string | number>>): string {
  return `${rows.map((row) => row.map(csvField).join(',')).join('\r\n')}\r\n`;
}
