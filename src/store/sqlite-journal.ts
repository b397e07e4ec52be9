import { closeSync, ftruncateSync, openSync, readdirSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { z } from 'zod';
import { StoreError } from '../errors';
import type { MemoryEntry } from './memory';

/** One change as the state file gets it. Keys are stored with their prefix; texts are JSON texts. */
export type JournalOp =
  | { op: 'put'; key: string; entry: MemoryEntry }
  | { op: 'delete'; key: string }
  | { op: 'log'; id: number; key: string; text: string; expiresAt: number };

/**
 * A record's line: a small JSON header, then the texts it stores, each as the JSON text it already is,
 * separated by tabs (JSON.stringify never writes a raw tab or newline), so neither side parses or escapes
 * a value: `[seq,[op,...]]<TAB>text 0<TAB>text 1...`. An op names its text by number, and an entry
 * appended to several logs (recordAudit's three) is one text:
 *   ["p", key, text, expiresAt]   put a value               ["d", key]                       delete a key
 *   ["P", key, text, expiresAt]   put a list (its stored JSON array of texts)
 *   ["l", id, key, text, expiresAt]   append to a log
 * The writer thread reads the same format (sqlite-writer.ts).
 */
const TextIndex = z.number().int().nonnegative();
const EncodedOp = z.union([
  z.tuple([z.enum(['p', 'P']), z.string(), TextIndex, z.number()]),
  z.tuple([z.literal('d'), z.string()]),
  z.tuple([z.literal('l'), z.number(), z.string(), TextIndex, z.number()]),
]);
const EncodedHeader = z.tuple([z.number().int().positive(), z.array(EncodedOp)]);
const SEPARATOR = '\t';
const TAB = 0x09;
const NEWLINE = 0x0a;

export function encodeRecord(seq: number, ops: readonly JournalOp[]): string {
  const { buffer, bytes } = encodeInto(Buffer.allocUnsafe(1024), seq, ops);
  return buffer.toString('utf8', 0, bytes);
}

/** The line of a record, UTF-8 encoded into `buffer` (a larger one when it does not fit). */
function encodeInto(buffer: Buffer, seq: number, ops: readonly JournalOp[]): { buffer: Buffer; bytes: number } {
  const texts: string[] = [];
  const textOf = (text: string) => {
    const known = texts.indexOf(text);
    return known === -1 ? texts.push(text) - 1 : known;
  };
  let header = `[${seq},[`;
  for (let index = 0; index < ops.length; index++) {
    const op = ops[index] as JournalOp;
    if (index > 0) header += ',';
    const key = JSON.stringify(op.key);
    if (op.op === 'delete') header += `["d",${key}]`;
    else if (op.op === 'log') header += `["l",${op.id},${key},${textOf(op.text)},${op.expiresAt}]`;
    else if (op.entry.kind === 'value') header += `["p",${key},${textOf(op.entry.text)},${op.entry.expiresAt}]`;
    else header += `["P",${key},${textOf(JSON.stringify(op.entry.items))},${op.entry.expiresAt}]`;
  }
  header += ']]';
  // UTF-8 takes at most 3 bytes per UTF-16 unit.
  let most = header.length * 3 + 1;
  for (const text of texts) most += text.length * 3 + 1;
  const into = buffer.length >= most ? buffer : Buffer.allocUnsafe(Math.max(most, buffer.length * 2));
  let bytes = into.write(header, 0);
  for (const text of texts) {
    into[bytes++] = TAB;
    bytes += into.write(text, bytes);
  }
  into[bytes++] = NEWLINE;
  return { buffer: into, bytes };
}

/** A line back into its record; undefined when it is not one (cut short, or damaged). */
export function decodeRecord(line: string): { seq: number; ops: JournalOp[] } | undefined {
  const [headerText, ...texts] = line.replace(/\n$/, '').split(SEPARATOR);
  let raw: unknown;
  try {
    raw = JSON.parse(headerText ?? '');
  } catch {
    return undefined;
  }
  const parsed = EncodedHeader.safeParse(raw);
  if (!parsed.success) return undefined;
  const [seq, encoded] = parsed.data;
  const ops: JournalOp[] = [];
  for (const op of encoded) {
    if (op[0] === 'd') {
      ops.push({ op: 'delete', key: op[1] });
      continue;
    }
    const text = op[0] === 'l' ? texts[op[3]] : texts[op[2]];
    if (text === undefined || !isJson(text)) return undefined;
    if (op[0] === 'l') ops.push({ op: 'log', id: op[1], key: op[2], text, expiresAt: op[4] });
    else if (op[0] === 'p') ops.push({ op: 'put', key: op[1], entry: { kind: 'value', text, expiresAt: op[3] } });
    else {
      const items = z.array(z.string()).safeParse(JSON.parse(text));
      if (!items.success) return undefined;
      ops.push({ op: 'put', key: op[1], entry: { kind: 'list', items: items.data, expiresAt: op[3] } });
    }
  }
  return { seq, ops };
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** A record read back at start-up. */
export interface ReplayedRecord {
  seq: number;
  ops: JournalOp[];
}

/** A segment is closed and a new one started past this size, so applied records can be deleted. */
const SEGMENT_BYTES = 4 * 1024 * 1024;
const SEGMENT_MARK = '-pending-';

interface Segment {
  file: string;
  lastSeq: number;
  /** Bytes of whole lines in it, and how many of them the writer has been told of. */
  size: number;
  told: number;
}

/** Where the writer thread reads lines from: a segment's file, up to `end` (a line boundary). */
export interface JournalPosition {
  file: string;
  end: number;
  /** No more lines will be added to it: the writer can let go of the file once it has read to `end`. */
  sealed: boolean;
}

/**
 * The write-ahead journal beside the state file: each group commit is one line, appended with one write
 * before its callers are answered, so it survives a crash of the process like a WAL commit does (the OS
 * has it; synchronous=NORMAL promises no more). The background writer applies the lines to the SQLite
 * file; segments whose every line is applied there are deleted. At start-up the lines the file does not
 * have yet are read back and applied again (applying a line twice changes nothing).
 */
export class Journal {
  private fd: number | undefined;
  private size = 0;
  /** Bytes appended since the last untold(). */
  untoldBytes = 0;
  private buffer: Buffer = Buffer.allocUnsafe(64 * 1024);
  private current: Segment | undefined;

  private constructor(
    private readonly statePath: string,
    /** Written segments still needed, oldest first (the current one last, once it exists). */
    private readonly segments: Segment[],
  ) {}

  /**
   * Reads what earlier processes journaled past `appliedSeq` (what the file already has). A line cut short
   * by a crash mid-write ends its segment: it was never answered, so it is cut off. Anything else unreadable
   * is an error: the journal is not guessed at.
   */
  static open(statePath: string, appliedSeq: number): { journal: Journal; records: ReplayedRecord[] } {
    const records: ReplayedRecord[] = [];
    const kept: Segment[] = [];
    for (const file of segmentFiles(statePath)) {
      const { records: read, validBytes, torn } = readSegment(file, statePath);
      if (torn) truncate(file, validBytes);
      const lastSeq = read.at(-1)?.seq ?? 0;
      if (lastSeq <= appliedSeq) {
        unlinkSync(file);
        continue;
      }
      kept.push({ file, lastSeq, size: validBytes, told: 0 });
      records.push(...read.filter((record) => record.seq > appliedSeq));
    }
    return { journal: new Journal(statePath, kept), records };
  }

  /** Appends one record's line; throws StoreError if the whole line could not be written. */
  append(seq: number, ops: JournalOp[]): void {
    // Encoded into one reused buffer: no line string to build, copy and collect.
    const encoded = encodeInto(this.buffer, seq, ops);
    this.buffer = encoded.buffer;
    const { bytes } = encoded;
    if (this.fd === undefined || this.size >= SEGMENT_BYTES) this.startSegment(seq);
    const fd = this.fd as number;
    try {
      const written = writeSync(fd, this.buffer, 0, bytes);
      if (written !== bytes) throw new Error(`wrote ${written} of ${bytes} bytes`);
    } catch (err) {
      // A part-line would end the segment at the next start-up: cut it off now, so later lines are kept.
      try {
        ftruncateSync(fd, this.size);
      } catch {
        // The start-up reader cuts a torn tail off too.
      }
      throw new StoreError('store_unavailable', `SQLite journal write failed: ${reasonOf(err)}`, {
        operation: 'commit',
      });
    }
    this.size += bytes;
    this.untoldBytes += bytes;
    const current = this.current as Segment;
    current.lastSeq = seq;
    current.size = this.size;
  }

  /** What the writer has not been told of yet, oldest first (every line that is whole by now). */
  untold(): JournalPosition[] {
    this.untoldBytes = 0;
    const positions: JournalPosition[] = [];
    for (const segment of this.segments) {
      if (segment.size === segment.told) continue;
      segment.told = segment.size;
      positions.push({ file: segment.file, end: segment.size, sealed: segment !== this.current });
    }
    return positions;
  }

  /** The writer has applied every record up to appliedSeq: the segments behind it go. */
  released(appliedSeq: number): void {
    while (this.segments.length > 0) {
      const oldest = this.segments[0] as Segment;
      if (oldest === this.current || oldest.lastSeq > appliedSeq) return;
      this.segments.shift();
      unlinkQuietly(oldest.file);
    }
  }

  /** Closes the current segment; with `applied`, every segment goes (the file has all of them). */
  close(applied: boolean): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    if (!applied) return;
    for (const segment of this.segments.splice(0)) unlinkQuietly(segment.file);
  }

  private startSegment(firstSeq: number): void {
    if (this.fd !== undefined) closeSync(this.fd);
    // The one before is sealed now: the next untold() says so, even if it was told of all its lines.
    if (this.current) this.current.told = -1;
    const file = `${this.statePath}${SEGMENT_MARK}${String(firstSeq).padStart(12, '0')}`;
    this.fd = openSync(file, 'a');
    this.size = 0;
    this.current = { file, lastSeq: firstSeq - 1, size: 0, told: 0 };
    this.segments.push(this.current);
  }
}

/** Every journal segment of a state file, oldest first. */
export function segmentFiles(statePath: string): string[] {
  const folder = dirname(statePath);
  const mark = `${basename(statePath)}${SEGMENT_MARK}`;
  let names: string[];
  try {
    names = readdirSync(folder);
  } catch {
    return [];
  }
  return names
    .filter((name) => name.startsWith(mark) && /^\d+$/.test(name.slice(mark.length)))
    .sort((a, b) => Number(a.slice(mark.length)) - Number(b.slice(mark.length)))
    .map((name) => join(folder, name));
}

/** A segment's records, in order; a last line cut short (no newline, or unreadable) is `torn`. */
export function readSegment(
  file: string,
  statePath: string,
): { records: ReplayedRecord[]; validBytes: number; torn: boolean } {
  const text = readFileSync(file, 'utf8');
  const records: ReplayedRecord[] = [];
  const bytesBefore = (offset: number) => Buffer.byteLength(text.slice(0, offset));
  let offset = 0;
  while (offset < text.length) {
    const end = text.indexOf('\n', offset);
    const line = end === -1 ? undefined : text.slice(offset, end + 1);
    const record = line === undefined ? undefined : decodeRecord(line);
    if (!record || line === undefined) {
      // Only the very end of a segment may be cut short; a bad line with more after it is damage.
      if (end === -1 || text.indexOf('\n', end + 1) === -1) {
        return { records, validBytes: bytesBefore(offset), torn: true };
      }
      throw new StoreError(
        'store_unavailable',
        `Cannot open the state file ${statePath}: its journal ${basename(file)} is damaged at byte ${bytesBefore(offset)}`,
      );
    }
    records.push(record);
    offset = end + 1;
  }
  return { records, validBytes: Buffer.byteLength(text), torn: false };
}

function truncate(file: string, bytes: number): void {
  const fd = openSync(file, 'r+');
  try {
    ftruncateSync(fd, bytes);
  } finally {
    closeSync(fd);
  }
}

function unlinkQuietly(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // Already gone; a segment left behind is only read again and skipped.
  }
}

function reasonOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
