"""What each export is and how it is read: one module per source, each with its folder of the
raw folder."""

from __future__ import annotations

from pathlib import Path

from pipelines.lib.rawfiles import AUTHOR_NAMES, EXPORT_NAMES, never_an_export

# The raw folder's subfolders, one per source (the top folders of the export names); the build
# reads nothing else.
EXPORT_FOLDERS = tuple(dict.fromkeys(folder.split("/")[0] for folder in EXPORT_NAMES))
# Beside them, the author's own text and Word template, read by the annex document only.
AUTHOR_FOLDERS = tuple(AUTHOR_NAMES)


def raw_folder_strays(raw_dir: Path) -> list[str]:
    """A warning for each file or folder at the top of the raw folder that is none of the
    export folders (hidden entries and README files excepted): the build does not read it."""
    return [
        f"{path.name}{'/' if path.is_dir() else ''}: not in an export folder "
        f"({', '.join(name + '/' for name in EXPORT_FOLDERS)}), not read"
        for path in (sorted(raw_dir.iterdir()) if raw_dir.is_dir() else [])
        if path.name not in (*EXPORT_FOLDERS, *AUTHOR_FOLDERS) and not never_an_export(path.name)
    ]
