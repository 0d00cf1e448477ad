"""A dbt-duckdb plugin (profiles.yml `plugins:`): one build per warehouse, and the PII salt.

**One build at a time.** Before dbt opens the warehouse, the plugin takes an exclusive lock on
`<warehouse>.build-lock` and writes who holds it (PID, command, start time). A second build on the
same warehouse stops at once with a message naming the holder, instead of DuckDB's lock error
deep in a stack trace. The operating system drops the lock when the holder exits, even when it is
killed, so a crashed build never blocks the next one.

**The salt.** The salt is read from the environment variable CJ_PII_SALT and bound as a parameter of
`SET VARIABLE cj_pii_salt = $1` on each cursor dbt opens (DuckDB variables belong to one
connection). SQL reads it with `getvariable('cj_pii_salt')` (macro hash_pii), so it never appears
in compiled SQL, a view's definition, dbt's logs, target/ or the manifest. Without it the hashing
stops the build with a message naming CJ_PII_SALT (the check is in the SQL: it runs only where
e-mails are hashed).
"""

from __future__ import annotations

import fcntl
import json
import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

from dbt.adapters.duckdb.plugins import BasePlugin
from dbt_common.exceptions import DbtRuntimeError

SALT_ENV = "CJ_PII_SALT"
SALT_VARIABLE = "cj_pii_salt"


def set_salt(cursor, salt: str | None = None) -> None:
    """Bind the salt (default: $CJ_PII_SALT) to `cursor`; nothing when it is unset or empty."""
    salt = os.environ.get(SALT_ENV, "") if salt is None else salt
    if salt:
        cursor.execute(f"SET VARIABLE {SALT_VARIABLE} = $1", [salt])


class WarehouseBusyError(DbtRuntimeError):
    """Another process holds the warehouse's build lock."""


def lock_path(database: str | Path) -> Path:
    return Path(f"{database}.build-lock")


def acquire_build_lock(database: str | Path) -> IO[str] | None:
    """Hold `<database>.build-lock` for this process (the returned file stays open while it lives).

    In-memory databases need no lock (None). Raises WarehouseBusyError naming the holder."""
    if str(database) in {"", ":memory:"} or str(database).startswith(("md:", "motherduck:")):
        return None
    path = lock_path(database)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = open(path, "a+")  # noqa: SIM115 - held open for the process's life: it is the lock
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        try:
            holder = json.loads(handle.read() or "{}")
        except json.JSONDecodeError:
            holder = {}
        handle.close()
        raise WarehouseBusyError(
            f"Another build is using the warehouse {database}: PID {holder.get('pid', '?')}, "
            f"started {holder.get('started_at', '?')}, command `{holder.get('command', '?')}` "
            f"(lock file {path}). Wait for it to finish or stop that process, then run again."
        ) from None
    handle.seek(0)
    handle.truncate()
    handle.write(
        json.dumps(
            {
                "pid": os.getpid(),
                "command": " ".join([Path(sys.argv[0]).name, *sys.argv[1:]]),
                "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
            }
        )
    )
    handle.flush()
    return handle


class Plugin(BasePlugin):
    _locks: dict[str, IO[str] | None] = {}  # noqa: RUF012 - per process: the warehouses it holds

    def update_connection_config(self, creds, config) -> None:
        # called before dbt-duckdb opens the database file (once per process and warehouse)
        if creds.path not in Plugin._locks:
            Plugin._locks[creds.path] = acquire_build_lock(creds.path)

    def configure_connection(self, conn) -> None:
        set_salt(conn)

    def configure_cursor(self, cursor) -> None:
        set_salt(cursor)


def release_build_locks() -> None:
    """Drop the build locks this process holds. For a process that runs dbt several times in turn
    (dbt's programmatic `dbtRunner`, as the tests do): the CLI's exit drops them; call this after each
    invocation instead, once dbt has closed the warehouse."""
    for handle in Plugin._locks.values():
        if handle is not None:
            handle.close()
    Plugin._locks.clear()
