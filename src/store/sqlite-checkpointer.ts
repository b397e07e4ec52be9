import { Worker } from 'node:worker_threads';

/**
 * Copies the WAL back into the database file on a worker thread, so the fsyncs a checkpoint needs (tens of
 * milliseconds for a few MB) never stall the event loop or a write's commit. The main connection only
 * appends to the WAL; this thread's own connection checkpoints it (PASSIVE: it never blocks the writer), and
 * the writer starts the WAL over once everything in it is in the file.
 *
 * Plain JavaScript evaluated in the worker, so it runs the same under tsx, jest and the built image.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { DatabaseSync } = require('node:sqlite');
const db = new DatabaseSync(workerData.path, { timeout: 5000 });
// Each connection syncs as its own setting says: NORMAL syncs the WAL before and the file after a checkpoint.
db.exec('PRAGMA synchronous = NORMAL');
const checkpoint = db.prepare('PRAGMA wal_checkpoint(PASSIVE)');
parentPort.on('message', (message) => {
  if (message === 'close') {
    db.close();
    parentPort.close();
    return;
  }
  try {
    parentPort.postMessage({ ok: true, result: checkpoint.get() });
  } catch (err) {
    parentPort.postMessage({ ok: false, error: err instanceof Error ? err.message : String(err) });
  }
});
`;

export interface CheckpointerOptions {
  path: string;
  /** Told when the worker cannot checkpoint (the main connection then checkpoints by itself again). */
  onFailure: (reason: string) => void;
  /** Told after each checkpoint: WAL pages in all, and how many of them are now in the file (tests wait on it). */
  onCheckpoint?: (result: CheckpointResult) => void;
}

/** What `PRAGMA wal_checkpoint` answers: busy 1 when it could not finish, log and checkpointed in pages. */
export interface CheckpointResult {
  busy: number;
  log: number;
  checkpointed: number;
}

export class Checkpointer {
  private worker: Worker | undefined;
  private inFlight = false;
  private failed = false;

  constructor(private readonly options: CheckpointerOptions) {}

  /** Asks for a checkpoint; one at a time, so a request while one runs is dropped (the next one covers it). */
  request(): void {
    if (this.inFlight || this.failed) return;
    this.inFlight = true;
    this.start().postMessage('checkpoint');
  }

  async close(): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    this.worker = undefined;
    // The worker finishes a checkpoint in progress, closes its connection, then exits.
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    worker.postMessage('close');
    await exited;
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { path: this.options.path } });
    // A pending checkpoint never keeps the process alive.
    worker.unref();
    worker.on('message', (message: { ok: boolean; error?: string; result?: CheckpointResult }) => {
      this.inFlight = false;
      if (!message.ok) this.fail(message.error ?? 'unknown error');
      else if (message.result) this.options.onCheckpoint?.(message.result);
    });
    worker.on('error', (err) => this.fail(err.message));
    worker.on('exit', (code) => {
      if (this.worker === worker && code !== 0) this.fail(`checkpoint worker exited with code ${code}`);
    });
    this.worker = worker;
    return worker;
  }

  private fail(reason: string): void {
    if (this.failed) return;
    this.failed = true;
    this.inFlight = false;
    this.options.onFailure(reason);
  }
}
