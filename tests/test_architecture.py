"""The package's shape: stages in one direction, no cycles, no private imports.

Imports are read from the source (every ``import`` statement, those inside
functions included), so a lazy import cannot hide a cycle or an upward
dependency.
"""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "landscape"

#: Stages from the bottom up: a module may import its own stage and those below.
LAYERS = [
    {"errors", "config", "io"},
    {"ingest"},
    {"embed"},
    {"fit"},
    {"labels"},
    {"runs"},
    {"stats"},
    {"explore"},
    {"maps"},
    {"report"},
    {"cli"},
]


def _modules() -> dict[str, Path]:
    out = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


def _imports(name: str, path: Path, modules: dict[str, Path]) -> list[tuple[str, str]]:
    """``(module, imported name)`` for every landscape import in a file."""
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(a.name, "") for a in node.names if a.name.startswith("landscape")]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            if not base.startswith("landscape"):
                continue
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                found.append((sub, "") if sub in modules else (base, alias.name))
    return found


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    return {
        name: {m for m, _ in _imports(name, path, modules) if m in modules and m != name}
        for name, path in modules.items()
    }


def _stage(module: str) -> int:
    parts = module.split(".")
    if len(parts) == 1:  # the package root: its lazy __getattr__ may reach any stage
        return len(LAYERS)
    for i, layer in enumerate(LAYERS):
        if parts[1] in layer:
            return i
    raise AssertionError(f"{module}: in no stage of LAYERS")


def test_at_most_eight_modules_at_the_top():
    top = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert len(top) <= 8, top
    folders = {p.name for p in PACKAGE.iterdir() if p.is_dir() and p.name != "__pycache__"}
    assert folders <= set().union(*LAYERS), folders - set().union(*LAYERS)


def test_every_module_belongs_to_a_stage():
    for name in _modules():
        _stage(name)


def test_no_import_cycles():
    graph = _graph()
    state: dict[str, int] = {}
    cycles = []

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append([*path[path.index(nxt) :], nxt])
            elif nxt not in state:
                visit(nxt, [*path, nxt])
        state[node] = 2

    for start in sorted(graph):
        if start not in state:
            visit(start, [start])
    assert not cycles, "\n".join(" -> ".join(c) for c in cycles)


def test_dependencies_flow_one_way():
    upward = [
        f"{module} imports {target}"
        for module, targets in _graph().items()
        for target in targets
        if _stage(target) > _stage(module)
    ]
    assert not upward, "\n".join(sorted(upward))


def test_no_module_imports_another_modules_private_names():
    modules = _modules()
    private = [
        f"{name} imports {target}.{what}"
        for name, path in modules.items()
        for target, what in _imports(name, path, modules)
        if what.startswith("_") and target != name
    ]
    assert not private, "\n".join(private)


@pytest.mark.parametrize("stage", sorted(set().union(*LAYERS) - {"errors", "config", "io"}))
def test_each_stage_is_a_folder_or_one_module(stage):
    assert (PACKAGE / stage).is_dir() or (PACKAGE / f"{stage}.py").is_file()
