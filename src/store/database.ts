import { Database } from "bun:sqlite";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";

const migrations: string[] = [
  `CREATE TABLE stacks (
     stack_id TEXT PRIMARY KEY,
     namespace TEXT NOT NULL,
     pod_name TEXT NOT NULL,
     service_name TEXT NOT NULL,
     target_port INTEGER NOT NULL,
     node_port INTEGER NOT NULL,
     node_name TEXT,
     node_public_ip TEXT,
     pod_spec TEXT NOT NULL,
     status TEXT NOT NULL,
     reason TEXT,
     acknowledged INTEGER NOT NULL DEFAULT 0,
     created_at INTEGER NOT NULL,
     updated_at INTEGER NOT NULL,
     ttl_expires_at INTEGER NOT NULL,
     requested_cpu_milli INTEGER NOT NULL,
     requested_memory_bytes INTEGER NOT NULL
   );
   CREATE TABLE port_leases (
     port INTEGER PRIMARY KEY,
     stack_id TEXT NOT NULL UNIQUE,
     leased_at INTEGER NOT NULL
   );`,
  `CREATE TABLE stack_events (
     seq INTEGER PRIMARY KEY,
     stack_id TEXT NOT NULL,
     at INTEGER NOT NULL,
     message TEXT NOT NULL
   );
   CREATE INDEX stack_events_by_stack ON stack_events (stack_id, seq);`,
  // One JSON document per stack (the StoredStack schema), so that a new field needs no new column.
  `CREATE TABLE stack_records (stack_id TEXT PRIMARY KEY, record TEXT NOT NULL);
   INSERT INTO stack_records (stack_id, record)
     SELECT stack_id, json_object(
       'stack_id', stack_id, 'pod_id', pod_name, 'namespace', namespace, 'node_id', coalesce(node_name, ''),
       'node_public_ip', node_public_ip, 'pod_spec', pod_spec, 'target_port', target_port,
       'node_port', node_port, 'service_name', service_name, 'status', status, 'status_reason', reason,
       'ttl_expires_at', strftime('%Y-%m-%dT%H:%M:%fZ', ttl_expires_at / 1000.0, 'unixepoch'),
       'created_at', strftime('%Y-%m-%dT%H:%M:%fZ', created_at / 1000.0, 'unixepoch'),
       'updated_at', strftime('%Y-%m-%dT%H:%M:%fZ', updated_at / 1000.0, 'unixepoch'),
       'requested_cpu_milli', requested_cpu_milli, 'requested_memory_bytes', requested_memory_bytes,
       'acknowledged', json(CASE acknowledged WHEN 1 THEN 'true' ELSE 'false' END))
     FROM stacks;
   DROP TABLE stacks;`,
  // Leases are read back from the records' node_port; the live history keeps each pod_spec once.
  `DROP TABLE port_leases;
   CREATE TABLE stack_specs (stack_id TEXT PRIMARY KEY, pod_spec TEXT NOT NULL);`,
  // Batch delete jobs (POST /stacks/batch-delete), one JSON document each.
  `CREATE TABLE batch_delete_jobs (
     job_id TEXT PRIMARY KEY,
     created_at INTEGER NOT NULL,
     finished INTEGER NOT NULL,
     job TEXT NOT NULL
   );`,
];

/** Opens (creating if needed) stackd's SQLite database in WAL mode and applies pending migrations. */
export function openDatabase(path: string): Database {
  if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path, { create: true, strict: true });
  db.run("PRAGMA journal_mode = WAL");
  db.run("PRAGMA synchronous = NORMAL");
  db.run("PRAGMA busy_timeout = 5000");
  db.run("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)");
  const row = db.query<{ version: number }, []>("SELECT version FROM schema_version").get();
  let version = row?.version ?? 0;
  if (!row) db.run("INSERT INTO schema_version (version) VALUES (0)");
  while (version < migrations.length) {
    const sql = migrations[version] as string;
    db.transaction(() => {
      db.run(sql);
      db.run("UPDATE schema_version SET version = ?", [version + 1]);
    })();
    version += 1;
  }
  return db;
}

/** Opens stackd's database, naming its path in the error when it cannot be opened or written. */
export function openStackdDatabase(path: string): Database {
  try {
    return openDatabase(path);
  } catch (error) {
    throw new Error(`cannot open the database at ${path}: ${(error as Error).message}`, { cause: error });
  }
}

/** The database file is held by another stackd process (exit 1). */
export class DatabaseInUseError extends Error {
  readonly code = "DATABASE_IN_USE";
}

/**
 * Locks the database for this process, through a lock file beside it that one SQLite connection holds
 * in exclusive mode for as long as it is open (the kernel drops the lock when the process dies, so a
 * crash never leaves it behind). Readers of the database itself are not blocked. Close the answer to
 * unlock; `:memory:` needs no lock.
 */
export function lockDatabase(path: string): { release(): void } {
  if (path === ":memory:") return { release() {} };
  mkdirSync(dirname(path), { recursive: true });
  const lock = new Database(`${path}.lock`, { create: true });
  try {
    lock.run("PRAGMA busy_timeout = 0");
    lock.run("PRAGMA locking_mode = EXCLUSIVE");
    lock.run("CREATE TABLE IF NOT EXISTS holder (pid INTEGER)");
    lock.run("DELETE FROM holder");
    lock.run("INSERT INTO holder (pid) VALUES (?)", [process.pid]);
  } catch (error) {
    lock.close();
    if (/locked|busy/i.test((error as Error).message))
      throw new DatabaseInUseError(`the database ${path} is in use by another stackd process`, {
        cause: error,
      });
    throw new Error(`cannot lock the database at ${path}: ${(error as Error).message}`, { cause: error });
  }
  return { release: () => lock.close() };
}
