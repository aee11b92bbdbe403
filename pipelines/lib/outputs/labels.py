"""Published tables in Dutch or French: every code, header and note as a reader's words.

The warehouse keeps codes (`moderate`, `about`, `formeel`, `A4`, `working_conditions`) so that
queries stay stable; whatever a report author reads in Dutch or French (tables, workbook, charts,
notebooks) takes its words from the one seed table (`pipelines.lib.labels`), never the code.
`localize` turns a published table into the one a language's reader gets: headers, codes and
notes in that language.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import pandas as pd

from pipelines.lib.labels import Words, pick, words
from pipelines.lib.outputs.formatting import (
    BAND_WORDS,
    QUALIFIER_WORDS,
    Lang,
)

# The exit reasons of the register, in the order the annex lists them (labels: `reason.*`).
EXIT_REASON_CODES = ("resignation", "exclusion", "death", "bankruptcy", "winding_up", "transfer")
EXIT_REASONS: Words = pick("reason", EXIT_REASON_CODES)
TRAINING_TYPES: Words = words("training_type")
GENDERS: Words = words("gender")
AUDIENCES: Words = words("audience")
LIKERT_LABELS: Words = pick("answer", ("A1", "A2", "A3", "A4", "A5"))
THEMES: Words = words("theme")
QUESTION_TYPES: Words = words("question_type")
BREAKDOWNS: Words = words("breakdown")
GROUPS: Words = words("group")
UNITS: Words = words("unit")
YES_NO: dict[bool, dict[str, str]] = {
    flag: words("yes_no")[str(flag).lower()] for flag in (True, False)
}
GOVERNANCE_VALUES: Words = words("governance_value")
# Keys of the governance file that no figure of the catalog names (those take the figure's label).
GOVERNANCE_KEYS: Words = words("governance_key")
# Columns whose values are codes, and the words for them.
VALUE_WORDS: dict[str, Words] = {
    "band": BAND_WORDS,
    "qualifier": QUALIFIER_WORDS,
    "unit": UNITS,
    "theme": THEMES,
    "question_type": QUESTION_TYPES,
    "audience": AUDIENCES,
}


def _headers() -> tuple[dict[str, tuple[str, str]], dict[tuple[str, str], tuple[str, str]]]:
    """`header.<column>` and, for a header that differs in one table, `header.<table>.<column>`."""
    headers: dict[str, tuple[str, str]] = {}
    table_headers: dict[tuple[str, str], tuple[str, str]] = {}
    for key, texts in words("header").items():
        table, _, column = key.rpartition(".")
        if table:
            table_headers[(table, column)] = (texts["nl"], texts["fr"])
        else:
            headers[column] = (texts["nl"], texts["fr"])
    return headers, table_headers


HEADERS, TABLE_HEADERS = _headers()
# The answers a codebook lists in its question's text: "Hoe werkt u? (A1 werknemer, A2 ...)".
_ANSWER_LIST = re.compile(r"\s*\((?:\s*[A-Za-z]*\d+ [^,()]+,?)+\)")


def question_text(text: object) -> object:
    """A question as a reader reads it: without the list of answer codes the codebook gives in
    brackets (the answers are shown by their own texts)."""
    return _ANSWER_LIST.sub("", text) if isinstance(text, str) else text


# Columns a language's table leaves out: the other language's, the English note, the codes
# whose words it shows instead.
_LANG_COLUMNS = re.compile(r"^(?P<base>.+)_(?P<lang>nl|fr)$")
CODE_COLUMNS = {"note", "answer_code"}
# Columns that hold only codes a reader has the words for elsewhere (the question's own text).
DROPPED_COLUMNS = {"question_column"}


def word(words: Mapping[str, Mapping[str, str]], code: object, lang: Lang) -> object:
    """The word for a code, or the value itself when it is no code of `words`."""
    if isinstance(code, str) and code in words:
        return words[code][lang]
    return code


def _governance_key(key: str, lang: Lang, catalog: Mapping[str, tuple[str, str]]) -> str:
    """board.elected -> its figure's label; cooperation.networks[2] -> Netwerken (3)."""
    if key in catalog:
        return catalog[key][0 if lang == "nl" else 1]
    base = re.sub(r"\[\d+\]", "", key)
    numbers = [int(n) + 1 for n in re.findall(r"\[(\d+)\]", key)]
    label = GOVERNANCE_KEYS.get(base, {}).get(lang)
    if label is None and base in catalog:
        label = catalog[base][0 if lang == "nl" else 1]
    if label is None:
        return key
    return label + "".join(f" ({n})" for n in numbers)


def localize(
    frame: pd.DataFrame,
    table: str,
    lang: Lang,
    catalog: Mapping[tuple[str, str], tuple[str, str]],
    answers: Mapping[tuple[str, str], tuple[str, str]] | None = None,
    questions: Mapping[str, tuple[str, str]] | None = None,
    *,
    rename: bool = True,
) -> pd.DataFrame:
    """A published table as a `lang` reader gets it: codes as words, notes in `lang`, the other
    language's columns left out, headers in `lang` (from HEADERS, else the figure catalog).

    `catalog`: (table, column) -> the catalog's labels; `answers`: (question column, answer
    code) -> the codebook's answer texts; `questions`: question column -> its texts.
    `rename=False` keeps the column names (the workbook puts both languages' headers).
    """
    answers = answers or {}
    questions = questions or {}
    other = "fr" if lang == "nl" else "nl"
    out: dict[str, pd.Series] = {}
    governance_keys = {col: labels for (t, col), labels in catalog.items() if t == table}
    for column in frame.columns:
        match = _LANG_COLUMNS.match(column)
        if match and match["lang"] == other:
            continue
        if column in CODE_COLUMNS and f"{column}_{lang}" in frame.columns:
            continue
        if column == "answer_code" and f"answer_{lang}" in frame.columns:
            continue
        if column in DROPPED_COLUMNS:
            continue
        values = frame[column]
        if column in VALUE_WORDS:
            values = values.map(lambda v, words=VALUE_WORDS[column]: word(words, v, lang))
        elif column == "category" and "breakdown" in frame.columns:
            words = TRAINING_TYPES | GENDERS | {"all": BREAKDOWNS["all"]}
            values = values.map(lambda v, words=words: word(words, v, lang))
        elif column == "breakdown":
            words = BREAKDOWNS | {
                q: {"nl": question_text(t[0]), "fr": question_text(t[1])}
                for q, t in questions.items()
            }
            values = values.map(lambda v, words=words: word(words, v, lang))
        elif column == "group_value" and "breakdown" in frame.columns:
            values = pd.Series(
                [
                    _group(b, g, lang, answers)
                    for b, g in zip(frame["breakdown"], frame["group_value"], strict=True)
                ],
                index=frame.index,
                dtype=object,
            )
        elif column.startswith("text_") and table == "annex.survey_distribution":
            values = values.map(question_text)
        elif column == "key_path":
            values = values.map(lambda v: _governance_key(str(v), lang, governance_keys))
        elif column == "value_text":
            words = BAND_WORDS | GOVERNANCE_VALUES
            values = values.map(lambda v, words=words: word(words, v, lang))
        elif values.dtype == bool or column in {"is_ordinary", "suppressed", "is_survey_of_year"}:
            values = values.map(lambda v: YES_NO[bool(v)][lang] if pd.notna(v) else v)
        if column.startswith("note") and "suppressed" in frame.columns:
            values = values.where(values.notna() | ~frame["suppressed"].fillna(False).astype(bool))
        out[column] = values
    # one frame made at once: adding columns one by one costs pandas a copy each
    result = pd.DataFrame(out, index=frame.index)
    if rename:
        result.columns = [header(table, c, lang, catalog) for c in result.columns]
    return result


def _group(
    breakdown: object,
    group: object,
    lang: Lang,
    answers: Mapping[tuple[str, str], tuple[str, str]],
) -> object:
    if isinstance(group, str) and group in GROUPS:
        return GROUPS[group][lang]
    texts = answers.get((str(breakdown), str(group)))
    if texts:
        return texts[0 if lang == "nl" else 1]
    return group


def header(
    table: str, column: str, lang: Lang, catalog: Mapping[tuple[str, str], tuple[str, str]]
) -> str:
    """A column's header in `lang`: HEADERS, else the figure catalog's label (a language's own
    column, note_nl, loses its "(NL)")."""
    index = 0 if lang == "nl" else 1
    match = _LANG_COLUMNS.match(column)
    base = match["base"] if match and match["lang"] == lang else None
    if base and (table, base) in TABLE_HEADERS:
        return TABLE_HEADERS[(table, base)][index]
    if (table, column) in TABLE_HEADERS:
        return TABLE_HEADERS[(table, column)][index]
    if base and base in HEADERS:
        return HEADERS[base][index]
    if column in HEADERS:
        return HEADERS[column][index]
    if (table, column) in catalog:
        return catalog[(table, column)][index]
    return column
