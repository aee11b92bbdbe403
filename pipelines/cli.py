"""`annex`: the non-interactive front door (build, figures, sample data, notebooks, service)."""

from __future__ import annotations

import argparse
import atexit
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

STARTED = time.monotonic()  # before importing Dagster (~1.2 s): `annex build` reports both

# Only light modules here: `annex build` starts hashing the exports before it imports Dagster,
# DuckDB and pandas (see pipelines/lib/hashing.py), which each command imports when it runs.
from pipelines.lib import hashing  # noqa: E402
from pipelines.lib.config import RAW_DIR_VAR, Settings  # noqa: E402
from pipelines.lib.outputs.formatting import Lang, format_figure  # noqa: E402
from pipelines.lib.rawfiles import has_exports  # noqa: E402

if TYPE_CHECKING:
    from pipelines.lib.build import BuildOutcome

HEADLINE_FIGURES = (
    "p1.new_members",
    "p1.applications_refused",
    "p1.resignations",
    "p1.withdrawal_requests_refused",
    "p1.exclusions",
    "p1.members_end",
    "p1.members_end.A",
    "p1.members_end.B",
    "p1.members_end.C",
    "p2.ga_voters",
    "p2.ga_turnout",
    "p2.survey.responses",
    "p2.survey.band",
    "p5.staff_trainings",
    "p5.staff_training_hours",
    "p5.member_trainings",
    "p5.member_training_participants",
)


def print_figures(
    settings: Settings, year: int | None, figure_ids: tuple[str, ...] = (), lang: Lang = "nl"
) -> int:
    from pipelines.lib.warehouse import read_publication

    with read_publication(settings) as con:
        if year is None:
            year = con.execute("select max(year) from annex.figures").fetchone()[0]
        note = f"note_{lang}" if _has_column(con, "annex.figures", f"note_{lang}") else "note"
        query = (
            f"select figure_id, value, value_text, qualifier, unit, {note}, label_nl, label_fr "
            "from annex.figures where year = ?"
        )
        params: list[object] = [year]
        if figure_ids:
            query += " and list_contains(?, figure_id)"
            params.append(list(figure_ids))
        rows = con.execute(query + " order by figure_id", params).fetchall()
        published = "select distinct year from annex.figures order by 1"
        years = [] if rows else [y for (y,) in con.execute(published).fetchall()]
        closed = _closed_at(con, year) if rows else None
    if not rows:
        span = f"{years[0]}-{years[-1]}" if years else "none"
        print(f"no figures published for {year} (years published: {span})", file=sys.stderr)
        return 1
    print(f"Figures for {year}:")
    if closed is not None:
        print(CLOSED[lang].format(year=year, date=closed.strftime("%d/%m/%Y")))
    width = max(len(row[0]) for row in rows)
    for figure_id, value, value_text, qualifier, unit, note, label_nl, label_fr in rows:
        shown = format_figure(value, value_text, qualifier, unit, lang)
        label = label_nl if lang == "nl" else label_fr
        print(f"  {figure_id:<{width}}  {shown:>14}  {label}" + (f"  ({note})" if note else ""))
    return 0


# What `annex figures` says of a closed year, in the language of its labels.
CLOSED: dict[str, str] = {
    "nl": "  Jaar {year} is afgesloten op {date}: dit zijn de bevroren cijfers "
    "(verschillen met de huidige exports: annex.figure_revisions).",
    "fr": "  L'année {year} est clôturée depuis le {date} : voici les chiffres gelés "
    "(différences avec les exports actuels : annex.figure_revisions).",
}


def _has_column(con: object, table: str, column: str) -> bool:
    schema, name = table.split(".")
    return bool(
        con.execute(  # type: ignore[attr-defined]
            "select count(*) from duckdb_columns() where database_name = current_database() "
            "and schema_name = ? and table_name = ? and column_name = ?",
            [schema, name, column],
        ).fetchone()[0]
    )


def _closed_at(con: object, year: int) -> object:
    """When `year` was closed (None when it is open, or no year was ever closed)."""
    if not _has_column(con, "annex.frozen_figures", "frozen_at"):
        return None
    return con.execute(  # type: ignore[attr-defined]
        "select min(frozen_at) from annex.frozen_figures where year = ?", [year]
    ).fetchone()[0]


def print_revisions(con: object) -> None:
    """The closed years' revisions: where the current exports give another figure than the
    frozen one the annex keeps."""
    if not _has_column(con, "annex.figure_revisions", "frozen_value"):
        return
    rows = con.execute(  # type: ignore[attr-defined]
        "select r.year, r.figure_id, r.frozen_value, r.frozen_value_text, r.computed_value, "
        "r.computed_value_text, f.qualifier, f.unit from annex.figure_revisions r "
        "left join annex.figures f using (year, figure_id) order by all"
    ).fetchall()
    closed = con.execute(  # type: ignore[attr-defined]
        "select distinct year from annex.frozen_figures order by 1"
    ).fetchall()
    if not closed:
        return
    years = ", ".join(str(y) for (y,) in closed)
    if not rows:
        print(f"Closed years ({years}): the current exports give the frozen figures, no revision")
        return
    print(f"Revisions of closed years ({years}): the frozen figure stays published")
    for year, figure_id, frozen, frozen_text, computed, computed_text, qualifier, unit in rows:
        was = format_figure(frozen, frozen_text, qualifier, unit, "nl")
        now = format_figure(computed, computed_text, None, unit, "nl")
        print(f"  {year}  {figure_id:<40} frozen {was:>14}  now {now:>14}")


def print_summary(settings: Settings, outcome: BuildOutcome) -> None:
    print()
    if outcome.register_shape is not None:
        from pipelines.lib.sources.register_shapes import SHAPE_NAMES

        print(f"Register read from {SHAPE_NAMES[outcome.register_shape]}: {outcome.register_files}")
    checks = len(outcome.passed_checks) + len(outcome.failed_checks)
    print(f"Checks: {len(outcome.passed_checks)} of {checks} passed")
    for failed in outcome.failed_checks:
        print(f"  ✗ {failed.name} (on {failed.asset}): {failed.description}")
        offenders = failed.metadata.get("offenders")
        if offenders:
            print("    " + offenders.replace("\n", "\n    "))
    for error in outcome.errors:
        print(f"  ✗ {error}")
    if not outcome.published:
        kept = settings.publication_path
        state = (
            f"the last publication ({kept}) is left in place"
            if kept.exists()
            else ("nothing was published")
        )
        print(f"\nNot published: {state}. {_took(outcome)}")
        return
    from pipelines.lib.warehouse import read_publication

    with read_publication(settings) as con:
        quarantined = con.execute(
            "select source_file, reason, count(*) from quality.quarantine group by all order by all"
        ).fetchall()
    listing = settings.outputs_dir / "quality" / "quarantine.csv"
    where = f" (each row: {listing})" if quarantined and listing.exists() else ""
    print(f"Quarantined rows: {sum(row[2] for row in quarantined)}{where}")
    for source_file, reason, count in quarantined:
        print(f"  {count:>6}  {reason:<20} {source_file}")
    with read_publication(settings) as con:
        print_revisions(con)
    print()
    print_figures(settings, None, HEADLINE_FIGURES)
    print()
    print(f"Published: {settings.publication_path}")
    if outcome.errors:
        print("           (published, but the steps marked ✗ above failed: see their messages)")
    print(f"Outputs:   {settings.outputs_dir}")
    print(_took(outcome))


def _took(outcome: BuildOutcome) -> str:
    return (
        f"Build took {outcome.seconds:.1f} s "
        f"({time.monotonic() - STARTED:.1f} s since `annex` started)."
    )


def version_text() -> str:
    """The project's version and those of the libraries a publication depends on."""
    from importlib.metadata import version

    libraries = ", ".join(f"{name} {version(name)}" for name in ("duckdb", "dagster", "plotly"))
    return f"annex (coop-annex) {version('coop-annex')}; {libraries}"


def cmd_build(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    if args.sample and not has_exports(settings.raw_dir):
        from pipelines.sample import write_sample

        print(f"No exports in {settings.raw_dir}: writing the sample exports there.")
        write_sample(settings.raw_dir, scale=1)
    elif not has_exports(settings.raw_dir):
        print(
            f"annex build: no exports in {settings.raw_dir} (${RAW_DIR_VAR}): drop the "
            "cooperative's exports there (docs/raw-exports.md), or run `annex build --sample` "
            "to build the sample data",
            file=sys.stderr,
        )
        return 1
    print(f"Building from {settings.raw_dir} into {settings.warehouse_dir}")
    hashing.prefetch(settings.raw_dir)  # beside the imports below, on the idle core
    from pipelines.lib.build import run_build
    from pipelines.lib.warehouse import BuildLockedError, WarehouseFolderError, unwritable

    problem: str | None = None
    try:
        outcome = run_build(settings, rebuild_all=args.rebuild_all)
    except BuildLockedError as exc:
        print(f"annex build: {exc}", file=sys.stderr)
        return 75
    except WarehouseFolderError as exc:
        problem = str(exc)
    except OSError as exc:  # a folder that filled up or turned read-only during the build
        where = Path(exc.filename).parent if exc.filename else settings.warehouse_dir
        problem = str(unwritable(where, exc))
    if problem is not None:  # printed outside the except: no traceback, one message
        kept = settings.publication_path
        state = f"the last publication ({kept}) is left in place" if kept.exists() else ""
        print(f"annex build: {problem}" + (f"; {state}" if state else ""), file=sys.stderr)
        return 1
    print_summary(settings, outcome)
    return 0 if outcome.published and not outcome.errors else 1


def cmd_figures(args: argparse.Namespace) -> int:
    try:
        return print_figures(Settings.from_env(), args.year, lang=args.lang)
    except FileNotFoundError as exc:
        print(f"annex figures: {exc}", file=sys.stderr)
        return 1


def cmd_sample_data(args: argparse.Namespace) -> int:
    from pipelines.lib.rawfiles import foreign_files, listing
    from pipelines.sample import write_sample

    out = Path(args.out).expanduser() if args.out else Settings.from_env().raw_dir
    foreign = foreign_files(out)
    if foreign and not args.force:
        print(
            f"annex sample-data: {out} holds exports that are not the sample's "
            f"({listing(foreign, out)}); the sample would write over those of the same "
            "name and the build would read the others beside it. Write it into an empty "
            "folder (--out DIR), or pass --force to write it there anyway",
            file=sys.stderr,
        )
        return 1
    lang = args.odoo_lang if args.register == "odoo" else args.lang
    files = write_sample(out, scale=args.scale, register_shape=args.register, register_lang=lang)
    print(f"Wrote {len(files)} sample exports (scale {args.scale}) under {out}")
    return 0


def cmd_register_template(args: argparse.Namespace) -> int:
    from pipelines.lib.sources.register_workbook import write_workbook

    out = Path(args.out).expanduser()
    if out.exists() and not args.force:
        print(
            f"annex register-template: {out} exists; choose another file (--out FILE) or pass "
            "--force to write over it",
            file=sys.stderr,
        )
        return 1
    try:
        write_workbook(out, args.lang)
    except OSError as exc:
        print(f"annex register-template: cannot write {out}: {exc.strerror}", file=sys.stderr)
        return 1
    print(f"Wrote the empty register workbook ({args.lang}) to {out}")
    return 0


def cmd_close_year(args: argparse.Namespace) -> int:
    from pipelines.lib.freeze import FreezeError, close_year
    from pipelines.lib.warehouse import BuildLockedError

    settings = Settings.from_env()
    try:
        event = close_year(settings, args.year, user=args.user, reason=args.reason or "")
    except (FreezeError, FileNotFoundError) as exc:
        print(f"annex close-year: {exc}", file=sys.stderr)
        return 1
    except BuildLockedError as exc:
        print(f"annex close-year: {exc}", file=sys.stderr)
        return 75
    print(f"Closed {event.year}: {event.figures} published figures frozen in {event.file}")
    print(f"(logged in {event.file.parent / 'log.csv'} at {event.timestamp} by {event.user})")
    print("Every later build keeps these values for this year; what a corrected export would")
    print("change is listed in annex.figure_revisions and in the draft's appendix.")
    return 0


def cmd_reopen_year(args: argparse.Namespace) -> int:
    from pipelines.lib.freeze import FreezeError, reopen_year
    from pipelines.lib.warehouse import BuildLockedError

    settings = Settings.from_env()
    try:
        event = reopen_year(settings, args.year, reason=args.reason, user=args.user)
    except FreezeError as exc:
        print(f"annex reopen-year: {exc}", file=sys.stderr)
        return 1
    except BuildLockedError as exc:
        print(f"annex reopen-year: {exc}", file=sys.stderr)
        return 75
    print(f"Reopened {event.year} ({event.reason}); its frozen figures are kept in {event.file}")
    print("The next build publishes this year's figures as computed from the exports.")
    return 0


def cmd_notebooks(args: argparse.Namespace) -> int:
    from pipelines import notebook

    language = args.lang or os.environ.get(notebook.LANG_VAR) or "nl"
    if args.html is None:
        if args.names:
            print("annex notebooks: name notebooks only with --html DIR", file=sys.stderr)
            return 2
        extra = [*(["--port", str(args.port)] if args.port else []), *args.jupyter_options]
        command = notebook.lab_command(extra)
        os.chdir(notebook.NOTEBOOKS_DIR)
        # JupyterLab takes this process over: Ctrl-C and SIGTERM reach it directly
        os.execve(command[0], command, notebook.jupyter_env(language))
    try:
        written, failed = notebook.export_html(args.names, Path(args.html).expanduser(), language)
    except ValueError as exc:
        print(f"annex notebooks: {exc}", file=sys.stderr)
        return 2
    for path in written:
        print(f"Wrote {path}")
    for name, error in failed.items():
        print(f"annex notebooks: notebooks/{name} failed: {error}", file=sys.stderr)
    return 1 if failed else 0


def cmd_serve(args: argparse.Namespace) -> int:
    from pipelines.serve import default_home, serve

    home = Path(args.home).expanduser().resolve() if args.home else default_home()
    return serve(host=args.host, port=args.port, home=home, only=args.only)


def cmd_narrative_init(args: argparse.Namespace) -> int:
    from pipelines.lib.outputs.narrative import NarrativeError, init_year

    settings = Settings.from_env()
    try:
        written = init_year(settings.raw_dir, args.year)
    except (NarrativeError, OSError) as exc:
        print(f"annex narrative-init: {exc}", file=sys.stderr)
        return 1
    for path in written:
        source = path.with_name(path.name.replace(str(args.year), str(args.year - 1), 1))
        origin = f"from {source.name}" if source.is_file() else "every section's heading, empty"
        print(f"Wrote {path} ({origin})")
    print("Figures are references ({{ p1.new_members }}): the build fills in this year's.")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="annex", description=__doc__)
    parser.add_argument("--version", action="version", version=version_text())
    commands = parser.add_subparsers(dest="command", required=True)

    build = commands.add_parser("build", help="materialise, check and publish everything")
    build.add_argument(
        "--sample",
        action="store_true",
        help="first write the sample exports into the raw folder when it holds none",
    )
    build.add_argument(
        "--rebuild-all",
        action="store_true",
        help="read every export, compute every model and write every output again, even those "
        "unchanged since the last build (by default a table made from the same files or "
        "inputs by the same code is kept, the publication keeps the tables it already holds, "
        "and an output made from the same content keeps its files)",
    )
    build.set_defaults(func=cmd_build)

    figures = commands.add_parser("figures", help="print the published figures")
    figures.add_argument("--year", type=int, help="year (default: the last one)")
    figures.add_argument("--lang", choices=("nl", "fr"), default="nl", help="labels and numbers")
    figures.set_defaults(func=cmd_figures)

    sample = commands.add_parser("sample-data", help="write the deterministic sample exports")
    sample.add_argument("--scale", type=int, default=1, help="about N times the volumes")
    sample.add_argument("--out", help="folder (default: $ANNEX_RAW_DIR or raw/)")
    sample.add_argument(
        "--force",
        action="store_true",
        help="write even where the folder holds exports that are not the sample's (files of "
        "the same name are written over)",
    )
    sample.add_argument(
        "--register",
        choices=("plain", "odoo", "xlsx"),
        default="plain",
        help="the register's shape: the four CSV files (default), Odoo's own export "
        "(register/odoo/) or the register's workbook (register/register.xlsx)",
    )
    sample.add_argument(
        "--odoo-lang", choices=("en", "fr", "nl"), default="en", help="labels of Odoo's export"
    )
    sample.add_argument(
        "--lang", choices=("nl", "fr"), default="nl", help="language of the register's workbook"
    )
    sample.set_defaults(func=cmd_sample_data)

    template = commands.add_parser(
        "register-template", help="write the empty workbook to keep the share register in"
    )
    template.add_argument("--lang", choices=("nl", "fr"), default="nl", help="its language")
    template.add_argument(
        "--out", default="register.xlsx", help="the file to write (default: register.xlsx)"
    )
    template.add_argument("--force", action="store_true", help="write over an existing file")
    template.set_defaults(func=cmd_register_template)

    close = commands.add_parser(
        "close-year", help="freeze the published figures of a year (later builds keep them)"
    )
    close.add_argument("year", type=int, help="the year to close, e.g. 2024")
    close.add_argument("--reason", help="why, for the log (optional)")
    close.add_argument("--user", help="who closes it (default: the login name)")
    close.set_defaults(func=cmd_close_year)

    reopen = commands.add_parser("reopen-year", help="unfreeze a closed year (logged)")
    reopen.add_argument("year", type=int, help="the closed year to reopen")
    reopen.add_argument("--reason", required=True, help="why it is reopened (logged)")
    reopen.add_argument("--user", help="who reopens it (default: the login name)")
    reopen.set_defaults(func=cmd_reopen_year)

    notebooks = commands.add_parser(
        "notebooks",
        help="open the analyst's notebooks in JupyterLab (a double click opens a notebook), or "
        "export them to HTML with --html",
    )
    notebooks.add_argument(
        "names", nargs="*", help="with --html: the notebooks to export (default: all)"
    )
    notebooks.add_argument(
        "--html", metavar="DIR", help="execute the notebooks and write DIR/<name>.<lang>.html"
    )
    notebooks.add_argument(
        "--lang", choices=("nl", "fr"), help="language of the charts (default: $ANNEX_LANG or nl)"
    )
    notebooks.add_argument("--port", type=int, help="JupyterLab's port (default: 8888 or next)")
    notebooks.add_argument(
        "--jupyter-option",
        dest="jupyter_options",
        action="append",
        default=[],
        metavar="OPTION",
        help="passed on to JupyterLab, e.g. --jupyter-option=--no-browser (repeatable)",
    )
    notebooks.set_defaults(func=cmd_notebooks)

    serve = commands.add_parser(
        "serve",
        help="run the nightly service: the Dagster UI and the daemon (schedule, sensors, "
        "alerts) on a persistent instance, until SIGTERM or Ctrl-C",
    )
    serve.add_argument(
        "--host", default="127.0.0.1", help="the UI's address (default: %(default)s)"
    )
    serve.add_argument(
        "--port", type=int, default=3000, help="the UI's port (default: %(default)s)"
    )
    serve.add_argument(
        "--home",
        help="the instance folder (default: $DAGSTER_HOME, else ~/.local/state/coop-annex/dagster)",
    )
    serve.add_argument(
        "--only",
        choices=("webserver", "daemon"),
        help="run one of the two (a service manager running them as two units)",
    )
    serve.set_defaults(func=cmd_serve)

    init = commands.add_parser(
        "narrative-init",
        help="start a year's annex text (narrative/YYYY.nl.md, .fr.md) from the year before",
    )
    init.add_argument("year", type=int, help="the year to start, e.g. 2025")
    init.set_defaults(func=cmd_narrative_init)

    args = parser.parse_args(argv)
    return args.func(args)


def entry() -> None:  # pragma: no cover - the console script; tests call `main`
    """The `annex` console script: `main`, then an exit that skips the interpreter's teardown.

    Once `main` has returned, every file is written and every database closed; what is left is
    Python tearing down the ~2,000 modules Dagster, pandas and plotly load, which takes 1-2 s
    here. The exit handlers still run (this one is registered first, so it runs last), then
    `os._exit` ends the process with `main`'s status. An uncaught error exits with status 1
    after its traceback; a reader that closes the pipe early ends it with status 1, silently.
    """
    status = [1]

    def reader_left() -> None:  # the reader of the output left early (`annex figures | head`)
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # nothing more to say
        status[0] = 1

    def leave() -> None:
        try:
            sys.stdout.flush()
        except BrokenPipeError:
            reader_left()
        sys.stderr.flush()
        os._exit(status[0])

    atexit.register(leave)
    try:
        status[0] = main()
    except BrokenPipeError:
        reader_left()
    sys.exit(status[0])


if __name__ == "__main__":  # pragma: no cover
    entry()
