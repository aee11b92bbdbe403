"""The one Jinja environment of the documents this package writes (draft, data dictionary)."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import TYPE_CHECKING

from pipelines.lib.outputs.formatting import capitalize_first
from pipelines.lib.outputs.inert import code_span, markdown_text
from pipelines.lib.outputs.markdown import table_cell

if TYPE_CHECKING:  # imported when a document is first written, not with the package
    import jinja2

TEMPLATES = Path(__file__).parent / "templates"


def sentence_start(text: str) -> str:
    """The first letter upper-case, as a sentence starts: Dutch writes "Eén", not "Één"."""
    if text.startswith("één"):
        return "Eén" + text[3:]
    return capitalize_first(text)


@functools.cache
def environment() -> jinja2.Environment:
    """Templates rendered to Markdown (not HTML: the page escapes in `markdown.to_html`).

    Compiling the templates is a cost on every build: Jinja's own bytecode cache keeps the compiled
    code between processes (in a private folder of the temp directory, checked against each
    template's modification time).
    """
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        bytecode_cache=jinja2.FileSystemBytecodeCache(),
    )
    env.filters["capfirst"] = sentence_start
    env.filters["cell"] = table_cell
    env.filters["md"] = markdown_text  # text from an input, in running text: no live link
    env.filters["code"] = code_span
    return env
