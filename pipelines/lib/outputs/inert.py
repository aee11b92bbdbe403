"""Text from the inputs made inert, one helper per format.

Names, question texts and event or partner names come from files people edit by hand
(governance YAML, survey codebooks). Written as they are, `=HYPERLINK("http://x","klik")` is a live
formula in Excel and in a spreadsheet opening a CSV, `[klik](http://x)` a live link in Markdown and
the HTML made from it, `<a href=...>` a live link in a plotly label. Every writer of text that
came from an input goes through the helper of its format.
"""

from __future__ import annotations

import html
import re
from typing import Any

# OWASP's rule for CSV injection: a cell starting with one of these is read as a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

# CommonMark's inline syntax anywhere (emphasis, code, links, images, raw HTML, entities, the
# pipe that ends a table cell; `:` too, as a viewer's autolinking reads `http://`), and what
# would start a list, heading or formula at the start of the text
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>!|&~#:])|^([-+=@])")


def csv_text(value: object) -> object:
    """A CSV cell: text starting like a formula gets a leading `'` (spreadsheets show it as
    text); numbers, dates and other text are returned unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def csv_frame(frame: Any) -> Any:
    """A pandas frame whose text cells went through `csv_text` (numbers untouched)."""
    from pandas.api.types import is_bool_dtype, is_datetime64_any_dtype, is_numeric_dtype

    # text may be held as object or as pandas' string dtype: every other column is looked at
    text = {
        i
        for i, dtype in enumerate(frame.dtypes)
        if not (is_numeric_dtype(dtype) or is_bool_dtype(dtype) or is_datetime64_any_dtype(dtype))
    }
    if not text:
        return frame
    copied = False
    for i in sorted(text):
        column = frame.iloc[:, i]
        formula = column.str.startswith(FORMULA_START, na=False) if _has_str(column) else None
        if formula is None or not formula.any():
            continue
        if not copied:
            frame, copied = frame.copy(), True
        column = column.astype(object)
        column[formula] = column[formula].map(csv_text)
        frame.isetitem(i, column)  # by position: a localized frame may repeat a header
    return frame


def _has_str(column: Any) -> bool:
    """Whether pandas' `.str` accessor applies (text, or objects that may be text)."""
    try:
        column.str  # noqa: B018 - raises AttributeError for a column of no text
    except AttributeError:
        return False
    return True


def xlsx_cell(cell: Any, value: object) -> None:
    """Write `value` into an openpyxl cell; text is always a string cell, never a formula
    (openpyxl reads a string starting with `=` as one) and marked with Excel's quote prefix so
    that editing the cell keeps it text."""
    if isinstance(value, str):
        cell.value = value
        cell.data_type = "s"
        if value.startswith(FORMULA_START):
            cell.quotePrefix = True
        return
    cell.value = value


def markdown_text(value: object) -> str:
    """Text for a Markdown document: every character of Markdown's inline syntax escaped with a
    backslash (no live link, image, code or HTML), line breaks as spaces."""
    text = "" if value is None else str(value)
    text = re.sub(r"\s*[\r\n]+\s*", " ", text)
    return _MARKDOWN_SPECIAL.sub(lambda match: "\\" + match[0], text)


def code_span(value: object) -> str:
    """An identifier (a file, a key path) as a Markdown code span: shown as written, no syntax
    read inside it; a backtick in it, which would close the span, is left out."""
    text = re.sub(r"\s+", " ", "" if value is None else str(value)).replace("`", "")
    return f"`{text}`" if text else ""


def html_text(value: object) -> str:
    """Text content for HTML, and for plotly labels (which read a few HTML tags, links
    included): no tag or entity can form. (Not for attribute values: quotes stay as they are,
    which plotly would otherwise show as entities.)"""
    return html.escape("" if value is None else str(value), quote=False)
