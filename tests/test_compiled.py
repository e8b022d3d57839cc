"""scraper/_compiled.py: which optional compiled loops may run."""

from __future__ import annotations

import logging
import runpy
import types
from pathlib import Path

import pytest
import setuptools

from scraper import _compiled

ROOT = Path(__file__).resolve().parent.parent


def test_a_module_not_built_gives_none_and_says_why(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.delenv(_compiled.PURE_PYTHON_SWITCH, raising=False)
    with caplog.at_level(logging.DEBUG, logger="scraper._compiled"):
        assert _compiled.load("scraper.extract._never_built") is None
    assert "scraper.extract._never_built: Python (not built" in caplog.text


def test_a_module_built_against_another_layout_gives_none_and_says_why(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # Cython refuses at import an extension type whose size changed (selectolax's LexborNode, read in C).
    def refused(name: str) -> None:
        raise ValueError("selectolax.lexbor.LexborNode size changed, may indicate binary incompatibility")

    monkeypatch.delenv(_compiled.PURE_PYTHON_SWITCH, raising=False)
    monkeypatch.setattr(_compiled.importlib, "import_module", refused)
    with caplog.at_level(logging.DEBUG, logger="scraper._compiled"):
        assert _compiled.load("scraper.extract._measure") is None
    assert "scraper.extract._measure: Python (does not load: selectolax.lexbor.LexborNode size" in caplog.text


def test_the_switch_makes_the_python_code_run(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv(_compiled.PURE_PYTHON_SWITCH, "1")
    with caplog.at_level(logging.DEBUG, logger="scraper._compiled"):
        assert _compiled.load("json") is None
    assert "SCRAPER_PURE_PYTHON is set" in caplog.text


@pytest.mark.parametrize(("value", "pure"), [("", False), ("0", False), ("1", True), ("yes", True)])
def test_the_switch_is_off_when_empty_or_zero(
    monkeypatch: pytest.MonkeyPatch, value: str, pure: bool
) -> None:
    monkeypatch.setenv(_compiled.PURE_PYTHON_SWITCH, value)
    assert _compiled.pure_python() is pure
    assert (_compiled.load("json") is None) is pure


def test_every_compiled_loop_is_built_by_setup_and_optional(monkeypatch: pytest.MonkeyPatch) -> None:
    # An install without a C compiler (or Python's headers) must still succeed, with the Python code.
    pytest.importorskip("Cython")  # a test dependency, as it is the build's
    found: dict[str, object] = {}
    monkeypatch.setattr(setuptools, "setup", lambda **keywords: found.update(keywords))
    runpy.run_path(str(ROOT / "setup.py"))
    extensions = found["ext_modules"]
    assert isinstance(extensions, list)
    sources = sorted(
        ".".join(path.relative_to(ROOT).with_suffix("").parts) for path in ROOT.glob("scraper/**/*.pyx")
    )
    assert sorted(extension.name for extension in extensions) == sources
    assert all(extension.optional for extension in extensions)


def test_a_module_built_for_another_selectolax_gives_none_and_says_why(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # A module that reads selectolax's structs names the version it was written for (_lexbor.pxd).
    monkeypatch.delenv(_compiled.PURE_PYTHON_SWITCH, raising=False)
    monkeypatch.setattr(_compiled, "selectolax_version", lambda: "0.0.1")
    fake = types.ModuleType("fake")
    fake.SELECTOLAX_VERSION = "1.0.2"  # type: ignore[attr-defined]
    monkeypatch.setattr(_compiled.importlib, "import_module", lambda name: fake)
    with caplog.at_level(logging.DEBUG, logger="scraper._compiled"):
        assert _compiled.load("scraper.extract._fake") is None
    assert "scraper.extract._fake: Python (built for selectolax 1.0.2, 0.0.1 is installed)" in caplog.text
    monkeypatch.setattr(_compiled, "selectolax_version", lambda: "1.0.2")
    assert _compiled.load("scraper.extract._fake") is fake
