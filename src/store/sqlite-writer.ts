import { Worker } from 'node:worker_threads';
import type { Journal } from './sqlite-journal';

/**
 * The only connection that writes the state file, on a worker thread: it reads the journal's lines (see
 * sqlite-journal.ts) and applies them in transactions of whatever has queued up, purges expired rows, and copies the WAL
 * back into the file now and then. So a write's SQL, its commit and the checkpoint's fsyncs never take
 * the event loop's time: the bot answers from memory once the journal has the change.
 *
 * Plain JavaScript evaluated in the worker, so it runs the same under tsx, jest and the built image.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { DatabaseSync } = require('node:sqlite');
const { closeSync, openSync, readSync } = require('node:fs');
const db = new DatabaseSync(workerData.path, { timeout: 5000 });
// NORMAL in WAL mode survives a crash of the process without an fsync per commit (the journal's promise too).
db.exec('PRAGMA synchronous = NORMAL');
// Checkpoints are asked for below; SQLite's own only as a backstop.
db.exec('PRAGMA wal_autocheckpoint = 10000');
const sql = {
  put: db.prepare(\`INSERT INTO entries (key, kind, value, expires_at) VALUES (?, ?, ?, ?)
    ON CONFLICT (key) DO UPDATE SET kind = excluded.kind, value = excluded.value, expires_at = excluded.expires_at\`),
  del: db.prepare('DELETE FROM entries WHERE key = ?'),
  log: db.prepare('INSERT OR REPLACE INTO log_entries (id, log_key, value, expires_at) VALUES (?, ?, ?, ?)'),
  applied: db.prepare(\`INSERT INTO meta (name, value) VALUES ('applied_seq', ?)
    ON CONFLICT (name) DO UPDATE SET value = excluded.value\`),
  purge: db.prepare('DELETE FROM entries WHERE expires_at <= ?'),
  oldestLiveLog: db.prepare('SELECT id FROM log_entries WHERE expires_at > ? ORDER BY id LIMIT 1'),
  purgeLogsBefore: db.prepare('DELETE FROM log_entries WHERE id < ?'),
  checkpoint: db.prepare('PRAGMA wal_checkpoint(PASSIVE)'),
};
let appliedSeq = workerData.appliedSeq;
let queue = [];
let scheduled = false;
let commitsSinceCheckpoint = 0;
let idleTimer;
let retryTimer;
let ackTimer;
let lastAck = 0;
const post = (message) => parentPort.postMessage(message);
/** The journal segments being read: file -> { fd, offset }. */
const segments = new Map();

// Lines are read from the journal itself: the main thread only says how far each segment has whole lines.
function read(positions) {
  for (const { file, end, sealed } of positions) {
    let segment = segments.get(file);
    if (!segment) {
      segment = { fd: openSync(file, 'r'), offset: 0 };
      segments.set(file, segment);
    }
    if (end > segment.offset) {
      const bytes = Buffer.allocUnsafe(end - segment.offset);
      let got = 0;
      while (got < bytes.length) {
        const read = readSync(segment.fd, bytes, got, bytes.length - got, segment.offset + got);
        // Shorter than the main thread said: fail rather than spin.
        if (read === 0) throw new Error('journal segment ' + file + ' is shorter than its lines');
        got += read;
      }
      segment.offset = end;
      for (const line of bytes.toString('utf8').split('\\n')) if (line) queue.push(line);
    }
    if (sealed) {
      closeSync(segment.fd);
      segments.delete(file);
    }
  }
}

function apply() {
  scheduled = false;
  if (queue.length === 0) return true;
  const lines = queue;
  queue = [];
  let last = appliedSeq;
  try {
    db.exec('BEGIN IMMEDIATE');
    for (const line of lines) {
      // The line format is sqlite-journal.ts's (encodeRecord): a JSON header, then tab-separated texts.
      const texts = line.split('\\t');
      const [seq, ops] = JSON.parse(texts[0]);
      if (seq <= last) continue;
      for (const op of ops) {
        const code = op[0];
        if (code === 'p') sql.put.run(op[1], 'value', texts[op[2] + 1], op[3]);
        else if (code === 'P') sql.put.run(op[1], 'list', texts[op[2] + 1], op[3]);
        else if (code === 'd') sql.del.run(op[1]);
        else sql.log.run(op[1], op[2], texts[op[3] + 1], op[4]);
      }
      last = seq;
    }
    sql.applied.run(last);
    db.exec('COMMIT');
  } catch (err) {
    try { if (db.isTransaction) db.exec('ROLLBACK'); } catch {}
    // Kept, in order, for the next attempt: the journal has them, nothing is lost meanwhile.
    queue = lines.concat(queue);
    post({ type: 'failed', reason: err instanceof Error ? err.message : String(err) });
    clearTimeout(retryTimer);
    retryTimer = setTimeout(schedule, workerData.retryMs);
    return false;
  }
  appliedSeq = last;
  acknowledge();
  if (++commitsSinceCheckpoint >= workerData.checkpointEveryCommits) checkpoint();
  clearTimeout(idleTimer);
  // A quiet moment is a good one to copy the WAL back.
  idleTimer = setTimeout(() => { if (commitsSinceCheckpoint > 0) checkpoint(); }, workerData.idleCheckpointMs);
  return true;
}

// At most one 'applied' every ackEveryMs, the last one never held back longer: each costs the event loop a turn.
function acknowledge() {
  if (ackTimer) return;
  const wait = lastAck + workerData.ackEveryMs - Date.now();
  if (wait > 0) {
    ackTimer = setTimeout(() => { ackTimer = undefined; acknowledge(); }, wait);
    return;
  }
  lastAck = Date.now();
  post({ type: 'applied', seq: appliedSeq });
}

function checkpoint() {
  commitsSinceCheckpoint = 0;
  try {
    post({ type: 'checkpoint', result: sql.checkpoint.get() });
  } catch (err) {
    post({ type: 'failed', reason: err instanceof Error ? err.message : String(err) });
  }
}

function schedule() {
  if (scheduled) return;
  scheduled = true;
  // Lines that arrive meanwhile join the same transaction.
  setImmediate(apply);
}

function purge(now) {
  const entries = sql.purge.run(now);
  // Log entries expire in the order they were appended (one retention for all), so the expired ones are the
  // rows before the oldest live one; after AUDIT_RETENTION_DAYS is lowered, rows behind a live one wait.
  const live = sql.oldestLiveLog.get(now);
  const logs = sql.purgeLogsBefore.run(live ? live.id : Number.MAX_SAFE_INTEGER);
  return Number(entries.changes) + Number(logs.changes);
}

parentPort.on('message', (message) => {
  if (message.type === 'read') {
    try {
      read(message.positions);
    } catch (err) {
      // Lines skipped here must not be passed by later ones: the writer stops, applies nothing more, and the
      // journal keeps everything from here on for the next start (the store reports unhealthy meanwhile).
      post({ type: 'failed', reason: err instanceof Error ? err.message : String(err) });
      try { db.close(); } catch {}
      process.exit(1);
    }
    schedule();
    return;
  }
  if (message.type === 'purge') {
    // What was journaled before the purge was asked for is applied first: the order the bot made them in.
    apply();
    try {
      post({ type: 'purged', deleted: purge(message.now) });
    } catch (err) {
      post({ type: 'purged', error: err instanceof Error ? err.message : String(err) });
    }
    return;
  }
  if (message.type === 'sync') {
    post({ type: 'synced', ok: apply(), seq: appliedSeq });
    return;
  }
  if (message.type === 'close') {
    apply();
    clearTimeout(idleTimer);
    clearTimeout(retryTimer);
    clearTimeout(ackTimer);
    for (const segment of segments.values()) closeSync(segment.fd);
    try { db.close(); } catch {}
    post({ type: 'closed', seq: appliedSeq });
    parentPort.close();
  }
});
`;

/** What `PRAGMA wal_checkpoint` answers: busy 1 when it could not finish, log and checkpointed in pages. */
export interface CheckpointResult {
  busy: number;
  log: number;
  checkpointed: number;
}

export interface SqliteWriterOptions {
  path: string;
  /** The journal (its lines the writer was not told of yet: Journal.untold, untoldBytes). */
  journal: Pick<Journal, 'untold' | 'untoldBytes'>;
  /** The last journal record the file has (its meta table says so). */
  appliedSeq: number;
  /** Told after each commit: every record up to seq is in the file. */
  onApplied: (seq: number) => void;
  /** Told when the writer cannot apply (it retries) or has stopped. */
  onFailure: (reason: string) => void;
  /** Told after each checkpoint (tests wait on it). */
  onCheckpoint?: (result: CheckpointResult) => void;
}

/** Commits between two checkpoints while busy; an idle writer checkpoints after IDLE_CHECKPOINT_MS. */
const CHECKPOINT_EVERY_COMMITS = 100;
const IDLE_CHECKPOINT_MS = 1000;
const RETRY_MS = 1000;
/** How long the bot must have made no commit before the writer is told of the journal's new lines. */
const QUIET_MS = 20;
/** Or how much may wait: bounds what memory holds for readers (pending log entries) while the bot is busy. */
const TELL_EVERY_BYTES = 256 * 1024;
/** How often the writer tells what it has applied (then the journal's applied segments can go). */
const ACK_EVERY_MS = 20;

type WorkerMessage =
  | { type: 'applied'; seq: number }
  | { type: 'failed'; reason: string }
  | { type: 'checkpoint'; result: CheckpointResult }
  | { type: 'purged'; deleted?: number; error?: string }
  | { type: 'synced'; ok: boolean; seq: number }
  | { type: 'closed'; seq: number };

/** The main thread's side of the writer thread. */
export class SqliteWriter {
  private readonly worker: Worker;
  private readonly purges: Array<{ resolve: (deleted: number) => void; reject: (err: Error) => void }> = [];
  private readonly syncs: Array<{ resolve: (seq: number) => void; reject: (err: Error) => void }> = [];
  private sendTimer: NodeJS.Timeout | undefined;
  private closing: Promise<number> | undefined;
  private appliedSeq: number;
  private stopped = false;
  private exited: () => void = () => undefined;

  constructor(private readonly options: SqliteWriterOptions) {
    this.appliedSeq = options.appliedSeq;
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: {
        path: options.path,
        appliedSeq: options.appliedSeq,
        checkpointEveryCommits: CHECKPOINT_EVERY_COMMITS,
        idleCheckpointMs: IDLE_CHECKPOINT_MS,
        retryMs: RETRY_MS,
        ackEveryMs: ACK_EVERY_MS,
      },
    });
    // Never keeps the process alive: what it has not applied yet is in the journal.
    this.worker.unref();
    this.worker.on('message', (message: WorkerMessage) => this.heard(message));
    this.worker.on('error', (err) => this.stop(`the SQLite writer failed: ${err.message}`));
    this.worker.on('exit', () => this.stop('the SQLite writer stopped'));
  }

  /**
   * The journal has new lines: the writer hears of them once the bot has made no commit for QUIET_MS, or
   * at once when TELL_EVERY_BYTES are waiting. So under a burst of writes the SQL runs in a few large
   * transactions, and mostly after the burst, instead of competing with it.
   */
  notify(): void {
    if (this.stopped) return;
    if (this.options.journal.untoldBytes >= TELL_EVERY_BYTES) {
      this.flush();
      return;
    }
    if (this.sendTimer) {
      this.sendTimer.refresh();
      return;
    }
    this.sendTimer = setTimeout(() => this.flush(), QUIET_MS);
    this.sendTimer.unref();
  }

  /** Tells the writer how far the journal goes now (before a purge, a sync or the close, which come after it). */
  private flush(): void {
    clearTimeout(this.sendTimer);
    this.sendTimer = undefined;
    if (this.stopped) return;
    const positions = this.options.journal.untold();
    if (positions.length > 0) this.worker.postMessage({ type: 'read', positions });
  }

  /** Deletes every expired row (after what was sent before); how many. */
  purge(now: number): Promise<number> {
    if (this.stopped) return Promise.reject(new Error('the SQLite writer has stopped'));
    return new Promise((resolve, reject) => {
      this.purges.push({ resolve, reject });
      this.flush();
      this.worker.postMessage({ type: 'purge', now });
    });
  }

  /** Applies what was sent before (at once, not at the next acknowledgement); the last record the file has. */
  sync(): Promise<number> {
    if (this.stopped) return Promise.reject(new Error('the SQLite writer has stopped'));
    return new Promise((resolve, reject) => {
      this.syncs.push({ resolve, reject });
      this.flush();
      this.worker.postMessage({ type: 'sync' });
    });
  }

  /** Applies what was sent, closes the writer's connection; the last record the file has. */
  close(): Promise<number> {
    this.closing ??= this.stopped
      ? Promise.resolve(this.appliedSeq)
      : new Promise<number>((resolve) => {
          this.exited = () => resolve(this.appliedSeq);
          this.flush();
          this.worker.postMessage({ type: 'close' });
        });
    return this.closing;
  }

  private heard(message: WorkerMessage): void {
    switch (message.type) {
      case 'applied':
        this.appliedSeq = message.seq;
        this.options.onApplied(message.seq);
        return;
      case 'failed':
        this.options.onFailure(message.reason);
        return;
      case 'checkpoint':
        this.options.onCheckpoint?.(message.result);
        return;
      case 'purged': {
        const waiter = this.purges.shift();
        if (message.error === undefined) waiter?.resolve(message.deleted ?? 0);
        else waiter?.reject(new Error(message.error));
        return;
      }
      case 'synced': {
        this.appliedSeq = message.seq;
        this.options.onApplied(message.seq);
        const waiter = this.syncs.shift();
        // A failed apply was told as 'failed' already; the caller hears it too.
        if (message.ok) waiter?.resolve(message.seq);
        else waiter?.reject(new Error('could not apply the journal to the file'));
        return;
      }
      case 'closed':
        this.appliedSeq = message.seq;
        this.stopped = true;
        this.exited();
        return;
    }
  }

  private stop(reason: string): void {
    if (this.stopped) {
      this.exited();
      return;
    }
    this.stopped = true;
    clearTimeout(this.sendTimer);
    for (const waiter of [...this.purges.splice(0), ...this.syncs.splice(0)]) waiter.reject(new Error(reason));
    this.options.onFailure(reason);
    this.exited();
  }
}
