"""The backend-independent pieces: text cleaning, the schema each backend renders, the version check."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scraper.errors import SchemaError
from scraper.models import Document, UrlState
from scraper.storage import SCHEMA_VERSION
from scraper.storage._clean import clean_document, clean_text, clean_utf8, text_hash, utf8_hash
from scraper.storage._schema import (
    Migration,
    check_version,
    migrations,
    migrations_to_apply,
    schema_version_table,
)
from scraper.storage.postgres import PostgresStore
from scraper.storage.sqlite import SQLiteStore

# The statements each backend ran to create and migrate a database, as released (written out by the code
# that had one DDL block per backend): a database made by them must never meet other statements for the
# same version.
RELEASED_DDL = json.loads(Path(__file__).with_name("released_ddl.json").read_text(encoding="utf-8"))

# Any code point, lone surrogates and NUL included: what a lenient decoder can hand the store.
any_text = st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x10FFFF))


@given(any_text)
def test_cleaned_text_is_valid_utf8_without_nul_and_stays_clean(text: str) -> None:
    cleaned = clean_text(text)
    cleaned.encode("utf-8")  # raises for a lone surrogate
    assert "\x00" not in cleaned
    assert clean_text(cleaned) == cleaned


@given(any_text)
def test_a_text_is_cleaned_and_encoded_at_once_as_it_is_cleaned_then_encoded(text: str) -> None:
    # A fingerprint hashes and splits the bytes of the cleaned text, encoded once (clean_utf8).
    cleaned, encoded = clean_utf8(text)
    assert (cleaned, encoded) == (clean_text(text), clean_text(text).encode("utf-8"))
    assert utf8_hash(encoded) == text_hash(cleaned)


@given(st.text(alphabet=st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00")))
def test_text_without_nul_or_surrogates_is_kept_as_is(text: str) -> None:
    assert clean_text(text) == text


def test_surrogate_pairs_are_joined_and_lone_halves_replaced() -> None:
    assert clean_text("a\ud83d\ude00b") == "a\U0001f600b"
    assert clean_text("\ude00\ud83d") == "\ufffd\ufffd"
    assert clean_text("x\x00y\x00") == "xy"


def test_clean_document_cleans_every_text_field() -> None:
    document = Document(url="u\x00", title="t\ud800", text="b\x00ody", language=None)
    assert clean_document(document) == Document(url="u", title="t\ufffd", text="body", language=None)


@pytest.mark.parametrize(("backend", "store_class"), [("sqlite", SQLiteStore), ("postgres", PostgresStore)])
def test_each_backend_renders_the_released_schema_to_the_letter(
    backend: str, store_class: type[SQLiteStore] | type[PostgresStore]
) -> None:
    released = RELEASED_DDL[backend]
    types = store_class.dialect.types
    assert schema_version_table(types) == released["schema_version_table"]
    rendered = {str(migration.version): list(migration.statements) for migration in migrations(types)}
    assert rendered == released["migrations"]


@pytest.mark.parametrize("store_class", [SQLiteStore, PostgresStore])
def test_the_url_state_check_allows_exactly_the_url_states(
    store_class: type[SQLiteStore] | type[PostgresStore],
) -> None:
    ddl = "\n".join(statement for m in migrations(store_class.dialect.types) for statement in m.statements)
    checks = re.findall(r"CHECK \(state IN \(([^)]*)\)\)", ddl)
    assert len(checks) == 1, checks
    allowed = [value.strip().strip("'") for value in checks[0].split(",")]
    assert allowed == [state.value for state in UrlState]  # the same set, in the released order
    assert f"state TEXT NOT NULL DEFAULT '{UrlState.PENDING}'" in ddl


def test_current_version_passes_the_check() -> None:
    check_version(SCHEMA_VERSION, where="db")


@pytest.mark.parametrize("found", range(SCHEMA_VERSION))
def test_an_older_database_is_refused_with_the_fix(found: int) -> None:
    with pytest.raises(SchemaError, match=f"version {SCHEMA_VERSION}.*run `scraper db migrate`"):
        check_version(found, where="db")


def test_a_newer_database_is_refused_and_not_migrated() -> None:
    newer = SCHEMA_VERSION + 1
    with pytest.raises(SchemaError, match=f"version {newer}, newer than version {SCHEMA_VERSION}"):
        check_version(newer, where="db")
    migrations = [Migration(v, ()) for v in range(1, SCHEMA_VERSION + 1)]
    with pytest.raises(SchemaError):
        migrations_to_apply(newer, migrations, where="db")


def test_only_missing_migrations_are_applied() -> None:
    migrations = [Migration(v, (f"step {v}",)) for v in range(1, SCHEMA_VERSION + 1)]
    assert migrations_to_apply(0, migrations, where="db") == migrations
    assert migrations_to_apply(SCHEMA_VERSION, migrations, where="db") == []
