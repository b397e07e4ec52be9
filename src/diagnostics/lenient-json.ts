/**
 * JSON as people paste it into Slack: cut off at the end (Kibana's or Slack's length limit),
 * with curly quotes (Slack's "smart quotes"), trailing commas or single-quoted strings.
 * Reads as much as is there: an unfinished object keeps the complete members it has, and a
 * value cut off mid-way is dropped rather than guessed.
 */

export type LenientParse = { value: unknown; end: number; complete: boolean };

const OPEN_QUOTES = new Set(['"', '“', '”', "'"]);
const CLOSER_OF: Record<string, string> = { '"': '"', '“': '”', '”': '”', "'": "'" };
/** Deeper than any log record; bounds the recursion on hostile input. */
const MAX_DEPTH = 64;
/** Marks a value that ran into the end of the paste. */
const CUT = Symbol('cut');

/** Parses the JSON value starting at `start` (a `{` or `[`); undefined when nothing usable is there. */
export function parseLenientJson(text: string, start: number): LenientParse | undefined {
  const reader = new Reader(text, start);
  const value = reader.value(0);
  if (value === CUT || value === undefined) return undefined;
  return { value, end: reader.index, complete: !reader.cut };
}

class Reader {
  cut = false;
  constructor(
    private readonly text: string,
    public index: number,
  ) {}

  private skipSpace(): void {
    while (this.index < this.text.length && /\s/.test(this.text.charAt(this.index))) this.index++;
  }

  private atEnd(): boolean {
    this.skipSpace();
    return this.index >= this.text.length;
  }

  value(depth: number): unknown {
    if (this.atEnd() || depth > MAX_DEPTH) return this.markCut();
    const char = this.text.charAt(this.index);
    if (char === '{') return this.object(depth);
    if (char === '[') return this.array(depth);
    if (OPEN_QUOTES.has(char)) return this.string();
    return this.scalar();
  }

  private markCut(): typeof CUT {
    this.cut = true;
    return CUT;
  }

  private object(depth: number): Record<string, unknown> | undefined {
    return this.members<Record<string, unknown>>({}, '}', (result) => {
      const key = OPEN_QUOTES.has(this.text.charAt(this.index)) ? this.string() : this.bareKey();
      if (key === CUT) return 'cut';
      if (key === undefined) return 'invalid';
      if (this.atEnd()) return 'cut';
      if (this.text.charAt(this.index) !== ':') return 'invalid';
      this.index++;
      const value = this.value(depth + 1);
      if (value === CUT) return 'cut';
      if (value === undefined) return 'invalid';
      result[key] = value;
      return 'read';
    });
  }

  private array(depth: number): unknown[] | undefined {
    return this.members<unknown[]>([], ']', (result) => {
      const value = this.value(depth + 1);
      if (value === CUT) return 'cut';
      if (value === undefined) return 'invalid';
      result.push(value);
      return 'read';
    });
  }

  /**
   * An object's or array's members, from its opening bracket to `closer`, into `result`: commas (trailing
   * ones too) are skipped, and the end of the paste keeps the complete members read so far. `member` reads
   * one member into `result`: 'cut' when it ran into the end (dropped, the rest is kept), 'invalid' when it
   * is not JSON (the whole container is unusable).
   */
  private members<T>(result: T, closer: string, member: (result: T) => 'read' | 'cut' | 'invalid'): T | undefined {
    this.index++;
    for (;;) {
      if (this.atEnd()) return this.cutAt(result);
      const char = this.text.charAt(this.index);
      if (char === closer) {
        this.index++;
        return result;
      }
      if (char === ',') {
        this.index++;
        continue;
      }
      const read = member(result);
      if (read === 'cut') return this.cutAt(result);
      if (read === 'invalid') return undefined;
    }
  }

  private cutAt<T>(result: T): T {
    this.cut = true;
    return result;
  }

  private string(): string | typeof CUT {
    const closer = CLOSER_OF[this.text.charAt(this.index)] ?? '"';
    const straight = closer === '"' || closer === "'";
    this.index++;
    let out = '';
    while (this.index < this.text.length) {
      const char = this.text.charAt(this.index);
      // A curly-quoted string may close with either curly quote (Slack turns both ends into ”).
      if (char === closer || (!straight && (char === '”' || char === '“'))) {
        this.index++;
        return out;
      }
      if (char === '\\') {
        const next = this.text.charAt(this.index + 1);
        if (next === 'u') {
          const hex = this.text.slice(this.index + 2, this.index + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) return this.markCut();
          out += String.fromCharCode(Number.parseInt(hex, 16));
          this.index += 6;
          continue;
        }
        if (next === '') return this.markCut();
        out += ESCAPES[next] ?? next;
        this.index += 2;
        continue;
      }
      out += char;
      this.index++;
    }
    return this.markCut();
  }

  private bareKey(): string | undefined {
    const match = /^[A-Za-z_@$][\w.@$-]*/.exec(this.text.slice(this.index, this.index + 200));
    if (!match) return undefined;
    this.index += match[0].length;
    return match[0];
  }

  private scalar(): unknown {
    const match = /^(?:-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)/.exec(
      this.text.slice(this.index, this.index + 64),
    );
    if (!match) return undefined;
    const end = this.index + match[0].length;
    const word = match[0];
    // A number that reaches the end of the paste may itself be cut ("17180…"); a whole word is not.
    if (end >= this.text.length && /\d$/.test(word)) return this.markCut();
    this.index = end;
    if (word === 'true') return true;
    if (word === 'false') return false;
    if (word === 'null') return null;
    // Kept as written: a 19-digit contact id would lose digits as a number.
    return word;
  }
}

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', b: '\b', f: '\f', '"': '"', '\\': '\\', '/': '/' };
