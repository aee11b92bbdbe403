"""Closing a year: its published figures are frozen; later builds keep them and list revisions.

`annex close-year Y` copies year Y's rows of the published annex.figures (read from the
publication, read-only, so readers holding it open are no obstacle) into
`$ANNEX_WAREHOUSE_DIR/frozen/figures_Y.csv`, and appends the event to `frozen/log.csv`.
`annex reopen-year Y --reason ...` moves that file aside (kept under `frozen/reopened/`) and logs
the reason. Both take the build lock, so they never interleave with a build.

Every build loads the frozen files into `annex.frozen_figures` (empty when no year is closed);
`sql/annex/figures.sql` publishes the frozen rows instead of the computed ones for those years,
and `sql/annex/figure_revisions.sql` lists where the current exports would give another value.
The frozen files live outside the publication and are never generated data to commit: they are
the record of what was published, so back them up with the warehouse.
"""

from __future__ import annotations

import csv
import datetime as dt
import getpass
import os
import re
from dataclasses import dataclass
from pathlib import Path

import duckdb

from pipelines.lib.config import Settings
from pipelines.lib.hashing import file_sha256
from pipelines.lib.warehouse import build_lock, quote_literal, read_publication, set_comments

FROZEN_TABLE = "annex.frozen_figures"
FIGURE_COLUMNS: dict[str, str] = {
    "year": "INTEGER",
    "figure_id": "VARCHAR",
    "value": "DOUBLE",
    "value_text": "VARCHAR",
    "qualifier": "VARCHAR",
    "unit": "VARCHAR",
    "label_nl": "VARCHAR",
    "label_fr": "VARCHAR",
    "source": "VARCHAR",
    "note": "VARCHAR",
}
FROZEN_COLUMNS: dict[str, str] = FIGURE_COLUMNS | {
    "frozen_at": "TIMESTAMPTZ",
    "frozen_by": "VARCHAR",
}
LOG_COLUMNS = ["timestamp", "action", "year", "user", "reason", "figures", "file", "file_sha256"]
FROZEN_FILE = re.compile(r"^figures_(\d{4})\.csv$")

FROZEN_DESCRIPTION = (
    "The figures of every closed year, as published when the year was closed "
    "(`annex close-year`), loaded from $ANNEX_WAREHOUSE_DIR/frozen/figures_<year>.csv. "
    "annex.figures publishes these rows for those years; empty when no year is closed."
)
FROZEN_COLUMN_COMMENTS: dict[str, str] = {
    "year": "Closed year.",
    "figure_id": "Figure id (see annex.figure_catalog).",
    "value": "Value as published when the year was closed.",
    "value_text": "Text value as published when the year was closed.",
    "qualifier": "Qualifier as published (about, more_than).",
    "unit": "Unit of the value.",
    "label_nl": "Label in Dutch, as published.",
    "label_fr": "Label in French, as published.",
    "source": "Source as published.",
    "note": "Note as published.",
    "frozen_at": "When the year was closed.",
    "frozen_by": "Who closed it.",
}


class FreezeError(RuntimeError):
    """A year cannot be closed or reopened as asked; the message says why and what to do."""


@dataclass(frozen=True)
class FreezeEvent:
    action: str
    year: int
    timestamp: str
    user: str
    figures: int
    file: Path
    reason: str = ""


def frozen_dir(settings: Settings) -> Path:
    return settings.warehouse_dir / "frozen"


def frozen_path(settings: Settings, year: int) -> Path:
    return frozen_dir(settings) / f"figures_{year}.csv"


def log_path(settings: Settings) -> Path:
    return frozen_dir(settings) / "log.csv"


def frozen_files(settings: Settings) -> dict[int, Path]:
    """The closed years and their files."""
    folder = frozen_dir(settings)
    if not folder.is_dir():
        return {}
    files = {}
    for path in sorted(folder.iterdir()):
        if match := FROZEN_FILE.match(path.name):
            files[int(match.group(1))] = path
    return files


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).astimezone().replace(microsecond=0)


def _user(user: str | None) -> str:
    if user:
        return user
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return os.environ.get("USER") or "unknown"


def _append_log(settings: Settings, event: FreezeEvent) -> None:
    """One line per close or reopen; the file is only ever appended to."""
    path = log_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    new = not path.exists()
    with open(path, "a", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        if new:
            writer.writerow(LOG_COLUMNS)
        writer.writerow(
            [
                event.timestamp,
                event.action,
                event.year,
                event.user,
                event.reason,
                event.figures,
                event.file.relative_to(settings.warehouse_dir).as_posix(),
                file_sha256(event.file) if event.file.exists() else "",
            ]
        )
        handle.flush()
        os.fsync(handle.fileno())


def read_log(settings: Settings) -> list[dict[str, str]]:
    path = log_path(settings)
    if not path.exists():
        return []
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def close_year(
    settings: Settings,
    year: int,
    *,
    user: str | None = None,
    reason: str = "",
    wait_seconds: float = 0.0,
) -> FreezeEvent:
    """Freeze year `year` as it is published now. Raises FreezeError when it cannot."""
    with build_lock(settings, wait_seconds=wait_seconds):
        target = frozen_path(settings, year)
        if target.exists():
            raise FreezeError(
                f"{year} is already closed ({target}); reopen it first with "
                f'`annex reopen-year {year} --reason "..."`'
            )
        stamp = _now()
        who = _user(user)
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".partial")
        partial.unlink(missing_ok=True)
        columns = ", ".join(FIGURE_COLUMNS)
        with read_publication(settings) as con:
            count = int(
                con.execute("select count(*) from annex.figures where year = ?", [year]).fetchone()[
                    0
                ]
            )
            if count == 0:
                published = [
                    row[0]
                    for row in con.execute(
                        "select distinct year from annex.figures order by 1"
                    ).fetchall()
                ]
                raise FreezeError(
                    f"no published figures for {year} (published years: "
                    f"{', '.join(map(str, published)) or 'none'}); build first"
                )
            con.execute(
                f"copy (select {columns}, {quote_literal(stamp.isoformat())} as frozen_at, "
                f"{quote_literal(who)} as frozen_by from annex.figures where year = {int(year)} "
                f"order by figure_id) to {quote_literal(str(partial))} (header, format csv)"
            )
        with open(partial, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(partial, target)
        target.chmod(0o444)
        event = FreezeEvent("close", year, stamp.isoformat(), who, count, target, reason)
        _append_log(settings, event)
        return event


def reopen_year(
    settings: Settings,
    year: int,
    *,
    reason: str,
    user: str | None = None,
    wait_seconds: float = 0.0,
) -> FreezeEvent:
    """Unfreeze year `year` (its frozen file is kept under frozen/reopened/), with a reason."""
    if not reason or not reason.strip():
        raise FreezeError("reopening a closed year needs a reason (--reason), for the log")
    with build_lock(settings, wait_seconds=wait_seconds):
        target = frozen_path(settings, year)
        if not target.exists():
            closed = ", ".join(map(str, frozen_files(settings))) or "none"
            raise FreezeError(f"{year} is not closed (closed years: {closed})")
        stamp = _now()
        who = _user(user)
        with open(target, encoding="utf-8") as handle:
            figures = max(sum(1 for _ in handle) - 1, 0)
        kept = (
            frozen_dir(settings)
            / "reopened"
            / (f"figures_{year}.reopened-{stamp.strftime('%Y%m%dT%H%M%S')}.csv")
        )
        kept.parent.mkdir(parents=True, exist_ok=True)
        os.replace(target, kept)
        event = FreezeEvent("reopen", year, stamp.isoformat(), who, figures, kept, reason.strip())
        _append_log(settings, event)
        return event


# --- in the build -----------------------------------------------------------------------------


def load_frozen_figures(con: duckdb.DuckDBPyConnection, settings: Settings) -> dict[int, int]:
    """(Re)create annex.frozen_figures from the frozen files; returns rows per closed year."""
    files = frozen_files(settings)
    con.execute("create schema if not exists annex")
    columns = ", ".join(f"{name} {kind}" for name, kind in FROZEN_COLUMNS.items())
    con.execute(f"create or replace table {FROZEN_TABLE} ({columns})")
    spec = "{" + ", ".join(f"'{n}': '{k}'" for n, k in FROZEN_COLUMNS.items()) + "}"
    for year, path in files.items():
        try:
            con.execute(
                "create or replace temp table frozen_file as select * from read_csv("
                f"{quote_literal(str(path))}, header = true, auto_detect = false, "
                f"columns = {spec}, quote = '\"', escape = '\"')"
            )
        except duckdb.Error as exc:
            raise FreezeError(f"{path}: cannot read the frozen figures: {exc}") from exc
        wrong = con.execute(
            "select count(*) from frozen_file where year is distinct from ?", [year]
        ).fetchone()[0]
        if wrong:
            raise FreezeError(f"{path}: holds rows of another year than {year}")
        con.execute(f"insert into {FROZEN_TABLE} select * from frozen_file")
    con.execute("drop table if exists frozen_file")
    duplicates = con.execute(
        f"select year, figure_id from {FROZEN_TABLE} group by all having count(*) > 1 limit 5"
    ).fetchall()
    if duplicates:
        raise FreezeError(f"frozen figures listed twice: {duplicates}")
    set_comments(con, FROZEN_TABLE, FROZEN_DESCRIPTION, FROZEN_COLUMN_COMMENTS)
    return {
        int(year): int(n)
        for year, n in con.execute(
            f"select year, count(*) from {FROZEN_TABLE} group by all order by 1"
        ).fetchall()
    }
