import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, statSync, writeFileSync, fsyncSync, unlinkSync } from 'node:fs';
import { open, readFile, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { CdpError } from '../errors.js';
import { processAlive } from '../state/repositories/leases.js';
import { Rejected } from './errors.js';

/** A spool file: events appended while it was active, landed together, deleted after the warehouse commit. */
export interface SpoolSegment {
  readonly seq: number;
  readonly file: string;
  bytes: number;
  /** Events appended (unknown, -1, for segments found on disk after a restart). */
  events: number;
}

interface Pending {
  data: string;
  resolve(): void;
  reject(error: unknown): void;
}

const SEGMENT = /^events-(\d{12})\.ndjson$/;
const LOCK = 'LOCK';
const openDirs = new Set<string>();

/**
 * An append-only, fsync'd spool of JSON lines in numbered segment files. Appends arriving while
 * a write is in flight are written and fsync'd together (group commit), so many concurrent
 * requests share one fsync. One process owns a spool directory at a time (a LOCK file with its pid;
 * a dead owner's lock is taken over, as after kill -9).
 */
export class Spool {
  private active: SpoolSegment;
  private fd: FileHandle | null = null;
  private readonly sealedSegments: SpoolSegment[];
  private queue: Pending[] = [];
  private rotations: Array<() => void> = [];
  private worker: Promise<void> | null = null;
  private totalBytes: number;
  private failed: unknown = null;
  private closed = false;

  private constructor(
    readonly dir: string,
    readonly maxBytes: number,
    found: SpoolSegment[],
  ) {
    this.sealedSegments = found;
    this.totalBytes = found.reduce((sum, s) => sum + s.bytes, 0);
    this.active = this.segment((found.at(-1)?.seq ?? 0) + 1);
  }

  /** Opens (creating) the directory, takes its lock, and treats every segment found as sealed: a crash left it. */
  static open(dir: string, maxBytes: number): Spool {
    mkdirSync(dir, { recursive: true });
    if (openDirs.has(dir)) throw new CdpError('CONFLICT', `the spool ${dir} is already open in this process`, { hint: 'close the other collector first' });
    takeLock(dir);
    openDirs.add(dir);
    const found = readdirSync(dir)
      .map((name) => SEGMENT.exec(name))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => ({ seq: Number(m[1]), file: join(dir, m[0]), bytes: statSync(join(dir, m[0])).size, events: -1 }))
      .sort((a, b) => a.seq - b.seq);
    return new Spool(dir, maxBytes, found);
  }

  get bytes(): number {
    return this.totalBytes;
  }

  /** Events in the active segment (written or queued). */
  get activeEvents(): number {
    return this.active.events;
  }

  /** Segments ready to land, oldest first. */
  sealed(): readonly SpoolSegment[] {
    return this.sealedSegments;
  }

  /** Resolves once the lines are on disk (fsync'd); refuses with 503 when the spool is full. */
  append(lines: readonly string[]): Promise<void> {
    if (this.closed) return Promise.reject(new Rejected('shutting_down', 503, 'the service is shutting down', null, 'retry shortly', 5));
    if (this.failed) return Promise.reject(this.failed);
    const data = lines.join('\n') + '\n';
    const bytes = Buffer.byteLength(data);
    if (this.totalBytes + bytes > this.maxBytes) {
      return Promise.reject(
        new Rejected('spool_full', 503, 'the event spool is full: landing in the warehouse is behind', null, 'retry after the Retry-After seconds', 5),
      );
    }
    this.totalBytes += bytes;
    this.active.bytes += bytes;
    this.active.events += lines.length;
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ data, resolve, reject });
      this.kick();
    });
  }

  /** Closes the active segment (after its pending writes) so it can land; no-op when it is empty. */
  async seal(): Promise<void> {
    if (this.active.events === 0) return;
    const done = new Promise<void>((resolve) => this.rotations.push(resolve));
    this.kick();
    await done;
  }

  /** Reads a sealed segment's events. A torn last line (a write cut by a crash, never acknowledged) is skipped. */
  async read(segment: SpoolSegment): Promise<string[]> {
    const text = await readFile(segment.file, 'utf8');
    const lines = text.split('\n');
    lines.pop(); // after the final newline: '' or a torn, unacknowledged write
    return lines.filter((line) => line.length > 0);
  }

  /** Deletes landed segments (after the warehouse commit). */
  async remove(segments: readonly SpoolSegment[]): Promise<void> {
    for (const segment of segments) {
      await unlink(segment.file).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT') throw error;
      });
      const i = this.sealedSegments.indexOf(segment);
      if (i >= 0) this.sealedSegments.splice(i, 1);
      this.totalBytes -= segment.bytes;
    }
  }

  /** Stops taking appends, seals the active segment and releases the lock (segments stay for the next start). */
  async close(): Promise<void> {
    await this.seal();
    this.closed = true;
    await this.worker;
    await this.fd?.close();
    this.fd = null;
    releaseLock(this.dir);
    openDirs.delete(this.dir);
  }

  private segment(seq: number): SpoolSegment {
    return { seq, file: join(this.dir, `events-${String(seq).padStart(12, '0')}.ndjson`), bytes: 0, events: 0 };
  }

  private kick(): void {
    this.worker ??= this.work().finally(() => {
      this.worker = null;
      if (this.queue.length || this.rotations.length) this.kick();
    });
  }

  /** The one writer: batches of queued appends (write + fdatasync), then rotations. */
  private async work(): Promise<void> {
    while (this.queue.length || this.rotations.length) {
      if (this.queue.length) {
        const batch = this.queue;
        this.queue = [];
        try {
          if (!this.fd) {
            this.fd = await open(this.active.file, 'a');
            syncDir(this.dir); // the new file's directory entry survives a crash too
          }
          await this.fd.write(batch.length === 1 ? batch[0]!.data : batch.map((p) => p.data).join(''));
          await this.fd.datasync();
          for (const p of batch) p.resolve();
        } catch (error) {
          this.failed = new CdpError('STATE', `cannot write the event spool ${this.dir}: ${(error as Error).message}`, { cause: error, hint: 'check the disk; restart cdp serve' });
          for (const p of batch) p.reject(this.failed);
        }
        continue;
      }
      const waiters = this.rotations;
      this.rotations = [];
      if (this.active.events > 0) {
        await this.fd?.close();
        this.fd = null;
        this.sealedSegments.push(this.active);
        this.active = this.segment(this.active.seq + 1);
      }
      for (const resolve of waiters) resolve();
    }
  }
}

function syncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function takeLock(dir: string): void {
  const file = join(dir, LOCK);
  if (existsSync(file)) {
    const pid = Number(readFileSync(file, 'utf8').trim());
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && processAlive(pid)) {
      throw new CdpError('CONFLICT', `the event spool ${dir} is in use by another cdp serve (pid ${pid})`, {
        location: { path: 'collect.spool.dir' },
        hint: 'give each service its own collect.spool.dir',
      });
    }
  }
  writeFileSync(file, String(process.pid));
}

function releaseLock(dir: string): void {
  try {
    unlinkSync(join(dir, LOCK));
  } catch {
    // already gone
  }
}
