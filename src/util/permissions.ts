import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { basename } from 'node:path';

/**
 * The state store (password hashes, encrypted secrets, audit log) and the warehouse (PII) are for
 * the service's own user only: files 0600, cdp's own `.cdp` directory 0700.
 */
export const PRIVATE_FILE_MODE = 0o600;
export const PRIVATE_DIR_MODE = 0o700;

/** Creates `dir` (0700 when new); cdp's own `.cdp` directory is made 0700 even when it exists. */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  if (basename(dir) === '.cdp') chmodSync(dir, PRIVATE_DIR_MODE);
}

/** Creates `file` empty with mode 0600 when it does not exist (SQLite then gives its WAL the same mode). */
export function createPrivateFile(file: string): void {
  closeSync(openSync(file, 'a', PRIVATE_FILE_MODE));
  chmodSync(file, PRIVATE_FILE_MODE);
}

/** Makes `file` and the companions that exist (`-wal`, `.wal`...) 0600. */
export function restrictFiles(file: string, companions: readonly string[] = []): void {
  for (const path of [file, ...companions.map((suffix) => `${file}${suffix}`)]) {
    if (existsSync(path)) chmodSync(path, PRIVATE_FILE_MODE);
  }
}

/**
 * For the `cdp` process: files it creates later (DuckDB's WAL appears and goes with checkpoints)
 * are private too. Keeps bits a stricter umask already clears.
 */
export function restrictUmask(): void {
  const current = process.umask();
  if ((current & 0o077) !== 0o077) process.umask(current | 0o077);
}
