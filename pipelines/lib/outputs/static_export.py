"""The charts' print-ready SVG and PNG, drawn by a Chromium-family browser through kaleido 1.x.

Starting that browser costs seconds, so every SVG and PNG of every year is exported in one
browser session, and files whose figure did not change since the last build are not exported
again (a content hash per file in `outputs/.static-cache.json`). A build likely to export some
opens that session as it starts (`prewarm`). Without a browser the static files are skipped with
one warning; the HTML files (`charts.write_html`) are always written.
"""

from __future__ import annotations

import asyncio
import base64
import functools
import hashlib
import importlib.metadata
import json
import os
import shutil
import threading
import time
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import plotly
import plotly.graph_objects as go

from pipelines.lib import atomic
from pipelines.lib.outputs.charts import HEIGHT, WIDTH, Chart, chart_path
from pipelines.lib.reuse import FileLedger

STATIC_FORMATS = ("svg", "png")
PNG_SCALE = 2  # 2000 x 1120 px: about 300 dpi over the width of an A4 text column
STATIC_VAR = "ANNEX_STATIC_CHARTS"  # "off": HTML charts only (no browser started)
BROWSER_VAR = "BROWSER_PATH"  # the browser kaleido/choreographer use, e.g. /usr/bin/chromium
RELOAD_EVERY = 40  # renders between two reloads of the export page
# Tabs rendering at once: two keep both cores busy; more tabs only add start-up time.
STATIC_TABS = 2


@dataclass
class StaticJob:
    figure: go.Figure
    path: Path
    format: str

    @property
    def opts(self) -> dict[str, object]:
        scale = PNG_SCALE if self.format == "png" else 1
        layout = self.figure.layout
        return {
            "format": self.format,
            "width": layout.width or WIDTH,
            "height": layout.height or HEIGHT,
            "scale": scale,
        }

    def key(self, figure_json: bytes | None = None) -> str:
        """What the file is made from: the figure (`figure_json`, when already serialised),
        the export options and the libraries' versions."""
        digest = hashlib.sha256()
        digest.update(figure_json or self.figure.to_json().encode())
        digest.update(json.dumps(self.opts, sort_keys=True).encode())
        digest.update(f"plotly {plotly.__version__} kaleido {_kaleido_version()}".encode())
        return digest.hexdigest()


@dataclass
class StaticReport:
    """What the static export did, for the asset's metadata and the build log."""

    requested: int = 0
    exported: int = 0
    cached: int = 0
    seconds: float = 0.0
    browser: str | None = None
    warning: str | None = None
    errors: list[str] = field(default_factory=list)
    start_seconds: float = 0.0  # starting the browser session
    render_seconds: float = 0.0  # rendering and writing every file, in that one session
    # the static files that match this build's charts (the others are stale)
    valid: set[Path] = field(default_factory=set, repr=False)


@functools.cache
def _kaleido_version() -> str:
    try:
        return importlib.metadata.version("kaleido")
    except importlib.metadata.PackageNotFoundError:
        return "none"


# Chromium's "old" headless shell: the same renderer (the images are byte for byte those of a
# full Chromium) without the browser around it, so it opens in about half the time.
# Debian and Ubuntu package it as chromium-headless-shell; Chrome for Testing as
# chrome-headless-shell.
HEADLESS_SHELLS = (
    "/usr/lib/chromium/chromium-headless-shell",  # Debian's binary, without its sh wrapper
    "chromium-headless-shell",
    "chrome-headless-shell",
)


def find_browser() -> str | None:
    """The Chromium-family browser kaleido will drive: $BROWSER_PATH, else a headless shell
    (`HEADLESS_SHELLS`), else a browser on PATH (chromium, google-chrome, ...), else one
    downloaded with `kaleido_get_chrome`."""
    explicit = os.environ.get(BROWSER_VAR)
    if explicit:
        return explicit if Path(explicit).is_file() else None
    for shell in HEADLESS_SHELLS:
        found = shutil.which(shell)
        if found:
            return found
    try:
        from choreographer.browsers.chromium import Chromium
    except ImportError:
        return None
    return Chromium.find_browser(skip_local=False)


def static_export_disabled() -> str | None:
    """Why the static export is off ($ANNEX_STATIC_CHARTS), or None when it is on."""
    mode = os.environ.get(STATIC_VAR, "on").strip().lower()
    return f"{STATIC_VAR}={mode}" if mode in ("off", "0", "false", "no") else None


def static_jobs(charts: Sequence[Chart], outputs_dir: Path) -> list[StaticJob]:
    return [
        StaticJob(chart.figure, chart_path(outputs_dir, chart, fmt), fmt)
        for chart in charts
        for fmt in STATIC_FORMATS
    ]


def _run(coro: Coroutine[Any, Any, Any]) -> Any:
    """asyncio.run, also from code that already runs an event loop (a notebook)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["result"] = asyncio.run(coro)
        except BaseException as exc:  # re-raised in the caller's thread
            box["error"] = exc

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if "error" in box:
        raise box["error"]
    return box.get("result")


# One render for a chart's SVG and PNG: kaleido's own page draws the SVG (`kaleido_scopes`),
# then plotly.js rasterises that same SVG in the same tab (`Plotly.Snapshot.svgToImg`, the step
# its toImage takes for a PNG), instead of drawing the figure a second time for the PNG.
_SVG_AND_PNG_JS = r"""
function(spec, pngScale) {
  return kaleido_scopes.plotly(spec).then(function (response) {
    if (response.code !== 0 || response.format !== 'svg') return JSON.stringify(response);
    return Plotly.Snapshot.svgToImg({
      format: 'png', width: spec.width, height: spec.height, scale: pngScale,
      canvas: document.createElement('canvas'), svg: response.result, promise: true
    }).then(function (url) {
      response.png = url.replace(/^data:image\/png;base64,/, '');
      return JSON.stringify(response);
    });
  });
}"""


def _kaleido_class() -> type:
    """kaleido.Kaleido, reloading its export page every RELOAD_EVERY renders, not after each,
    and drawing a chart's SVG and PNG in one render (`write_svg_and_png`).

    kaleido reloads the page (and with it plotly.js) after every image, which costs several times
    the image itself; and it draws the figure once per format, drawing it again being more than
    half of a PNG's cost. The images are the same: the PNGs byte for byte; the SVGs
    but for their element ids (random anyway) and, in some, whether the legend's borderless
    white background rectangle states its size (plotly.js leaves it out on some renders either
    way; it draws nothing visible). Each override is used only when kaleido still has the internals
    it relies on; otherwise that part is kaleido's own.
    """
    import kaleido

    base = kaleido.Kaleido
    if not hasattr(base, "_return_kaleido_tab"):
        return base
    try:
        from kaleido._kaleido_tab import _devtools_utils as devtools
        from kaleido._utils import fig_tools

        pairs = all(
            hasattr(obj, name)
            for obj, name in (
                (base, "_get_kaleido_tab"),
                (devtools, "exec_js_fn"),
                (devtools, "check_kaleido_js_response"),
                (fig_tools, "coerce_for_js"),
            )
        )
    except ImportError:
        pairs = False

    class ReusingKaleido(base):  # type: ignore[misc, valid-type]
        _renders = 0

        async def _return_kaleido_tab(self, tab: Any) -> None:
            self._renders += 1
            if self._renders % RELOAD_EVERY == 0:
                await super()._return_kaleido_tab(tab)
            else:
                await self.tabs_ready.put(tab)

    if not pairs:
        return ReusingKaleido

    class PairingKaleido(ReusingKaleido):
        async def write_svg_and_png(self, svg: StaticJob, png: StaticJob) -> None:
            """Write `svg` and `png` (jobs of one figure) from one drawing of the figure; an
            error names the files (kaleido's do not say which chart)."""
            try:
                svg_text, png_bytes = await self._draw(svg, png.opts["scale"])
            except Exception as exc:
                raise RuntimeError(f"{svg.path.name} and {png.path.name}: {exc}") from exc
            atomic.write_bytes(svg.path, svg_text.encode())
            atomic.write_bytes(png.path, png_bytes)

        async def _draw(self, svg: StaticJob, png_scale: object) -> tuple[str, bytes]:
            spec = fig_tools.coerce_for_js(svg.figure, None, svg.opts)
            tab = await self._get_kaleido_tab()
            try:
                call = devtools.exec_js_fn(
                    tab.tab, tab._current_js_id, _SVG_AND_PNG_JS, spec, png_scale
                )
                result = await asyncio.wait_for(call, self._timeout)
            finally:
                await self._return_kaleido_tab(tab)
            response = devtools.check_kaleido_js_response(result)
            if "png" not in response:
                raise RuntimeError("no PNG came back")
            return response["result"], base64.b64decode(response["png"])

    return PairingKaleido


class StaticExportStalled(RuntimeError):
    """The browser stopped answering (kaleido then waits for ever)."""


# Opening the browser takes seconds and an image a fraction of one: a browser not open after
# OPEN_DEADLINE, or that wrote no image for STALL_SECONDS, has stalled. It is killed and the
# images left are tried once more in a new session.
OPEN_DEADLINE = 120.0
STALL_SECONDS = 30.0
POLL_SECONDS = 1.0


class _Progress:
    """Watches the image files of a render: stalled when none was written for STALL_SECONDS."""

    def __init__(self, jobs: Sequence[StaticJob]) -> None:
        self.jobs = jobs
        self.written = self._count()
        self.since = time.monotonic()

    def _count(self) -> int:
        return sum(_written(job) for job in self.jobs)

    def stalled(self) -> bool:
        written = self._count()
        if written != self.written:
            self.written, self.since = written, time.monotonic()
        return time.monotonic() - self.since > STALL_SECONDS

    def describe(self) -> str:
        return (
            f"the browser wrote no image for {STALL_SECONDS:.0f} s "
            f"({self.written} of {len(self.jobs)} written)"
        )


async def _export(
    jobs: Sequence[StaticJob], browser: str, fast: bool, report: StaticReport
) -> list[str]:
    """Every job in one browser session, STATIC_TABS tabs rendering side by side; raises
    `StaticExportStalled` when the browser takes longer than OPEN_DEADLINE to open or writes
    no image for STALL_SECONDS (it is then killed)."""
    import kaleido

    cls = _kaleido_class() if fast else kaleido.Kaleido
    started = time.monotonic()
    session = cls(n=STATIC_TABS, mathjax=False, path=browser)
    try:
        async with asyncio.timeout(OPEN_DEADLINE):
            await session.__aenter__()  # as `async with` does
    except TimeoutError:
        _kill(session)
        raise StaticExportStalled(f"the browser did not open in {OPEN_DEADLINE:.0f} s") from None
    opened = time.monotonic()
    report.start_seconds = opened - started
    try:
        errors = await _render_watched(session, jobs)
    except StaticExportStalled:
        _kill(session)
        raise
    finally:
        try:
            async with asyncio.timeout(60):
                await session.__aexit__(None, None, None)
        except TimeoutError:
            _kill(session)
    report.render_seconds = time.monotonic() - opened
    return errors


async def _render_watched(session: Any, jobs: Sequence[StaticJob]) -> list[str]:
    """Render `jobs` in an open kaleido session, its errors as text; raises
    `StaticExportStalled` (cancelling the render) when no image is written for STALL_SECONDS."""
    rendering = asyncio.ensure_future(_render(session, jobs))
    watch = _Progress(jobs)
    while not rendering.done():
        await asyncio.wait({rendering}, timeout=POLL_SECONDS)
        if not rendering.done() and watch.stalled():
            rendering.cancel()
            raise StaticExportStalled(watch.describe())
    return [f"{type(error).__name__}: {error}" for error in rendering.result() or ()]


async def _render(session: Any, jobs: Sequence[StaticJob]) -> list[BaseException]:
    """Write `jobs` in an open kaleido session; the errors. A figure wanted as SVG and PNG is
    drawn once when the session can (`write_svg_and_png`), the other jobs kaleido's way."""
    singles: list[StaticJob] = list(jobs)
    pairs: list[tuple[StaticJob, StaticJob]] = []
    if hasattr(session, "write_svg_and_png"):
        by_figure: dict[int, dict[str, StaticJob]] = {}
        for job in jobs:
            by_figure.setdefault(id(job.figure), {})[job.format] = job
        pairs = [(f["svg"], f["png"]) for f in by_figure.values() if {"svg", "png"} <= f.keys()]
        paired = {id(job) for pair in pairs for job in pair}
        singles = [job for job in jobs if id(job) not in paired]
    specs = [{"fig": job.figure, "path": job.path, "opts": job.opts} for job in singles]
    results = await asyncio.gather(
        *(session.write_svg_and_png(svg, png) for svg, png in pairs),
        *([session.write_fig_from_object(specs)] if specs else []),
        return_exceptions=True,
    )
    errors: list[BaseException] = []
    for result in results:
        if isinstance(result, BaseException):
            errors.append(result)
        elif result:  # the errors write_fig_from_object returns
            errors.extend(result)
    return errors


def _kill(session: object) -> None:
    """Kill the session's browser when it still runs (it no longer answers)."""
    process = getattr(session, "subprocess", None)
    if process is not None and process.poll() is None:
        process.kill()


class BrowserSession:
    """A fast kaleido session opened ahead of need, in a thread with its own event loop.

    Opening the browser and loading plotly.js in its tabs takes seconds, mostly on the core the
    build's Python leaves idle: a build likely to export static files (see `prewarm`)
    opens the session when it starts, and the chart step finds it ready.
    """

    def __init__(self, browser: str) -> None:
        self.browser = browser
        self.start_seconds = 0.0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="kaleido-session", daemon=True
        )
        self._thread.start()
        self._session = asyncio.run_coroutine_threadsafe(self._open(), self._loop)

    async def _open(self) -> Any:
        started = time.monotonic()
        session = _kaleido_class()(n=STATIC_TABS, mathjax=False, path=self.browser)
        await session.__aenter__()  # as `async with` does
        self.start_seconds = time.monotonic() - started
        return session

    def render(self, jobs: Sequence[StaticJob]) -> list[str]:
        """Export `jobs`; raises when the session could not be opened, broke, or stalled
        (`StaticExportStalled`: its browser is then killed)."""
        session = self._session.result(timeout=OPEN_DEADLINE)
        rendering = asyncio.run_coroutine_threadsafe(_render_watched(session, jobs), self._loop)
        try:
            return rendering.result()
        except StaticExportStalled:
            _kill(session)
            raise

    def close(self) -> None:
        """Close the browser; one that does not answer is killed."""
        session = None
        try:
            session = self._session.result(timeout=OPEN_DEADLINE)
            closing = session.__aexit__(None, None, None)
            asyncio.run_coroutine_threadsafe(closing, self._loop).result(timeout=60)
        except Exception:  # noqa: BLE001 - a session that never opened has nothing to close
            _kill(session)
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=10)


_PREWARMED: BrowserSession | None = None


def prewarm(outputs_dir: Path, changed_since: Callable[[], bool] = lambda: True) -> bool:
    """Open the export's browser session now when this build is likely to export static files
    and can (static export on, a browser found): nothing was exported into `outputs_dir` yet,
    or `changed_since()` says an export changed since those files were made. The chart step
    uses the session; `close_prewarmed` closes it if the build ends first."""
    global _PREWARMED
    if _PREWARMED is not None or static_export_disabled():
        return False
    cache = outputs_dir / ".static-cache.json"
    if cache.exists() and not changed_since():
        return False  # the same exports: the charts are those already exported
    browser = find_browser()
    if browser is None:
        return False
    _PREWARMED = BrowserSession(browser)
    return True


def _take_prewarmed(browser: str) -> BrowserSession | None:
    """The session opened ahead, when it drives `browser` (another one is closed)."""
    global _PREWARMED
    session, _PREWARMED = _PREWARMED, None
    if session is not None and session.browser != browser:
        session.close()
        return None
    return session


def close_prewarmed() -> None:
    global _PREWARMED
    session, _PREWARMED = _PREWARMED, None
    if session is not None:
        session.close()


def _written(job: StaticJob) -> bool:
    return job.path.exists() and job.path.stat().st_size > 0


def _relative(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix()


def export_static(
    charts: Sequence[Chart],
    outputs_dir: Path,
    *,
    browser: str | None = None,
    use_cache: bool = True,
    log: Callable[[str], None] = lambda _message: None,
) -> StaticReport:
    """Every chart as SVG and PNG, all in one browser session; unchanged files are kept.

    A file counts as up to date when its reuse ledger (`.static-cache.json`, see
    pipelines/lib/reuse.py) says it was made from the hash of this figure;
    `report.valid` lists the static files that match this build's charts (the others are stale
    and `remove_stale` deletes them, so no image ever shows figures that are no longer
    published).
    """
    started = time.monotonic()
    jobs = static_jobs(charts, outputs_dir)
    report = StaticReport(requested=len(jobs))
    ledger = FileLedger(outputs_dir / ".static-cache.json", autosave=False)
    if not use_cache:
        ledger.entries.clear()
    serialised: dict[int, bytes] = {}  # a figure's SVG and PNG share one serialisation
    for job in jobs:
        if id(job.figure) not in serialised:
            serialised[id(job.figure)] = job.figure.to_json().encode()
    keys = {job.path: job.key(serialised[id(job.figure)]) for job in jobs}

    def up_to_date(job: StaticJob) -> bool:
        return job.path.exists() and ledger.is_current(
            _relative(job.path, outputs_dir), keys[job.path]
        )

    todo = [job for job in jobs if not up_to_date(job)]
    report.cached = len(jobs) - len(todo)
    disabled = static_export_disabled()
    if todo and disabled:
        report.warning = (
            f"static chart export is off ({disabled}): wrote the interactive HTML charts only "
            f"and skipped {len(todo)} SVG/PNG files"
        )
    elif todo:
        browser = browser or find_browser()
        report.browser = browser
        if not browser:
            report.warning = (
                "no Chromium-family browser found for the static export (install one, e.g. "
                "`apt-get install chromium-headless-shell`, or set BROWSER_PATH): wrote the "
                f"interactive HTML charts only and skipped {len(todo)} SVG/PNG files"
            )
        else:
            for job in todo:
                job.path.parent.mkdir(parents=True, exist_ok=True)
                job.path.unlink(missing_ok=True)
            log(f"drawing {len(todo)} static chart files (SVG, PNG) in the browser")
            session = _take_prewarmed(browser)
            try:
                if session is not None:
                    rendering = time.monotonic()
                    try:
                        report.errors = session.render(todo)
                    finally:
                        session.close()
                    report.start_seconds = session.start_seconds
                    report.render_seconds = time.monotonic() - rendering
                else:
                    report.errors = _run(_export(todo, browser, True, report))
            except Exception as exc:  # a failed fast session: once more, the library's own way
                left = [job for job in todo if not _written(job)]
                log(f"static export: {exc}; trying the {len(left)} images left again, with one "
                    "page load per image")  # fmt: skip
                try:
                    report.errors = _run(_export(left, browser, False, report))
                except StaticExportStalled as stalled:
                    report.errors = [f"{stalled}: the images left are made at the next build"]
            done = [job for job in todo if _written(job)]
            report.exported = len(done)
            for job in done:
                ledger.record(_relative(job.path, outputs_dir), keys[job.path])
    report.valid = {job.path for job in jobs if up_to_date(job)}
    ledger.forget_where(lambda relative: (outputs_dir / relative).exists())
    ledger.save()
    report.seconds = time.monotonic() - started
    return report
