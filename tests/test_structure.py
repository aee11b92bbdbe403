"""The shape of the code, read from the tree with Python's ast: no import circle among the
pipeline's modules, and the sample generator used by its command only."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "pipelines"
# Who may import the sample generator: its command (`annex sample-data`, `annex build --sample`).
SAMPLE_USERS = ("pipelines.cli",)


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def _type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _import_nodes(tree: ast.AST) -> list[ast.Import | ast.ImportFrom]:
    """Every import run at some point (module level or inside a function); those under
    `if TYPE_CHECKING:` are never run."""
    found: list[ast.Import | ast.ImportFrom] = []
    pending: list[ast.AST] = [tree]
    while pending:
        node = pending.pop()
        if isinstance(node, ast.If) and _type_checking(node):
            pending.extend(node.orelse)
            continue
        if isinstance(node, ast.Import | ast.ImportFrom):
            found.append(node)
        pending.extend(ast.iter_child_nodes(node))
    return found


def imports(name: str, path: Path, known: set[str]) -> set[str]:
    """The modules of `known` that module `name` imports (`from package import module` names
    the module; a package's own `__init__` is not counted as imported by its modules)."""
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    targets: set[str] = set()
    for node in _import_nodes(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
            continue
        base = node.module or ""
        if node.level:
            anchor = package[: len(package) - node.level + 1]
            base = ".".join([*anchor, *([base] if base else [])])
        for alias in node.names:
            full = f"{base}.{alias.name}"
            targets.add(full if full in known else base)
    return {target for target in targets if target in known and target != name}


def import_graph() -> dict[str, set[str]]:
    found = modules()
    known = set(found)
    return {name: imports(name, path, known) for name, path in found.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The groups of modules that import each other, directly or through others (the strongly
    connected components of more than one module, or a module importing itself)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(start: str) -> None:
        # iterative Tarjan: a module and the position in its list of imports
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, targets = work[-1]
            target = next(targets, None)
            if target is not None:
                if target not in index:
                    index[target] = low[target] = len(index)
                    stack.append(target)
                    on_stack.add(target)
                    work.append((target, iter(sorted(graph[target]))))
                elif target in on_stack:
                    low[node] = min(low[node], index[target])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    groups.append(sorted(group))

    for name in sorted(graph):
        if name not in index:
            visit(name)
    return groups


def test_the_cycle_finder_finds_a_circle_and_only_one():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set()}
    assert cycles(graph) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_imports_resolve_modules_packages_and_relative_imports(tmp_path):
    source = tmp_path / "mod.py"
    source.write_text(
        "from typing import TYPE_CHECKING\n"
        "import pipelines.lib.config\n"
        "from pipelines.lib import hashing, nothing_here\n"
        "from .sibling import thing\n"
        "if TYPE_CHECKING:\n"
        "    from pipelines.lib.build import BuildOutcome\n"
        "def later():\n"
        "    from pipelines.lib.rawfiles import sample_mix\n"
    )
    known = {
        "pipelines.lib",
        "pipelines.lib.config",
        "pipelines.lib.hashing",
        "pipelines.lib.build",
        "pipelines.lib.rawfiles",
        "pipelines.lib.sibling",
    }
    assert imports("pipelines.lib.mod", source, known) == {
        "pipelines.lib",
        "pipelines.lib.config",
        "pipelines.lib.hashing",
        "pipelines.lib.rawfiles",
        "pipelines.lib.sibling",
    }


def test_the_graph_sees_the_pipelines_own_imports():
    graph = import_graph()
    assert "pipelines.lib.rawfiles" in graph["pipelines.sample"]
    assert "pipelines.lib.rawfiles" in graph["pipelines.cli"]


def test_no_import_circle_among_the_pipelines_modules():
    # deferred imports count too: a circle through a function still ties the modules together
    assert cycles(import_graph()) == []


def test_only_the_sample_command_imports_the_sample_generator():
    users = sorted(
        name
        for name, targets in import_graph().items()
        if not name.startswith("pipelines.sample")
        and any(t == "pipelines.sample" or t.startswith("pipelines.sample.") for t in targets)
    )
    assert users == list(SAMPLE_USERS)
