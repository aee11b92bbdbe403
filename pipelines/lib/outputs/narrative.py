"""The annex text the author keeps: `narrative/YYYY.<lang>.md` in the raw folder.

One Markdown file per year and language, split into the annex's sections by level-2 headings
that name a section id (`## p2.ethics_committee`). Inside the text, `{{ p1.new_members }}` is
replaced by the published figure and `{{ governance.cooperative.name }}` by a governance fact of
the year, formatted as the generated sentences are; `{{ year }}` by the year. An unknown section,
figure or fact is an error naming the file and the line. Raw HTML is shown as text and only
plain https links are kept (the text ends up in pages and documents others open).

`init_year` starts a year's files from the previous year's, references and all: the numbers are
filled in when the document is made, so last year's never reach the new file.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from pipelines.lib.labels import all_labels
from pipelines.lib.outputs.formatting import LANGS, Lang
from pipelines.lib.rawfiles import check_export

FOLDER = "narrative"

# The annex's sections in the order of the document (interface.md, "The annex document").
SECTION_IDS: tuple[str, ...] = (
    "title",
    "introduction",
    "p1.flows",
    "p2.members",
    "p2.assembly",
    "p2.statutes",
    "p2.board_mandate",
    "p2.ethics_committee",
    "p2.assembly_process",
    "p2.participation",
    "p2.groups",
    "p2.workers_assembly",
    "p2.board_renewal",
    "p3",
    "p4",
    "p5.staff_training",
    "p5.member_courses",
    "p5.events",
    "p5.lifelong_learning",
    "p5.board_training",
    "p6",
    "p7",
)

# The one marker of a section whose text is still to be written, in every format.
MARKER: dict[str, str] = all_labels()["draft.marker"]

_SECTION = re.compile(r"^##(?!#)\s*(?P<id>.*?)\s*#*\s*$")
_REFERENCE = re.compile(r"\{\{\s*(?P<id>[^{}]*?)\s*\}\}")
_HTTPS = re.compile(r"^https://[^\s<>\"'`()]+$")
_LINK_START = re.compile(r"\[(?P<text>[^\[\]]*)\]\(")
_AUTOLINK = re.compile(r"<(?P<url>[A-Za-z][A-Za-z0-9+.-]{1,31}:[^<>\s]*)>")
_REFERENCE_DEFINITION = re.compile(r"^(?P<indent> {0,3})\[(?P<label>[^\]]+)\]:\s*(?P<url>\S+)")


class NarrativeError(Exception):
    """The author's text cannot be used as written: the message names the file and line."""


@dataclass
class Narrative:
    """One file, split by section: each section's lines with their line numbers."""

    path: Path
    display: str
    sections: dict[str, list[tuple[int, str]]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def narrative_path(raw_dir: Path, year: int, lang: Lang) -> Path:
    return raw_dir / FOLDER / f"{year}.{lang}.md"


def read_narrative(raw_dir: Path, year: int, lang: Lang) -> Narrative | None:
    """The year's text in `lang`, split by section, or None when there is no file."""
    path = narrative_path(raw_dir, year, lang)
    if not path.is_file():
        return None
    display = f"{FOLDER}/{path.name}"
    if (problem := check_export(path, raw_dir.resolve())) is not None:
        raise NarrativeError(f"{display}: {problem}")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise NarrativeError(f"{display}: not valid UTF-8; save it as UTF-8 text") from None
    narrative = Narrative(path, display)
    current: str | None = None
    ignored = 0
    in_code = False
    for number, line in enumerate(text.splitlines(), start=1):
        if line.lstrip().startswith(("```", "~~~")):
            in_code = not in_code
        match = None if in_code else _SECTION.match(line)
        if match:
            section = match["id"]
            if section not in SECTION_IDS:
                raise NarrativeError(
                    f"{display}, line {number}: unknown section '{section}'; a level-2 heading "
                    f"names one of: {', '.join(SECTION_IDS)}"
                )
            if section in narrative.sections:
                raise NarrativeError(
                    f"{display}, line {number}: section '{section}' a second time; write its "
                    "text under one heading"
                )
            narrative.sections[section] = []
            current = section
        elif current is None:
            ignored += bool(line.strip())
        else:
            narrative.sections[current].append((number, line))
    if ignored:
        narrative.warnings.append(
            f"{display}: the text before the first section heading (## <section id>) is not "
            "part of the annex"
        )
    return narrative


Resolve = Callable[[str], str | None]  # a reference's id -> its text, None when unknown


def fill(narrative: Narrative, section: str, resolve: Resolve) -> str | None:
    """The section's Markdown with its references filled in and its links and HTML made safe;
    None when the file has no text for it."""
    lines = narrative.sections.get(section)
    if lines is None:
        return None
    out = []
    for number, line in lines:

        def replace(match: re.Match[str], number: int = number) -> str:
            reference = match["id"]
            text = resolve(reference)
            if text is None:
                raise NarrativeError(
                    f"{narrative.display}, line {number}: unknown figure or fact "
                    f"'{reference}'; use a figure id of annex.figures (listed in the "
                    "document's appendix), governance.<key path in governance/YYYY.yaml> or year"
                )
            return text

        out.append(_REFERENCE.sub(replace, safe_markdown(line)))
    text = "\n".join(out).strip("\n")
    return text if text.strip() else None


def safe_markdown(line: str) -> str:
    """A line of the author's Markdown with raw HTML escaped (shown as text) and every link that
    is not a plain https link turned into its text (images too: nothing is read from disk)."""
    definition = _REFERENCE_DEFINITION.match(line)
    if definition and not _HTTPS.match(definition["url"].strip("<>")):
        return f"{definition['indent']}\\[{line[len(definition['indent']) + 1 :]}"
    line = line.replace("![", "\\![")

    line = _https_links_only(line)
    parts = []
    last = 0
    for match in _AUTOLINK.finditer(line):
        parts.append(line[last : match.start()].replace("<", "\\<"))
        parts.append(match[0] if _HTTPS.match(match["url"]) else "\\" + match[0])
        last = match.end()
    parts.append(line[last:].replace("<", "\\<"))
    return "".join(parts)


def _https_links_only(line: str) -> str:
    """Inline links `[text](destination)` kept when the destination is a plain https URL,
    else replaced by their text (the destination may hold balanced parentheses)."""
    out, position = [], 0
    for match in _LINK_START.finditer(line):
        if match.start() < position:
            continue
        depth, end = 1, match.end()
        while end < len(line) and depth:
            depth += {"(": 1, ")": -1}.get(line[end], 0)
            end += 1
        if depth:
            break  # not closed: no link, the rest is text
        destination = line[match.end() : end - 1].strip().split()
        url = destination[0].strip("<>") if destination else ""
        out.append(line[position : match.start()])
        out.append(line[match.start() : end] if _HTTPS.match(url) else match["text"])
        position = end
    out.append(line[position:])
    return "".join(out)


def skeleton() -> str:
    """An empty narrative: every section's heading, for the author to fill in."""
    return "\n".join(f"## {section}\n" for section in SECTION_IDS)


def init_year(raw_dir: Path, year: int) -> list[Path]:
    """Write `narrative/<year>.<lang>.md` from the previous year's file (as written: its
    references stay references), or an empty skeleton when there is none. Refuses to write over
    an existing file (NarrativeError naming it) before writing anything."""
    targets = {lang: narrative_path(raw_dir, year, lang) for lang in LANGS}
    existing = [path for path in targets.values() if path.exists()]
    if existing:
        names = ", ".join(f"{FOLDER}/{path.name}" for path in existing)
        raise NarrativeError(
            f"{names}: already there, not written over (edit the text there, or move the "
            "files away first)"
        )
    written = []
    for lang, target in targets.items():
        source = narrative_path(raw_dir, year - 1, lang)
        text = source.read_text(encoding="utf-8-sig") if source.is_file() else skeleton()
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        written.append(target)
    return written


def unknown_references(raw_dir: Path, known: Callable[[int, str], bool]) -> list[str]:
    """Every reference of the author's files that `known(year, id)` does not know, as the error
    the document would stop on (file, line, id), and every file that cannot be split into
    sections: checked before publication, so that a bad reference leaves the last one in place."""
    problems = []
    folder = raw_dir / FOLDER
    if not folder.is_dir():
        return problems
    for path in sorted(folder.glob("*.md")):
        match = re.fullmatch(r"(\d{4})\.(nl|fr)\.md", path.name)
        if match is None:
            continue
        year = int(match[1])
        try:
            narrative = read_narrative(raw_dir, year, match[2])  # type: ignore[arg-type]
        except NarrativeError as error:
            problems.append(str(error))
            continue
        if narrative is None:
            continue
        for section in narrative.sections:
            try:
                fill(narrative, section, lambda ref, year=year: "" if known(year, ref) else None)
            except NarrativeError as error:
                problems.append(str(error))
    return problems
