"""The layout's layers hold: ground (copilot.core) → retrieval and tools → tasks and engines → surfaces.

A module may import its own layer and the layers below it, never one above; this test reads every
import statement (including the ones inside functions) so a lazy import cannot hide a cycle.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
OURS = ("copilot", "retrieval", "tools", "prompts", "integrations", "evals")


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return [n for n in names if n.split(".")[0] in OURS]


def _modules(folder: str) -> list[Path]:
    return sorted(p for p in (ROOT / folder).rglob("*.py") if "migrations/versions" not in p.as_posix())


@pytest.mark.parametrize(
    ("folder", "allowed"),
    [
        ("copilot/core", ("copilot.core",)),
        ("retrieval", ("copilot.core", "retrieval")),
        ("tools", ("copilot.core", "tools", "retrieval")),
    ],
)
def test_a_layer_imports_only_itself_and_the_layers_below(folder: str, allowed: tuple[str, ...]) -> None:
    upward = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in _modules(folder)
        for name in _imports(path)
        if not any(name == a or name.startswith(a + ".") for a in allowed)
    ]
    assert upward == []


def test_the_layer_check_sees_an_upward_import(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from copilot.demo.generator import generate\n", encoding="utf-8")
    assert _imports(module) == ["copilot.demo.generator"]
