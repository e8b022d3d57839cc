"""docs/architecture.md is the design of record: these tests keep its module map and its import rules true."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "scraper"
ARCHITECTURE = ROOT / "docs" / "architecture.md"
# The package's own __init__ is the public API: it imports from every part by design.
EXEMPT_FROM_IMPORT_RULES = {"__init__"}


@dataclass(frozen=True)
class Import:
    module: Path  # the importing file
    line: int
    target: str  # dotted name of what it imports, e.g. "scraper.fetch._urls"


def _doc() -> str:
    return ARCHITECTURE.read_text(encoding="utf-8")


def _modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if ".venv" not in p.parts)


def _dotted(path: Path) -> list[str]:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return parts[:-1] if parts[-1] == "__init__" else parts


def _imports(path: Path, source: str | None = None) -> list[Import]:
    """The `scraper` imports of a module (of `source` as if it stood at `path`, when given)."""
    package = _dotted(path) if path.name == "__init__.py" else _dotted(path)[:-1]
    found: list[Import] = []
    tree = ast.parse(source if source is not None else path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [Import(path, node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            if node.module:
                found.append(Import(path, node.lineno, module))
            else:  # `from .. import discover` imports the module `discover`
                found += [Import(path, node.lineno, f"{module}.{alias.name}") for alias in node.names]
    return [found_import for found_import in found if found_import.target.split(".")[0] == "scraper"]


def _part(dotted: str) -> str:
    """The part of the package a module belongs to: its first name below `scraper`."""
    names = dotted.split(".")
    return names[1] if len(names) > 1 else "__init__"


def _allowed_imports() -> dict[str, set[str]]:
    section = _doc().split("## Allowed imports", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `([^`]+)` \|([^|\n]*)\|$", section, flags=re.MULTILINE)
    return {part: set(re.findall(r"`([^`]+)`", allowed)) for part, allowed in rows}


def test_every_module_is_named_in_the_module_map() -> None:
    doc = _doc()
    missing = [str(p.relative_to(ROOT)) for p in _modules() if f"`{p.relative_to(ROOT)}`" not in doc]
    assert not missing, f"docs/architecture.md does not name these modules: {missing}"


def test_the_module_map_names_no_module_that_is_gone() -> None:
    named = set(re.findall(r"`(scraper/[\w/]+\.py)`", _doc()))
    gone = sorted(name for name in named if not (ROOT / name).exists())
    assert not gone, f"docs/architecture.md names modules that do not exist: {gone}"


def test_the_import_table_covers_every_part() -> None:
    parts = {_part(".".join(_dotted(p))) for p in _modules()} - EXEMPT_FROM_IMPORT_RULES
    missing = parts - set(_allowed_imports())
    assert not missing, f"parts missing from the table of allowed imports: {sorted(missing)}"


@pytest.mark.parametrize("module", _modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_imports_follow_the_table(module: Path) -> None:
    own = _part(".".join(_dotted(module)))
    if own in EXEMPT_FROM_IMPORT_RULES:
        return
    allowed = _allowed_imports()[own]
    wrong = [
        f"line {found.line}: {found.target}"
        for found in _imports(module)
        if (target := _part(found.target)) != own and target not in allowed
    ]
    name = module.relative_to(ROOT)
    assert not wrong, f"{name} ({own}) may import only {sorted(allowed)}; it imports {wrong}"


def test_the_rules_catch_a_wrong_import() -> None:
    """The checker itself: a fetch module importing the extractor is reported (nothing is written)."""
    probe = PACKAGE / "fetch" / "_probe.py"
    imports = _imports(probe, "from ..extract import extract\nfrom . import _urls\nfrom .. import discover\n")
    assert [i.target for i in imports] == ["scraper.extract", "scraper.fetch._urls", "scraper.discover"]
    assert "extract" not in _allowed_imports()["fetch"]


# One job per module and short functions (issue "The house"): past these, a module or function is doing
# several things, and the next change to it is the time to split it.
MAX_MODULE_LINES = 600
MAX_FUNCTION_LINES = 60


@pytest.mark.parametrize("module", _modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_modules_and_functions_stay_small(module: Path) -> None:
    source = module.read_text(encoding="utf-8")
    assert source.count("\n") <= MAX_MODULE_LINES, (
        f"{module.relative_to(ROOT)} is over {MAX_MODULE_LINES} lines"
    )
    long_functions = [
        f"{node.name} (line {node.lineno}): {node.end_lineno - node.lineno + 1} lines"
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.end_lineno is not None
        and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES
    ]
    assert not long_functions, f"{module.relative_to(ROOT)}: functions over {MAX_FUNCTION_LINES} lines"
