"""Every Dutch and French word the outputs and notebooks show, read once from one seed table.

`sql/seeds/labels.csv` holds one row per text: a namespaced key (`col.members_end`,
`reason.outside_scale`, `theme.overall`, `chart.flow_title`), its Dutch and its French. Charts,
tables, the draft, the Word document and the notebooks take their words from it, never from a
copy of their own.
"""

from __future__ import annotations

import csv
import functools

from pipelines.lib.config import SQL_DIR

LABELS_CSV = SQL_DIR / "seeds" / "labels.csv"
LANGUAGES = ("nl", "fr")

Words = dict[str, dict[str, str]]


@functools.cache
def all_labels() -> Words:
    """key -> {"nl": ..., "fr": ...}, in the file's order."""
    with LABELS_CSV.open(encoding="utf-8", newline="") as file:
        return {row["key"]: {"nl": row["nl"], "fr": row["fr"]} for row in csv.DictReader(file)}


def label(key: str, lang: str, **values: object) -> str:
    """The text of `key` in `lang`, its {fields} filled in from `values`."""
    text = all_labels()[key][lang]
    return text.format(**values) if values else text


def pair(key: str) -> tuple[str, str]:
    """The Dutch and the French text of `key`."""
    texts = all_labels()[key]
    return texts["nl"], texts["fr"]


@functools.cache
def words(namespace: str) -> Words:
    """code -> texts of every key `<namespace>.<code>`, in the file's order."""
    prefix = f"{namespace}."
    return {
        key.removeprefix(prefix): texts
        for key, texts in all_labels().items()
        if key.startswith(prefix)
    }


def pick(namespace: str, codes: tuple[str, ...]) -> Words:
    """The texts of `codes` of `namespace`, in the order of `codes`."""
    found = words(namespace)
    return {code: found[code] for code in codes}
