"""SQLite with a fair write lock shared by every process on the same database file.

SQLite lets one writer in at a time and makes the others poll: a writer that finds the
database locked sleeps 1, 2, 5, 10 … 100 ms between tries. Under a steady stream of
writes from two server processes, a process can lose that race for seconds while the
other keeps the lock, which showed as multi-second stalls of signatures (issue 3).

So every write transaction here first takes an exclusive flock() on a lock file beside
the database, then runs BEGIN IMMEDIATE. Waiting writers block in the kernel, without
holding Python's GIL, and one of them is woken the moment the lock is released. The
lock belongs to the connection's own file descriptor, so threads and processes queue
alike, and a killed process releases it with its descriptors.

Writes made outside `transaction.atomic` (single autocommit statements) do not take the
flock; SQLite's busy timeout still covers them.
"""

from __future__ import annotations

import fcntl
import os

from django.db.backends.sqlite3 import base


class DatabaseWrapper(base.DatabaseWrapper):
    _lock_fd: int | None = None
    _lock_held = False

    def get_new_connection(self, conn_params):
        connection = super().get_new_connection(conn_params)
        if not self.is_in_memory_db():
            path = f"{self.settings_dict['NAME']}.write-lock"
            self._lock_fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        return connection

    def _acquire_write_lock(self) -> None:
        if self._lock_fd is not None and not self._lock_held:
            fcntl.flock(self._lock_fd, fcntl.LOCK_EX)
            self._lock_held = True

    def _release_write_lock(self) -> None:
        if self._lock_held:
            self._lock_held = False
            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)

    def checkpoint_wal(self, *, wait_ms: int = 2000) -> bool:
        """Copy the write-ahead log into the database and empty the -wal file (a
        TRUNCATE checkpoint), under the write lock. Outside a transaction only.

        It waits for readers of older pages to finish, holding writers off meanwhile, so
        it waits `wait_ms` at most rather than the connection's busy timeout. Returns
        True when a reader kept SQLite from finishing it (the log then stays as it is,
        until a later checkpoint)."""
        self.ensure_connection()
        self._acquire_write_lock()
        try:
            sqlite = self.connection
            busy_timeout = sqlite.execute("PRAGMA busy_timeout").fetchone()[0]
            sqlite.execute(f"PRAGMA busy_timeout={int(wait_ms)}")
            try:
                row = sqlite.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            finally:
                sqlite.execute(f"PRAGMA busy_timeout={int(busy_timeout)}")
        finally:
            self._release_write_lock()
        return bool(row[0])

    def _start_transaction_under_autocommit(self):
        self._acquire_write_lock()
        try:
            super()._start_transaction_under_autocommit()
        except BaseException:
            self._release_write_lock()
            raise

    def _commit(self):
        try:
            return super()._commit()
        finally:
            self._release_write_lock()

    def _rollback(self):
        try:
            return super()._rollback()
        finally:
            self._release_write_lock()

    def _close(self):
        try:
            return super()._close()
        finally:
            self._release_write_lock()
            if self._lock_fd is not None:
                os.close(self._lock_fd)
                self._lock_fd = None
