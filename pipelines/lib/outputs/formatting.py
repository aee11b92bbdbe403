"""Belgian number formatting, the one module used by charts, tables and the annex draft.

Dutch (nl-BE) groups thousands with a dot and writes decimals after a comma: 41.702 and 1.946,5.
French (fr-BE) groups thousands with a narrow no-break space (U+202F, what CLDR prescribes and
what keeps "41 702" on one line) and writes decimals after a comma: 41 702 and 1 946,5.

Everything that shows a figure goes through `format_number`, `format_percent` or
`format_figure`, so that a chart label, an Excel cell and a sentence of the draft never disagree.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from typing import Literal

from pipelines.lib.labels import all_labels, label, words

Lang = Literal["nl", "fr"]
LANGS: tuple[Lang, ...] = ("nl", "fr")

NARROW_NBSP = "\u202f"
GROUP_SEPARATOR: dict[str, str] = {"nl": ".", "fr": NARROW_NBSP}
DECIMAL_SEPARATOR: dict[str, str] = {"nl": ",", "fr": ","}
PERCENT_SUFFIX: dict[str, str] = {"nl": "%", "fr": NARROW_NBSP + "%"}
# The one marker of a value that is not published (suppressed, not computed, not given), the same
# in every table, chart and document of a language.
NOT_PUBLISHED: dict[str, str] = all_labels()["not_published"]
MISSING = NOT_PUBLISHED

# A count known only roughly ("een tiental", "une dizaine"), as the annex writes it.
ROUND_COUNTS: dict[int, tuple[str, str]] = {
    int(n): (texts["nl"], texts["fr"]) for n, texts in words("round_count").items()
}
# The qualifier of a rough count, as a word of its own (a table's qualifier column).
QUALIFIER_WORDS: dict[str, dict[str, str]] = words("qualifier")
# ... and before the number it qualifies ("meer dan 300").
QUALIFIER_PREFIX: dict[str, dict[str, str]] = {
    code: {lang: text + " " for lang, text in texts.items()}
    for code, texts in QUALIFIER_WORDS.items()
}

_NUMBERS = words("number")
_WORDS_NL = tuple(_NUMBERS[str(n)]["nl"] for n in range(len(_NUMBERS)))
_WORDS_FR = tuple(_NUMBERS[str(n)]["fr"] for n in range(len(_NUMBERS)))

# The survey's band (p2.survey.band*), stored in English in the warehouse.
BAND_WORDS: dict[str, dict[str, str]] = words("band")

# Decimals shown by unit when a figure does not say otherwise.
UNIT_DECIMALS: dict[str, int] = {"mean": 2}


def _check_lang(lang: str) -> None:
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}: use one of {', '.join(LANGS)}")


def group_digits(digits: str, separator: str) -> str:
    """'41702' -> '41.702' (digits only, no sign)."""
    head = len(digits) % 3 or 3
    parts = [digits[:head]] + [digits[i : i + 3] for i in range(head, len(digits), 3)]
    return separator.join(parts)


def format_number(value: float | int | None, lang: Lang, decimals: int | None = None) -> str:
    """A number the Belgian way: 41.702 / 41 702; 1.946,5 in both languages.

    `decimals=None` writes whole numbers without decimals and others with at most two, trailing
    zeros dropped (1946.5 -> 1.946,5); an int gives exactly that many decimals.
    """
    _check_lang(lang)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return MISSING[lang]
    number = float(value)
    if decimals is None:
        text = f"{abs(number):.2f}".rstrip("0").rstrip(".")
    else:
        text = f"{abs(number):.{decimals}f}"
    whole, _, fraction = text.partition(".")
    result = group_digits(whole, GROUP_SEPARATOR[lang])
    if fraction:
        result += DECIMAL_SEPARATOR[lang] + fraction
    negative = number < 0 and any(c not in "0.," for c in text)
    return ("-" if negative else "") + result


def format_percent(ratio: float | None, lang: Lang, decimals: int = 1) -> str:
    """A fraction as a percentage: 0.0201 -> 2,0% (nl) / 2,0 % (fr)."""
    if ratio is None or (isinstance(ratio, float) and math.isnan(ratio)):
        return MISSING[lang]
    return format_number(ratio * 100, lang, decimals) + PERCENT_SUFFIX[lang]


def number_words(value: float | None, lang: Lang, *, feminine: bool = False) -> str:
    """Small whole counts as words (0-12: "zes", "deux"), larger ones as formatted numbers."""
    if value is None:
        return MISSING[lang]
    if float(value).is_integer() and 0 <= value < len(_WORDS_NL):
        words = _WORDS_NL if lang == "nl" else _WORDS_FR
        word = words[int(value)]
        if lang == "fr" and feminine and int(value) in (0, 1):
            word = {"aucun": "aucune", "un": "une"}[word]
        return word
    return format_number(value, lang)


def apply_qualifier(text: str, value: float | None, qualifier: str | None, lang: Lang) -> str:
    """'300' with more_than -> 'meer dan 300'; 10 with about -> 'een tiental' / 'une dizaine'."""
    if not qualifier:
        return text
    if qualifier == "about" and value is not None and float(value).is_integer():
        words = ROUND_COUNTS.get(int(value))
        if words:
            return words[0] if lang == "nl" else words[1]
    prefix = QUALIFIER_PREFIX.get(qualifier)
    return (prefix[lang] + text) if prefix else text


def qualifier_word(qualifier: str | None, lang: Lang) -> str:
    """about -> ongeveer / environ; empty when there is none."""
    if not qualifier:
        return ""
    return QUALIFIER_WORDS.get(qualifier, {}).get(lang, qualifier)


def band_word(band: str | None, lang: Lang) -> str:
    """The survey band in words: moderate -> middelmatig / moyenne."""
    if band is None:
        return MISSING[lang]
    return BAND_WORDS.get(band, {}).get(lang, band)


def format_figure(
    value: float | None,
    value_text: str | None,
    qualifier: str | None,
    unit: str | None,
    lang: Lang,
    *,
    words: bool = False,
    feminine: bool = False,
) -> str:
    """A figure of annex.figures as the annex writes it, in `lang`.

    Ratios as percentages, means with two decimals, hours with up to one; a qualifier reads as
    the annex does ("meer dan 300", "een tiental"); `words=True` writes small counts as words.
    """
    _check_lang(lang)
    if value is None:
        if value_text is None:
            return MISSING[lang]
        return band_word(value_text, lang) if value_text in BAND_WORDS else value_text
    if unit == "ratio":
        text = format_percent(value, lang)
    elif words and not qualifier:
        text = number_words(value, lang, feminine=feminine)
    else:
        text = format_number(value, lang, UNIT_DECIMALS.get(unit or ""))
    return apply_qualifier(text, value, qualifier, lang)


def format_date(value: dt.date | None, lang: Lang) -> str:
    """18/06/2024 in both languages, as the annex writes dates."""
    return MISSING[lang] if value is None else value.strftime("%d/%m/%Y")


def plotly_separators(lang: Lang) -> str:
    """layout.separators for plotly: the decimal, then the thousands separator."""
    return DECIMAL_SEPARATOR[lang] + GROUP_SEPARATOR[lang]


def excel_number_format(unit: str | None, value: float | None = None) -> str:
    """The Excel number format of a figure's cell.

    Excel writes the separators of the reader's locale, so a Belgian Excel shows 41.702 (nl-BE)
    or 41 702 (fr-BE) from the same `#,##0` format; the format fixes grouping and decimals.
    """
    if unit == "ratio":
        return "0.0%"
    if unit == "mean":
        return "0.00"
    if value is not None and not float(value).is_integer():
        return "#,##0.0#"
    return "#,##0"


def listing(items: Sequence[object], lang: Lang) -> str:
    """'a, b en c' / 'a, b et c'."""
    texts = [str(item) for item in items]
    if len(texts) < 2:
        return "".join(texts)
    return ", ".join(texts[:-1]) + f" {label('word.and', lang)} " + texts[-1]


def capitalize_first(text: str) -> str:
    """Upper-case the first letter only ("meer dan 300" -> "Meer dan 300")."""
    return text[:1].upper() + text[1:] if text else text
