"""The annex as a Word document, and as PDF: thin renderers of the Markdown the draft made.

The Word document is written with python-docx into a copy of a template (styles, page setup,
headers and footers): the package's `templates/annex-template.docx`, or the cooperative's own
`narrative/template.docx` in the raw folder. Headings use Word's heading styles (Title, Heading
1-3) so the author can restyle the whole document and paste it into the management report;
tables use "Table Grid", charts are their PNG files. Nothing is derived here: every word and
number comes from the Markdown, so the Word, HTML and Markdown versions never disagree.

The PDF is the HTML page printed by the Chromium-family browser the charts use.
"""

from __future__ import annotations

import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from pipelines.lib.atomic import atomic_path
from pipelines.lib.labels import label
from pipelines.lib.outputs.formatting import Lang
from pipelines.lib.outputs.narrative import FOLDER, MARKER

if TYPE_CHECKING:
    from docx.document import Document as DocxDocument
    from docx.styles.style import BaseStyle
    from docx.text.paragraph import Paragraph
    from markdown_it.token import Token

DEFAULT_TEMPLATE = Path(__file__).parent / "templates" / "annex-template.docx"
TEMPLATE_NAME = "template.docx"  # the cooperative's own, in the raw folder's narrative/
CHART_WIDTH_CM = 16.0
HEADING_STYLES = {1: "Title", 2: "Heading 1", 3: "Heading 2", 4: "Heading 3"}
PDF_SECONDS = 120


def template_path(raw_dir: Path | None) -> Path:
    """The cooperative's template when it keeps one, else the package's."""
    if raw_dir is not None:
        own = raw_dir / FOLDER / TEMPLATE_NAME
        if own.is_file():
            return own
    return DEFAULT_TEMPLATE


@dataclass
class _Writer:
    """Markdown tokens to paragraphs, tables and pictures of one document."""

    document: DocxDocument
    draft_dir: Path
    lang: Lang
    styles: dict[str, BaseStyle | None] = field(default_factory=dict)

    def style(self, name: str) -> BaseStyle | None:
        """The style when the template has it (a cooperative's template may not)."""
        if name not in self.styles:
            try:
                self.styles[name] = self.document.styles[name]
            except KeyError:
                self.styles[name] = None
        return self.styles[name]

    def paragraph(self, style: str | None = None) -> Paragraph:
        paragraph = self.document.add_paragraph()
        found = self.style(style) if style else None
        if found is not None:
            # by id: python-docx's by-name setter scans every style of the template per paragraph
            paragraph._p.style = found.style_id
        return paragraph

    def inline(self, paragraph: Paragraph, token: Token) -> None:
        """The inline children (text, bold, italic, code, links) as runs of `paragraph`."""
        from docx.enum.text import WD_COLOR_INDEX

        bold = italic = False
        link: str | None = None
        link_text = ""
        for child in token.children or []:
            kind = child.type
            if kind == "strong_open":
                bold = True
            elif kind == "strong_close":
                bold = False
            elif kind == "em_open":
                italic = True
            elif kind == "em_close":
                italic = False
            elif kind == "link_open":
                link, link_text = str(child.attrGet("href") or ""), ""
            elif kind == "link_close":
                if link and link != link_text:
                    paragraph.add_run(f" ({link})")
                link = None
            elif kind == "softbreak":
                paragraph.add_run(" ")
            elif kind == "hardbreak":
                paragraph.add_run().add_break()
            elif kind in ("text", "code_inline", "image"):
                text = child.content
                if link is not None:
                    link_text += text
                run = paragraph.add_run(text)
                if bold:
                    run.bold = True
                if italic:
                    run.italic = True
                if kind == "code_inline":
                    run.font.name = "Courier New"
                if bold and text == MARKER[self.lang]:
                    run.font.highlight_color = WD_COLOR_INDEX.YELLOW

    def picture(self, alt: str, src: str) -> None:
        """A chart: its PNG beside the SVG the Markdown names, with its caption."""
        from docx.shared import Cm

        path = (self.draft_dir / src).resolve()
        png = path.with_suffix(".png")
        if png.is_file():
            self.document.add_picture(str(png), width=Cm(CHART_WIDTH_CM))
        else:
            note = label("word.no_image", self.lang)
            self.paragraph().add_run(note).italic = True
        self.paragraph("Caption").add_run(alt)

    def table(self, tokens: list[Token], start: int) -> int:
        """The Markdown table starting at tokens[start]; returns the index after it."""
        rows: list[list[Token]] = []
        header_rows = 0
        i = start
        in_head = False
        while tokens[i].type != "table_close":
            kind = tokens[i].type
            if kind == "thead_open":
                in_head = True
            elif kind == "thead_close":
                in_head = False
            elif kind == "tr_open":
                rows.append([])
                header_rows += in_head
            elif kind == "inline":
                rows[-1].append(tokens[i])
            i += 1
        width = max((len(row) for row in rows), default=0)
        table = self.document.add_table(rows=len(rows), cols=width)
        style = self.style("Table Grid")
        if style is not None:
            table.style = style
        for number, (table_row, row) in enumerate(zip(table.rows, rows, strict=True)):
            for cell, token in zip(table_row.cells, row, strict=False):
                paragraph = cell.paragraphs[0]
                self.inline(paragraph, token)
                if number < header_rows:
                    for run in paragraph.runs:
                        run.bold = True
        return i + 1

    def write(self, tokens: list[Token]) -> None:
        lists: list[str] = []  # the styles of the lists the next items belong to
        quote = False
        i = 0
        while i < len(tokens):
            token = tokens[i]
            kind = token.type
            if kind == "heading_open":
                level = int(token.tag[1:])
                style = HEADING_STYLES.get(level, "Heading 3")
                self.inline(self.paragraph(style), tokens[i + 1])
                i += 3
                continue
            if kind in ("bullet_list_open", "ordered_list_open"):
                lists.append("List Bullet" if kind == "bullet_list_open" else "List Number")
            elif kind in ("bullet_list_close", "ordered_list_close"):
                lists.pop()
            elif kind == "blockquote_open":
                quote = True
            elif kind == "blockquote_close":
                quote = False
            elif kind == "table_open":
                i = self.table(tokens, i)
                continue
            elif kind in ("fence", "code_block"):
                for line in token.content.rstrip("\n").splitlines():
                    self.paragraph().add_run(line).font.name = "Courier New"
            elif kind == "paragraph_open":
                inline = tokens[i + 1]
                children = inline.children or []
                if len(children) == 1 and children[0].type == "image":
                    image = children[0]
                    self.picture(image.content, str(image.attrGet("src")))
                else:
                    style = lists[-1] if lists else ("Quote" if quote else None)
                    self.inline(self.paragraph(style), inline)
                i += 3
                continue
            i += 1


def write_docx(markdown: str, path: Path, draft_dir: Path, lang: Lang, template: Path) -> Path:
    """The annex's Markdown as a Word document at `path`, in a copy of `template`."""
    import docx
    from docx.oxml.ns import qn

    from pipelines.lib.outputs.markdown import parse

    document = docx.Document(str(template))
    body = document.element.body
    for child in list(body):  # the template gives styles and page setup, not text
        if child.tag != qn("w:sectPr"):
            body.remove(child)
    document.core_properties.title = markdown.splitlines()[0].lstrip("# ").strip()
    document.core_properties.language = {"nl": "nl-BE", "fr": "fr-BE"}[lang]
    _Writer(document, draft_dir, lang).write(parse(markdown))
    with atomic_path(path) as temporary:
        document.save(str(temporary))
    return path


def write_pdf(html_path: Path, pdf_path: Path, browser: str) -> Path:
    """The HTML page printed to PDF by `browser` (headless, no header or footer)."""
    with (
        tempfile.TemporaryDirectory(prefix="annex-pdf-") as profile,
        atomic_path(pdf_path) as temporary,
    ):
        command = [
            browser,
            "--headless",
            "--disable-gpu",
            "--no-sandbox",
            "--no-pdf-header-footer",
            f"--user-data-dir={profile}",
            f"--print-to-pdf={temporary}",
            html_path.resolve().as_uri(),
        ]
        subprocess.run(command, capture_output=True, timeout=PDF_SECONDS, check=False)
        if not temporary.is_file() or temporary.stat().st_size == 0:
            raise OSError(f"{browser} wrote no PDF for {html_path.name}")
    return pdf_path
