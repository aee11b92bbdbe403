"""The Dagster resource every asset uses to reach the working database."""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import dagster as dg
import duckdb
from pydantic import PrivateAttr

from pipelines.lib.config import WORK_DIR_VAR, Settings
from pipelines.lib.reuse import WorkLedger
from pipelines.lib.warehouse import (
    WarehouseFolderError,
    build_lock,
    connect,
    error_summary,
    prepare_work_dir,
    private_files,
    set_aside,
    unreadable_database,
)

# DuckDB's words when another process has the file open
_LOCK_HOLDER = re.compile(r"Conflicting lock is held in (.+? \(PID \d+\))")


class Warehouse(dg.ConfigurableResource):
    """The working database of a build, and the raw folder it reads.

    Paths come from the ANNEX_* environment variables (see pipelines.lib.config). A run holds
    the build lock from setup to teardown so that the schedule, the sensor and a manual build
    never overlap; `annex build` takes the lock itself and sets `manage_lock` to False.
    """

    manage_lock: bool = True
    lock_wait_seconds: float = 600.0
    # Explicit paths win over the environment (run_build passes the caller's Settings).
    raw_dir: str | None = None
    warehouse_dir: str | None = None
    pseudonym_key_path: str | None = None
    # The private folder of working folders (ANNEX_WORK_DIR); default from the environment.
    work_dir: str | None = None
    # Make everything again: read every export, compute every model, publish every table and
    # write every output, even those whose inputs are unchanged since they were made (by
    # default such things are kept: see pipelines/lib/reuse.py).
    rebuild_all: bool = False
    _stack: ExitStack | None = PrivateAttr(default=None)
    _con: duckdb.DuckDBPyConnection | None = PrivateAttr(default=None)
    _stack_con: ExitStack | None = PrivateAttr(default=None)
    _log: dg.DagsterLogManager | None = PrivateAttr(default=None)

    @property
    def settings(self) -> Settings:
        settings = Settings.from_env()
        return Settings(
            raw_dir=Path(self.raw_dir) if self.raw_dir else settings.raw_dir,
            warehouse_dir=Path(self.warehouse_dir)
            if self.warehouse_dir
            else settings.warehouse_dir,
            pseudonym_key_path=(
                Path(self.pseudonym_key_path)
                if self.pseudonym_key_path
                else settings.pseudonym_key_path
            ),
            work_root=Path(self.work_dir) if self.work_dir else settings.work_root,
        )

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        self._log = context.log
        if self.manage_lock:
            self._stack = ExitStack()
            self._stack.enter_context(
                build_lock(self.settings, wait_seconds=self.lock_wait_seconds)
            )

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        self.close()
        if self._stack is not None:
            self._stack.close()
            self._stack = None

    @property
    def reuse_unchanged(self) -> bool:
        """Keep what was made from unchanged inputs: ingestion and model tables, the tables
        the last publication holds, outputs' files."""
        return not self.rebuild_all

    @contextmanager
    def connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """The run's read-write connection to the working database.

        The build is the working database's only user, so one connection serves the whole run
        (opening one per step costs ~25 ms each); it is closed when the run ends.
        """
        if self._con is None:
            settings = self.settings
            problem: OSError | None = None
            try:
                removed = prepare_work_dir(settings)
            except OSError as exc:
                problem = exc
            if problem is not None:  # raised outside the except: one message, no traceback
                raise WarehouseFolderError(
                    f"cannot write in the private working folder {settings.work_dir} "
                    f"({problem.strerror or type(problem).__name__}): set {WORK_DIR_VAR} to a "
                    "folder only you may read, with free space"
                )
            for legacy in removed:
                self._warn(
                    f"{legacy}: the working database of an earlier version, which maps member "
                    f"numbers to pseudonyms, deleted from the warehouse folder (it now lives in "
                    f"the private folder {settings.work_dir})"
                )
            self._stack_con = ExitStack()
            opening = functools.partial(
                connect,
                settings.work_db_path,
                pseudonym_key=settings.pseudonym_key(),
                spill_dir=settings.spill_dir,
            )
            try:
                self._con = self._stack_con.enter_context(opening())
            except duckdb.Error as exc:
                holder = _LOCK_HOLDER.search(str(exc))
                if holder:
                    raise RuntimeError(
                        f"the working database {settings.work_db_path} is open in another "
                        f"program ({holder[1]}): it is the build's own; close it there (to "
                        f"read the warehouse, open {settings.publication_path} read-only)"
                    ) from None
                if not unreadable_database(exc):
                    raise
                # it holds nothing the raw exports do not give again (frozen years live apart)
                aside = set_aside(settings.work_db_path)
                self._warn(
                    f"the working database {settings.work_db_path} could not be opened "
                    f"({error_summary(exc)}): set aside as {aside.name}; this build "
                    "reads every export again"
                )
                self._con = self._stack_con.enter_context(opening())
            if WorkLedger(self._con).of_another_layout():
                # a cache of the exports like any other: dropped and made again, not migrated
                self._stack_con.close()
                for stale in (
                    settings.work_db_path,
                    settings.work_db_path.with_suffix(".duckdb.wal"),
                ):
                    stale.unlink(missing_ok=True)
                self._warn(
                    f"the working database {settings.work_db_path} was written by an earlier "
                    "version: deleted; this build reads every export again"
                )
                self._stack_con = ExitStack()
                self._con = self._stack_con.enter_context(opening())
                WorkLedger(self._con).of_another_layout()  # records this layout
            private_files(settings.work_dir)
        yield self._con

    def _warn(self, message: str) -> None:
        if self._log is not None:
            self._log.warning(message)
        else:
            logging.getLogger(__name__).warning(message)

    def close(self) -> None:
        if self._con is not None:
            self._stack_con.close()
            self._con = None
            private_files(self.settings.work_dir)  # a WAL written since it was opened
