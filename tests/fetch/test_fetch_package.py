"""The fetch package's shape: a sorted public API, and no dependency on the extractor (charset decoding
is shared through scraper.charset, so fetching never loads selectolax or the extraction rules)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import scraper.fetch

PACKAGE_ROOT = Path(scraper.__file__).parent


def module_file(name: str) -> Path | None:
    """The source of a scraper module (a package's __init__.py), or None for a module outside scraper."""
    parts = name.split(".")
    if parts[0] != "scraper" or len(parts) == 1:
        return None  # the scraper package's own __init__ is the facade over everything, not a dependency
    base = PACKAGE_ROOT.joinpath(*parts[1:])
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.exists():
            return candidate
    return None


def import_time_statements(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Statements run when the module is imported: functions' bodies (lazy imports) are not."""
    for statement in body:
        yield statement
        if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for field in ("body", "orelse", "finalbody", "handlers"):
            yield from import_time_statements(getattr(statement, field, []))


def imported_modules(name: str, path: Path) -> Iterator[str]:
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for statement in import_time_statements(ast.parse(path.read_text()).body):
        if isinstance(statement, ast.Import):
            yield from (alias.name for alias in statement.names)
        elif isinstance(statement, ast.ImportFrom):
            base = package.split(".")
            if statement.level:
                base = base[: len(base) - statement.level + 1]
            source = ".".join([*base, statement.module] if statement.module else base)
            if not statement.level:
                source = statement.module or ""
            yield source
            yield from (f"{source}.{alias.name}" for alias in statement.names)  # submodules imported by name


def modules_reached_from(start: str) -> set[str]:
    reached, todo = set(), [start]
    while todo:
        name = todo.pop()
        path = module_file(name)
        if name in reached or path is None:
            continue
        reached.add(name)
        todo.extend(imported_modules(name, path))
    return reached


def test_the_fetch_package_never_imports_the_extractor() -> None:
    reached = modules_reached_from("scraper.fetch")
    assert {"scraper.fetch._fetcher", "scraper.charset", "scraper.politeness"} <= reached  # the walk works
    assert not [name for name in reached if name == "scraper.extract" or name.startswith("scraper.extract.")]


def test_the_extractor_is_reached_when_imported() -> None:
    """The walk above can fail: the extractor's own imports are found by it."""
    assert "scraper.charset" in modules_reached_from("scraper.extract")


def test_public_api_is_sorted_importable_and_public() -> None:
    assert list(scraper.fetch.__all__) == sorted(set(scraper.fetch.__all__))
    for name in scraper.fetch.__all__:
        assert not name.startswith("_"), name
        assert getattr(scraper.fetch, name) is not None, name
