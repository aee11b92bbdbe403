"""YAML read as plain data: what the secretariat writes by hand, and nothing a YAML parser would
expand or construct.

A few hundred bytes of nested aliases expand to gigabytes (a "billion laughs"), a tag constructs
an object, and a deep nesting exhausts the recursion of the composer. So, before anything is
built, the file's size is bounded and its parse events are looked at one by one: an anchor, an
alias, a tag, or a nesting deeper than MAX_DEPTH is an error naming the file and the line
(raw-exports.md, "Governance facts").
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from pipelines.lib.rawfiles import ExportError

MAX_BYTES = 1 << 20
# Mappings and lists inside one another; a governance file needs four
# (participation.smartlabs.groups.value).
MAX_DEPTH = 6
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _line(event: yaml.Event) -> str:
    mark = event.start_mark
    return f" (line {mark.line + 1})" if mark is not None else ""


def _refusal(events: Any) -> str | None:
    """Why the stream of parse events is not plain data, or None. Besides anchors, aliases,
    tags and depth: a key written twice in one mapping (YAML keeps the last one silently, so a
    fact corrected by adding a line below the old one would depend on the order) and a key that
    is not a plain value."""
    # per open collection: None for a list; for a mapping, its keys so far and whether the
    # next node is a key
    open_collections: list[tuple[set[str], list[bool]] | None] = []
    for event in events:
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            return (
                f"anchors and aliases (& and *) are not allowed{_line(event)}: write each value out"
            )
        if getattr(event, "tag", None) is not None:
            return f"a tag ({event.tag[:40]}) is not allowed{_line(event)}: write plain values"
        if isinstance(event, yaml.NodeEvent):
            parent = open_collections[-1] if open_collections else None
            if parent is not None:
                keys, next_is_key = parent
                if next_is_key[0]:
                    if not isinstance(event, yaml.ScalarEvent):
                        return f"a key must be a plain value{_line(event)}"
                    if event.value in keys:
                        return f"the key {event.value[:40]!r} is written twice{_line(event)}"
                    keys.add(event.value)
                next_is_key[0] = not next_is_key[0]
        if isinstance(event, yaml.CollectionStartEvent):
            if len(open_collections) >= MAX_DEPTH:
                return (
                    f"nested more than {MAX_DEPTH} levels deep{_line(event)}: a governance "
                    "file is a few levels of keys and lists"
                )
            mapping = isinstance(event, yaml.MappingStartEvent)
            open_collections.append((set(), [True]) if mapping else None)
        elif isinstance(event, yaml.CollectionEndEvent):
            open_collections.pop()
    return None


def read_plain_yaml(path: Path, display: str) -> Any:
    """The data of a YAML file, or an ExportError naming `display`: not UTF-8, not valid YAML,
    larger than MAX_BYTES, or using anchors, aliases, tags or a deep nesting. Every error is
    raised outside the `except` that caught it: its report carries no context to format."""
    with open(path, "rb") as handle:
        raw = handle.read(MAX_BYTES + 1)
    if len(raw) > MAX_BYTES:
        raise ExportError(
            f"{display}: larger than {MAX_BYTES // (1 << 20)} MB, too large for a file kept by "
            "hand: is it the right file?"
        )
    problem: str | None = None
    data: Any = None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        problem = f"not valid utf-8 ({exc.reason})"
    else:
        try:
            problem = _refusal(yaml.parse(text, Loader=_LOADER))
            if problem is None:
                data = yaml.load(text, Loader=_LOADER)  # noqa: S506 - a safe loader, plain data
        except yaml.YAMLError as exc:
            where = getattr(exc, "problem_mark", None)
            line = f" (line {where.line + 1})" if where is not None else ""
            reason = getattr(exc, "problem", None) or "not valid YAML"
            if "nesting depth" in reason:  # libyaml's own bound, below ours in flow style
                reason = f"nested more than {MAX_DEPTH} levels deep"
            problem = f"not valid YAML{line}: {reason}"
    if problem is not None:
        raise ExportError(f"{display}: {problem}")
    return data
