"""Markdown to HTML for the documents this package writes itself (draft, data dictionary).

Only the subset the templates use: headings, paragraphs, blockquotes, bullet lists, pipe tables,
images on their own line, **bold**, *italic*, `code` and [links](url). Images go through a
callback, so that the draft can embed its charts in a self-contained page.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable

ImageRenderer = Callable[[str, str], str]  # (alt, src) -> HTML

_IMAGE = re.compile(r"^!\[(?P<alt>[^\]]*)\]\((?P<src>[^)]+)\)$")
_HEADING = re.compile(r"^(?P<level>#{1,6})\s+(?P<text>.*)$")
_LIST_ITEM = re.compile(r"^[-*]\s+(?P<text>.*)$")
_TABLE_RULE = re.compile(r"^\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?$")


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def inline(text: str) -> str:
    """Escape, then the inline marks: `code`, **bold**, *italic* / _italic_, [text](url).

    Code spans are set aside first, so that marks around them (an italic sentence holding
    `annex.figures`) still pair up and nothing inside them is touched.
    """
    codes: list[str] = []

    def keep(match: re.Match[str]) -> str:
        codes.append(f"<code>{html.escape(match.group(1))}</code>")
        return f"\x00{len(codes) - 1}\x00"

    text = re.sub(r"`([^`]+)`", keep, text)
    out = html.escape(text, quote=False)
    out = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", out)
    out = re.sub(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])", r"<em>\1</em>", out)
    out = re.sub(r"(?<![\w_])_(?!\s)(.+?)(?<!\s)_(?![\w_])", r"<em>\1</em>", out)
    out = re.sub(
        r"\[([^\]]+)\]\(([^)\s]+)\)",
        lambda m: f'<a href="{html.escape(m.group(2))}">{m.group(1)}</a>',
        out,
    )
    return re.sub("\x00(\\d+)\x00", lambda m: codes[int(m.group(1))], out)


def _cells(line: str) -> list[str]:
    line = line.strip()
    if line.startswith("|"):
        line = line[1:]
    if line.endswith("|") and not line.endswith("\\|"):
        line = line[:-1]
    cells = re.split(r"(?<!\\)\|", line)
    return [cell.strip().replace("\\|", "|") for cell in cells]


def _default_image(alt: str, src: str) -> str:
    return f'<img src="{html.escape(src)}" alt="{html.escape(alt)}">'


def to_html(markdown: str, image: ImageRenderer = _default_image) -> str:
    """The HTML body of a Markdown document written by our templates."""
    lines = markdown.splitlines()
    out: list[str] = []
    paragraph: list[str] = []
    i = 0

    def flush() -> None:
        if paragraph:
            out.append(f"<p>{inline(' '.join(paragraph))}</p>")
            paragraph.clear()

    while i < len(lines):
        line = lines[i].rstrip()
        stripped = line.strip()
        if not stripped or stripped.startswith("<!--"):
            flush()
            i += 1
            continue
        if match := _HEADING.match(stripped):
            flush()
            level = len(match["level"])
            text = match["text"].strip()
            out.append(f'<h{level} id="{_slug(text)}">{inline(text)}</h{level}>')
            i += 1
            continue
        if match := _IMAGE.match(stripped):
            flush()
            out.append(f"<figure>{image(match['alt'], match['src'])}</figure>")
            i += 1
            continue
        if stripped.startswith(">"):
            flush()
            quoted = []
            while i < len(lines) and lines[i].strip().startswith(">"):
                quoted.append(lines[i].strip()[1:].strip())
                i += 1
            out.append(f"<blockquote>{to_html(chr(10).join(quoted), image)}</blockquote>")
            continue
        if _LIST_ITEM.match(stripped):
            flush()
            items = []
            while i < len(lines) and (match := _LIST_ITEM.match(lines[i].strip())):
                items.append(f"<li>{inline(match['text'])}</li>")
                i += 1
            out.append("<ul>" + "".join(items) + "</ul>")
            continue
        if (
            stripped.startswith("|")
            and i + 1 < len(lines)
            and _TABLE_RULE.match(lines[i + 1].strip())
        ):
            flush()
            header = _cells(stripped)
            rule = _cells(lines[i + 1])
            align = ["right" if c.endswith(":") and not c.startswith(":") else "left" for c in rule]
            rows = []
            i += 2
            while i < len(lines) and lines[i].strip().startswith("|"):
                rows.append(_cells(lines[i]))
                i += 1
            head = "".join(f"<th>{inline(c)}</th>" for c in header)
            body = "".join(
                "<tr>"
                + "".join(
                    f'<td style="text-align:{align[k] if k < len(align) else "left"}">'
                    f"{inline(c)}</td>"
                    for k, c in enumerate(row)
                )
                + "</tr>"
                for row in rows
            )
            out.append(f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
            continue
        paragraph.append(stripped)
        i += 1
    flush()
    return "\n".join(out)


def table_cell(value: object) -> str:
    """A value made safe for a Markdown table cell."""
    text = "" if value is None else str(value)
    return text.replace("|", "\\|").replace("\n", " ")
