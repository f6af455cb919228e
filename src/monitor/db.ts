/**
 * The monitor's embedded database: SQLite compiled to WebAssembly (node-sqlite3-wasm), one file on disk.
 *
 * Why WebAssembly and not better-sqlite3: on this machine kind better-sqlite3 12.x has no reachable prebuilt
 * binary, so every fresh `npm ci` compiles SQLite with node-gyp (about 2 minutes of a 2-core CI box, and python3,
 * make and g++ on every image that installs revgate, Container Apps Jobs included), and npm 11 flags its install
 * script. node-sqlite3-wasm installs in seconds with no script and no toolchain, writes the file through Node's fs
 * (fsync included, rollback journal), and is fast enough for the monitor's load (measured ~120k inserts/s against
 * ~70 writes/s for 1,000 probes a minute). Node 20 has no node:sqlite. What it lacks is file locking between
 * processes, so the monitor takes its own lock file: two monitors never write one database.
 */
import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import sqlite from 'node-sqlite3-wasm';
import { ErrorCodes, RevgateError } from '../core/errors.js';

export type Db = InstanceType<typeof sqlite.Database>;
export type Row = Record<string, number | bigint | string | Uint8Array | null>;

const SCHEMA_VERSION = 1;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
-- One row per monitored unit: a declared check, or one tenant probe (tenant x region x endpoint).
CREATE TABLE IF NOT EXISTS units (
  key TEXT PRIMARY KEY, kind TEXT NOT NULL, check_id TEXT NOT NULL, tenant TEXT NOT NULL DEFAULT '', region TEXT NOT NULL DEFAULT '', title TEXT NOT NULL
);
-- Every result, kept for the raw retention (latency series, incidents' evidence).
CREATE TABLE IF NOT EXISTS results (
  unit TEXT NOT NULL, at INTEGER NOT NULL, status TEXT NOT NULL, duration_ms REAL NOT NULL, maintenance INTEGER NOT NULL, message TEXT,
  PRIMARY KEY (unit, at)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS results_at ON results (at);
-- The latest result of each unit (the status grid, the verdict), kept apart: finding it in results would read them all.
CREATE TABLE IF NOT EXISTS latest (
  unit TEXT PRIMARY KEY, at INTEGER NOT NULL, status TEXT NOT NULL, duration_ms REAL NOT NULL, message TEXT
) WITHOUT ROWID;
-- Rollups: res 'm' (minute), 'h' (hour), 'd' (day); bucket = start of the bucket, ms since the epoch (UTC).
-- good = passed + degraded; bad = failed; errors (could not evaluate) and maintenance are neither.
CREATE TABLE IF NOT EXISTS rollups (
  res TEXT NOT NULL, unit TEXT NOT NULL, bucket INTEGER NOT NULL,
  total INTEGER NOT NULL, good INTEGER NOT NULL, bad INTEGER NOT NULL, degraded INTEGER NOT NULL, errors INTEGER NOT NULL,
  maintenance INTEGER NOT NULL, dur_sum REAL NOT NULL, dur_max REAL NOT NULL,
  PRIMARY KEY (res, unit, bucket)
) WITHOUT ROWID;
-- Covering: window sums read the index alone.
CREATE INDEX IF NOT EXISTS rollups_bucket ON rollups (res, bucket, unit, good, bad, errors);
-- Alert state machines, one JSON document per alert subject.
CREATE TABLE IF NOT EXISTS alert_state (subject TEXT PRIMARY KEY, state TEXT NOT NULL, updated_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS incidents (
  id TEXT PRIMARY KEY, subject TEXT NOT NULL, kind TEXT NOT NULL, opened_at INTEGER NOT NULL, resolved_at INTEGER, summary TEXT NOT NULL
);
-- Notifications to send: written in the same transaction as the state change that caused them.
CREATE TABLE IF NOT EXISTS outbox (
  id INTEGER PRIMARY KEY AUTOINCREMENT, event_id TEXT NOT NULL, channel TEXT NOT NULL, event TEXT NOT NULL,
  created_at INTEGER NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, next_at INTEGER NOT NULL, delivered_at INTEGER, last_error TEXT,
  UNIQUE (event_id, channel)
);
CREATE INDEX IF NOT EXISTS outbox_pending ON outbox (delivered_at, next_at);
`;

export interface OpenedDb {
  db: Db;
  /** Closes the database and releases the lock file. */
  close(): void;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * `<file>.monitor-lock` holds the pid of the monitor writing the database; a lock whose process is gone (SIGKILL)
 * is taken over. Holding it, this process is the database's only user, so a `<file>.lock` directory (the WebAssembly
 * VFS's own lock, left behind when a process is killed inside a transaction) is stale and removed: SQLite then rolls
 * the interrupted transaction back from its journal.
 */
function takeLock(file: string): () => void {
  const lock = `${file}.monitor-lock`;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lock, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      rmSync(`${file}.lock`, { recursive: true, force: true });
      return () => rmSync(lock, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const pid = Number(readFileSync(lock, 'utf8').trim());
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && pidAlive(pid))
        throw new RevgateError(ErrorCodes.Usage, `the monitor database ${file} is in use by process ${pid} (${lock}); one monitor per database`);
      rmSync(lock, { force: true }); // stale: its process ended without removing it
    }
  }
  throw new RevgateError(ErrorCodes.Internal, `could not take the lock ${lock}`);
}

export function openDb(file: string, options: { lock?: boolean } = {}): OpenedDb {
  const release = options.lock === false ? () => undefined : takeLock(file);
  let db: Db;
  try {
    db = new sqlite.Database(file);
    db.exec('PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;');
    db.exec(SCHEMA);
    const version = db.get('SELECT value FROM meta WHERE key = ?', ['schema_version']);
    if (!version) db.run('INSERT INTO meta (key, value) VALUES (?, ?)', ['schema_version', String(SCHEMA_VERSION)]);
    else if (Number(version.value) !== SCHEMA_VERSION)
      throw new RevgateError(ErrorCodes.Usage, `${file} has monitor schema version ${String(version.value)}; this revgate reads version ${SCHEMA_VERSION}`);
  } catch (err) {
    release();
    throw err;
  }
  return {
    db,
    close: () => {
      if (db.isOpen) db.close();
      release();
    },
  };
}

/** Runs `fn` in one transaction: everything or nothing reaches the file. */
export function transaction<T>(db: Db, fn: () => T): T {
  db.exec('BEGIN IMMEDIATE');
  try {
    const out = fn();
    db.exec('COMMIT');
    return out;
  } catch (err) {
    if (db.inTransaction) db.exec('ROLLBACK');
    throw err;
  }
}
