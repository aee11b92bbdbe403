"""Markdown to HTML for the documents this package writes itself (draft, data dictionary).

markdown-it-py parses (CommonMark with pipe tables); mdit-py-plugins gives headings their ids.
Raw HTML in the Markdown is escaped, not passed through: the documents quote values from the
exports and from hand-kept files. An image alone in its paragraph becomes a figure drawn by a
callback, so that the draft can embed its charts in a self-contained page.
"""

from __future__ import annotations

import functools
import html
import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from pipelines.lib.outputs.inert import markdown_text

if TYPE_CHECKING:  # imported when a document is first converted, not with the package
    from markdown_it import MarkdownIt
    from markdown_it.token import Token

ImageRenderer = Callable[[str, str], str]  # (alt, src) -> HTML


def _slug(text: str) -> str:
    """A heading's id: `annex.figures` -> `annex-figures` (the data dictionary links to them)."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


@functools.cache
def _parser() -> MarkdownIt:
    from markdown_it import MarkdownIt
    from mdit_py_plugins.anchors import anchors_plugin

    parser = MarkdownIt("commonmark", {"html": False}).enable("table")
    parser.add_render_rule("code_inline", _code_inline)
    return parser.use(anchors_plugin, min_level=1, max_level=6, slug_func=_slug)


# Where an identifier in a code span may wrap: after a dot, slash, underscore, colon or bracket
# (p2.survey.satisfaction_mean.working_conditions), and every 16 digits of a hash; never inside
# a word. <wbr> is no character: a copied id stays the id.
_ID_BREAK = re.compile(r"([./_:\[])(?=\S)")
_HEX_RUN = re.compile(r"([0-9a-f]{16})(?=[0-9a-f])")


def _code_inline(self: object, tokens: list[Token], idx: int, options: object, env: object) -> str:
    text = html.escape(tokens[idx].content)
    text = _HEX_RUN.sub(r"\1<wbr>", _ID_BREAK.sub(r"\1<wbr>", text))
    return f"<code>{text}</code>"


def inline(text: str) -> str:
    """One line of Markdown (`code`, **bold**, *italic*, [links](url)) as HTML, escaped."""
    return _parser().renderInline(text)


def _default_image(alt: str, src: str) -> str:
    return f'<img src="{html.escape(src)}" alt="{html.escape(alt)}">'


def _lone_image(tokens: list[Token], i: int) -> Token | None:
    """The image of a paragraph that holds nothing else, when tokens[i] opens one."""
    if tokens[i].type != "paragraph_open" or i + 2 >= len(tokens):
        return None
    children = tokens[i + 1].children or []
    if tokens[i + 2].type == "paragraph_close" and len(children) == 1:
        return children[0] if children[0].type == "image" else None
    return None


def parse(markdown: str) -> list[Token]:
    """The block tokens of a Markdown document (for the Word renderer)."""
    return _parser().parse(markdown)


def to_html(markdown: str, image: ImageRenderer = _default_image) -> str:
    """The HTML body of a Markdown document written by our templates."""
    from markdown_it.token import Token

    parser = _parser()
    tokens = parser.parse(markdown)
    kept: list[Token] = []
    i = 0
    while i < len(tokens):
        picture = _lone_image(tokens, i)
        if picture is None:
            kept.append(tokens[i])
            i += 1
            continue
        figure = Token("html_block", "", 0, block=True)
        figure.content = f"<figure>{image(picture.content, str(picture.attrGet('src')))}</figure>\n"
        kept.append(figure)
        i += 3
    return parser.renderer.render(kept, parser.options, {})


def table_cell(value: object) -> str:
    """A value made safe for a Markdown table cell: inert text (`inert.markdown_text`)."""
    return markdown_text(value)
