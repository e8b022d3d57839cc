"""load_settings: defaults < scraper.toml < SCRAPER_* environment < flags; errors name key, file and line."""

from __future__ import annotations

import json
import re
from dataclasses import fields
from pathlib import Path

import pytest

from scraper.cli import EXIT_USAGE, main
from scraper.config import (
    COMMANDS,
    DEFAULT_USER_AGENT,
    SETTING_KEYS,
    FetchSettings,
    RunSettings,
    SettingKey,
    Settings,
    SettingsOverrides,
    Sources,
    command_flags,
    env_variables,
    flag_overrides,
    load_settings,
)
from scraper.config._keys import BY_PATH
from scraper.errors import ConfigError

FULL_EXAMPLE = """\
# The README's example: every table, most keys.
db = "data/scraper.db"

[sources]
urls = ["https://example.com/news/2024/05/a-story"]
url_files = ["urls.txt"]
feeds = ["https://example.com/feed.xml"]
sitemaps = ["https://example.com/sitemap.xml"]
pages = ["https://example.com/news/"]
include = ["/news/"]
exclude = ["/video/", "/live/"]
max_urls = 5000
max_sitemaps = 20

[fetch]
timeout = 20
connect_timeout = "5s"
read_timeout = 15.5
max_size = "5MiB"
concurrency = 8
per_host_concurrency = 1
delay = "2s"
attempts = 4
backoff = 1
max_retry_after = "2m"
max_redirects = 5
user_agent = "examplebot/1.0 (+https://example.com/bot)"
respect_robots = true
allow_private = false
proxy = "http://proxy.internal:3128"
credentials = { "Intranet.Example:8080" = "crawler:secret" }

[run]
recheck_after = "7d"
retry_after = "30m"
max_attempts = 6
lease = "10m"
heartbeat = "2s"
batch_size = 16
workers = 2
parse_timeout = "5s"
parse_memory = "512MiB"
limit = 1000
max_time = "50m"
stop_grace = "15s"
lock_file = "run.lock"
keep_all_pages = true
dedup_near = false
dedup_threshold = 0.9

[log]
format = "json"
level = "warning"
"""


def write(tmp_path: Path, text: str, name: str = "scraper.toml") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def config_error(config: str | None, env: dict[str, str] | None = None, **overrides: object) -> str:
    with pytest.raises(ConfigError) as info:
        load_settings(config, env or {}, SettingsOverrides(**overrides))  # type: ignore[arg-type]
    return str(info.value)


@pytest.fixture(autouse=True)
def _empty_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # No ./scraper.toml from the repository (or anywhere) leaks in unless a test writes one.
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)


def test_defaults_without_file_env_or_flags() -> None:
    assert load_settings(None, {}, SettingsOverrides()) == Settings()


def test_full_example_is_read_into_every_field(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, FULL_EXAMPLE), {}, SettingsOverrides())
    assert settings.db == str(tmp_path / "data" / "scraper.db")
    assert settings.sources == Sources(
        urls=("https://example.com/news/2024/05/a-story",),
        url_files=(str(tmp_path / "urls.txt"),),
        feeds=("https://example.com/feed.xml",),
        sitemaps=("https://example.com/sitemap.xml",),
        pages=("https://example.com/news/",),
        include=("/news/",),
        exclude=("/video/", "/live/"),
        max_urls=5000,
        max_sitemaps=20,
    )
    assert settings.fetch == FetchSettings(
        timeout=20.0,
        connect_timeout=5.0,
        read_timeout=15.5,
        max_size=5 * 1024 * 1024,
        concurrency=8,
        per_host_concurrency=1,
        delay=2.0,
        attempts=4,
        backoff=1.0,
        max_retry_after=120.0,
        max_redirects=5,
        user_agent="examplebot/1.0 (+https://example.com/bot)",
        respect_robots=True,
        allow_private=False,
        proxy="http://proxy.internal:3128",
        credentials={"intranet.example:8080": "crawler:secret"},
    )
    assert settings.run == RunSettings(
        recheck_after=7 * 86400.0,
        retry_after=1800.0,
        max_attempts=6,
        lease=600.0,
        heartbeat=2.0,
        batch_size=16,
        workers=2,
        parse_timeout=5.0,
        parse_memory=512 * 1024 * 1024,
        limit=1000,
        max_time=3000.0,
        stop_grace=15.0,
        lock_file=str(tmp_path / "run.lock"),
        keep_all_pages=True,
        dedup_near=False,
        dedup_threshold=0.9,
    )
    assert (settings.log_format, settings.log_level) == ("json", "warning")


def test_every_settings_field_has_a_key() -> None:
    # A field added to the dataclasses without a key would be unreachable from file, env and flags;
    # the full example sets every field, and test_full_example_is_read_into_every_field reads them back.
    for section in (FetchSettings, Sources, RunSettings):
        for item in fields(section):
            assert f"\n{item.name} = " in FULL_EXAMPLE, item.name


def test_precedence_file_then_env_then_flags(tmp_path: Path) -> None:
    path = write(tmp_path, "[fetch]\ntimeout = 20\ndelay = 3\nattempts = 2\n")
    env = {"SCRAPER_TIMEOUT": "15", "SCRAPER_DELAY": "0.5"}
    settings = load_settings(path, env, SettingsOverrides(timeout=5.0))
    assert settings.fetch.timeout == 5.0  # flag beats env and file
    assert settings.fetch.delay == 0.5  # env beats file
    assert settings.fetch.attempts == 2  # file beats default
    assert settings.fetch.concurrency == FetchSettings().concurrency


def test_env_variables_cover_scalar_settings_and_parse_strings() -> None:
    env = {
        "SCRAPER_DB": "postgresql://postgres@127.0.0.1:5432/test",
        "SCRAPER_USER_AGENT": "bot/2",
        "SCRAPER_MAX_SIZE": "1MB",
        "SCRAPER_RESPECT_ROBOTS": "no",
        "SCRAPER_ALLOW_PRIVATE": "1",
        "SCRAPER_RECHECK_AFTER": "12h",
        "SCRAPER_LIMIT": "5",
        "SCRAPER_LOG_FORMAT": "JSON",
        "SCRAPER_TEST_POSTGRES": "postgresql://elsewhere/x",  # not ours: ignored
        "PATH": "/usr/bin",
    }
    settings = load_settings(None, env, SettingsOverrides())
    assert settings.db == "postgresql://postgres@127.0.0.1:5432/test"
    assert settings.fetch.user_agent == "bot/2"
    assert settings.fetch.max_size == 1_000_000
    assert settings.fetch.respect_robots is False
    assert settings.fetch.allow_private is True
    assert settings.run.recheck_after == 43200.0
    assert settings.run.limit == 5
    assert settings.log_format == "json"
    assert env_variables()["SCRAPER_TIMEOUT"] == "fetch.timeout"
    assert env_variables()["SCRAPER_LOG_LEVEL"] == "log.level"


def test_flag_sources_replace_the_file_sources_as_a_whole(tmp_path: Path) -> None:
    path = write(tmp_path, FULL_EXAMPLE)
    settings = load_settings(path, {}, SettingsOverrides(urls=("https://one-off.example/x",)))
    assert settings.sources.urls == ("https://one-off.example/x",)
    assert settings.sources.feeds == ()
    assert settings.sources.sitemaps == ()
    assert settings.sources.include == ("/news/",)  # patterns are not sources: kept
    unchanged = load_settings(path, {}, SettingsOverrides(exclude=("/sport/",)))
    assert unchanged.sources.feeds == ("https://example.com/feed.xml",)
    assert unchanged.sources.exclude == ("/sport/",)


def test_flag_urls_are_passed_through_unvetted() -> None:
    # `scraper get`/`run` report a bad URL as that URL's failure, not as a usage error.
    settings = load_settings(None, {}, SettingsOverrides(urls=("not a url",)))
    assert settings.sources.urls == ("not a url",)


def test_flag_values_are_validated_and_named() -> None:
    assert config_error(None, concurrency=0) == "--concurrency: expected a whole number from 1 to 1024, got 0"
    assert config_error(None, log_format="xml") == '--log-format: expected "text" or "json", got "xml"'
    assert config_error(None, include=("(",)).startswith("--include: expected a valid regular expression")


def test_bad_value_names_file_line_and_key(tmp_path: Path) -> None:
    path = write(tmp_path, '# comment\n\n[fetch]\nconcurrency = 4\ntimeout = "fast"\n')
    message = config_error(path)
    assert message.startswith(
        f'{path}:5: fetch.timeout: expected a duration over 0, up to 1d (seconds, or "250ms", "90s"'
    )
    assert message.endswith('got "fast"')


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        (
            "[fetch]\ndelay = -1\n",
            2,
            'fetch.delay: expected a duration from 0 to 1d (seconds, or "250ms", "90s"',
        ),
        ("[fetch]\nattempts = 2.5\n", 2, "fetch.attempts: expected a whole number from 1 to 20, got 2.5"),
        ("[fetch]\nrespect_robots = 1\n", 2, "fetch.respect_robots: expected true or false, got 1"),
        ("[fetch]\nconcurrency = true\n", 2, "fetch.concurrency: expected a whole number from 1 to 1024"),
        ('[fetch]\nmax_size = "lots"\n', 2, "fetch.max_size: expected a size from 1 B to 1GiB"),
        ('[log]\nformat = "xml"\n', 2, 'log.format: expected "text" or "json", got "xml"'),
        (
            '[fetch]\nuser_agent = "bot/1\\r\\nX-Injected: 1"\n',
            2,
            "fetch.user_agent: expected a header value without control characters (CR, LF, ...)",
        ),
        ('db = "mysql://x/y"\n', 1, 'db: expected a SQLite file path or a "postgresql://" DSN'),
        ('[run]\nrecheck_after = "7 days"\n', 2, "run.recheck_after: expected a duration over 0, up to"),
        (
            '[sources]\nfeeds = "https://x.example/feed"\n',
            2,
            'sources.feeds: expected a list of strings, got "https',
        ),
        # Dotted keys at the top level and quoted keys are found too.
        ("fetch.timeout = 0\n", 1, "fetch.timeout: expected a duration over 0, up to 1d"),
        ('[fetch]\n"timeout" = 0\n', 2, "fetch.timeout: expected a duration over 0, up to 1d"),
        # An inline table: the line of the table's key.
        ("[run]\nlimit = 3\n\nfetch = 1\n", 4, "run.fetch: unknown key"),
    ],
)
def test_bad_values_are_located(tmp_path: Path, text: str, line: int, fragment: str) -> None:
    path = write(tmp_path, text)
    assert config_error(path).startswith(f"{path}:{line}: {fragment}")


@pytest.mark.parametrize(
    "proxy",
    [
        "htp://bob:s3cret@proxy.example:3128",  # the HTTP client's ValueError, with a traceback, before
        "http://bob:s3cret@[::1:3128",  # its InvalidURL
        "http://bob:s3cret@proxy.example:99999",
        "proxy.example:3128",
        "socks5://bob:s3cret@proxy.example:1080",  # needs a SOCKS library scraper does not carry
        "http://",
    ],
)
def test_a_bad_proxy_is_a_located_error_that_hides_its_password(tmp_path: Path, proxy: str) -> None:
    path = write(tmp_path, f'[fetch]\nproxy = "{proxy}"\n')
    message = config_error(path)
    assert message.startswith(f"{path}:2: fetch.proxy: expected an http:// or https:// proxy URL"), message
    assert "s3cret" not in message


def test_a_proxy_may_carry_its_credentials(tmp_path: Path) -> None:
    path = write(tmp_path, '[fetch]\nproxy = " http://bob:s3cret@proxy.example:3128 "\n')
    assert load_settings(path, {}, SettingsOverrides()).fetch.proxy == "http://bob:s3cret@proxy.example:3128"


def test_bad_list_element_names_its_index_and_line(tmp_path: Path) -> None:
    text = '[sources]\nurls = [\n  "https://example.com/a",\n  "ftp://example.com/b",\n]\n'
    path = write(tmp_path, text)
    assert (
        config_error(path)
        == f'{path}:4: sources.urls[1]: expected an http:// or https:// URL, got "ftp://example.com/b"'
    )


def test_same_key_in_two_tables_is_located_in_the_right_one(tmp_path: Path) -> None:
    # "timeout" would be found in [fetch] by a search that ignores tables.
    text = "[fetch]\ntimeout = 3\n\n[run]\nlease = 5\ntimeout = 9\n"
    path = write(tmp_path, text)
    assert config_error(path).startswith(f"{path}:6: run.timeout: unknown key; did you mean fetch.timeout?")


@pytest.mark.parametrize(
    ("text", "line", "expected"),
    [
        ("[fetch]\ntimout = 3\n", 2, "fetch.timout: unknown key; did you mean fetch.timeout?"),
        ("[fetch]\nuseragent = 'x'\n", 2, "fetch.useragent: unknown key; did you mean fetch.user_agent?"),
        ("\ntimeout = 3\n", 2, "timeout: unknown key; did you mean fetch.timeout?"),
        ("[fecth]\ntimeout = 3\n", 1, "unknown table [fecth]; did you mean [fetch]?"),
        ("[log]\nformat = 'text'\ncolour = 'red'\n", 3, "log.colour: unknown key"),
        ("fetch = 3\n", 1, "fetch: expected a table [fetch]"),
    ],
)
def test_unknown_keys_are_refused_with_a_suggestion(
    tmp_path: Path, text: str, line: int, expected: str
) -> None:
    path = write(tmp_path, text)
    assert config_error(path) == f"{path}:{line}: {expected}"


def test_a_config_file_reports_all_its_mistakes_at_once(tmp_path: Path) -> None:
    """Two mistakes, one run: each on its own line, in the order of the file, and the CLI exits 2."""
    text = '[fetch]\ntimout = 3\ndelay = -1\n\n[run]\nlimit = "many"\n\n[fecth]\nx = 1\n'
    path = write(tmp_path, text)
    assert config_error(path).splitlines() == [
        f"{path}:2: fetch.timout: unknown key; did you mean fetch.timeout?",
        f"{path}:3: fetch.delay: expected a duration from 0 to 1d (seconds, or "
        '"250ms", "90s", "30m", "12h", "7d"), got -1',
        f'{path}:6: run.limit: expected a whole number from 1 to 1000000000, got "many"',
        f"{path}:8: unknown table [fecth]; did you mean [fetch]?",
    ]

    assert main(["run", "--config", path]) == EXIT_USAGE


def test_toml_syntax_error_gives_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, "[fetch]\ntimeout = 3\ndelay = \n")
    message = config_error(path)
    assert message.startswith(f"{path}:3: invalid TOML: ")


def test_missing_config_file_names_the_path(tmp_path: Path) -> None:
    missing = str(tmp_path / "nowhere" / "scraper.toml")
    assert config_error(missing) == f"{missing}: config file not found"


def test_config_file_from_environment(tmp_path: Path) -> None:
    path = write(tmp_path, "[fetch]\nattempts = 7\n", name="elsewhere.toml")
    assert load_settings(None, {"SCRAPER_CONFIG": path}, SettingsOverrides()).fetch.attempts == 7
    assert config_error(None, {"SCRAPER_CONFIG": path + ".missing"}).endswith("config file not found")


def test_scraper_toml_in_current_directory_is_read(tmp_path: Path) -> None:
    write(tmp_path / "cwd", "[fetch]\nattempts = 9\n")
    assert load_settings(None, {}, SettingsOverrides()).fetch.attempts == 9


def test_bad_env_value_names_the_variable() -> None:
    message = config_error(None, {"SCRAPER_TIMEOUT": "fast"})
    assert message.startswith("environment variable SCRAPER_TIMEOUT: expected a duration over 0, up to 1d")
    assert message.endswith('got "fast"')
    assert config_error(None, {"SCRAPER_ALLOW_PRIVATE": "maybe"}) == (
        'environment variable SCRAPER_ALLOW_PRIVATE: expected true or false, got "maybe"'
    )


def test_absolute_paths_and_dsn_are_not_rebased(tmp_path: Path) -> None:
    text = 'db = "postgresql://postgres@127.0.0.1/test"\n[sources]\nurl_files = ["/srv/urls.txt"]\n'
    settings = load_settings(write(tmp_path, text), {}, SettingsOverrides())
    assert settings.db == "postgresql://postgres@127.0.0.1/test"
    assert settings.sources.url_files == ("/srv/urls.txt",)


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("90", 90.0),
        ("90s", 90.0),
        ("30m", 1800.0),
        ("1.5h", 5400.0),
        ("7d", 604800.0),
        ("250ms", 0.25),
        ("1w", 604800.0),
    ],
)
def test_durations(value: str, seconds: float) -> None:
    assert (
        load_settings(None, {"SCRAPER_RECHECK_AFTER": value}, SettingsOverrides()).run.recheck_after
        == seconds
    )


def test_every_override_field_maps_to_a_key() -> None:
    # Each flag value reaches Settings: give them all and read them back.
    overrides = SettingsOverrides(
        db="x.db", timeout=1.0, connect_timeout=1.0, read_timeout=1.0, max_size=10, concurrency=2,
        per_host_concurrency=1, delay=0.0, attempts=1, user_agent="ua", respect_robots=False,
        allow_private=True, proxy="http://p:1", urls=("u",), url_files=("f",), feeds=("fe",),
        sitemaps=("s",), pages=("p",), include=("i",), exclude=("e",), recheck_after=60.0, limit=3,
        workers=1, lock_file="l", log_format="json", log_level="debug",
    )  # fmt: skip
    settings = load_settings(None, {}, overrides)
    assert settings.db == "x.db"
    assert settings.fetch.max_size == 10 and settings.fetch.respect_robots is False
    assert settings.sources.pages == ("p",) and settings.sources.url_files == ("f",)
    assert settings.run.limit == 3 and settings.run.lock_file == "l" and settings.run.recheck_after == 60.0
    assert (settings.log_format, settings.log_level) == ("json", "debug")


DOCS = Path(__file__).resolve().parents[1] / "docs" / "config.md"


def test_documented_example_loads_and_table_lists_every_env_variable(tmp_path: Path) -> None:
    text = DOCS.read_text(encoding="utf-8")
    example = text.split("```toml\n", 1)[1].split("```", 1)[0]
    settings = load_settings(write(tmp_path, example), {}, SettingsOverrides())
    assert settings.sources.feeds == ("https://example.com/feed.xml",)
    assert settings.run.recheck_after == 7 * 86400.0
    documented = set(re.findall(r"`(SCRAPER_[A-Z_]+)`", text))
    assert documented >= set(env_variables())


def documented_row(key: SettingKey) -> str:
    """The row docs/config.md must have for `key`: what the key table says, nothing else."""
    env = f"`{key.env_name}`" if key.env else "—"
    if not key.commands:
        flag = "—"
    elif key.switch is not None:
        flag = f"`{key.flag}`"
    else:
        metavar = key.flag_type.metavar.replace("|", "\\|")  # a bare | would end the table cell
        flag = f"`{key.flag} {metavar}`" + (" (repeatable)" if key.value.multiple else "")
    bounds = key.value.bounds.shown if key.value.bounds is not None else "—"
    commands = ", ".join(key.commands) or "—"
    return f"| `{key.path}` | `{key.default}` | {bounds} | {env} | {flag} | {commands} |"


CONFIG_FILE_ROW = (
    "| (the file itself) | `./scraper.toml` | — | `SCRAPER_CONFIG` | `--config FILE` | "
    f"{', '.join(COMMANDS)} |"
)


def test_documented_table_of_keys_is_the_key_table() -> None:
    section = DOCS.read_text(encoding="utf-8").split("\n## Keys, environment variables and flags\n", 1)[1]
    rows = [line for line in section.split("\n## ", 1)[0].splitlines() if line.startswith("| ")]
    assert rows[0] == "| key | default | range | environment | flag | commands |"
    assert rows[1:] == [documented_row(key) for key in SETTING_KEYS] + [CONFIG_FILE_ROW]


def test_every_shown_default_is_the_real_default() -> None:
    defaults = Settings()
    for key in SETTING_KEYS:
        section, _, name = key.target.rpartition(".")
        actual = getattr(getattr(defaults, section) if section else defaults, name)
        if key.value.multiple:
            assert (key.default, actual) == ("[]", ()), key.path
        elif key.path == "fetch.user_agent":
            assert (key.default, actual) == ("scraper/VERSION (+URL)", DEFAULT_USER_AGENT)
        elif key.path == "run.lock_file":  # chosen at run time, from the database's place
            assert (key.default, actual) == ("next to the DB", None)
        elif actual is None:
            assert key.default == "none", key.path
        else:
            assert key.value.parse(key.default) == actual, key.path


def test_overrides_have_one_field_per_key() -> None:
    assert sorted(item.name for item in fields(SettingsOverrides)) == sorted(key.dest for key in SETTING_KEYS)


def test_every_flag_belongs_to_a_command_and_is_unique_in_it() -> None:
    assert all(set(key.commands) <= set(COMMANDS) for key in SETTING_KEYS)
    for command in COMMANDS:
        flags = [key.flag for key in command_flags(command)]
        assert len(flags) == len(set(flags)), command
    with pytest.raises(ValueError, match="extract"):
        command_flags("extract")


def test_flag_values_are_parsed_like_file_values() -> None:
    overrides = flag_overrides(
        {"timeout": "30s", "max_size": "10MiB", "delay": "250ms", "limit": None, "respect_robots": True,
         "allow_private": None, "feeds": ("not a url",), "include": (), "log_format": "JSON"}
    )  # fmt: skip
    assert overrides == SettingsOverrides(
        timeout=30.0, max_size=10 * 1024 * 1024, delay=0.25, respect_robots=False, feeds=("not a url",),
        log_format="json",
    )  # fmt: skip
    assert flag_overrides({"allow_private": True, "respect_robots": False}) == SettingsOverrides(
        allow_private=True
    )


def test_bad_flag_values_name_the_flag() -> None:
    with pytest.raises(ConfigError) as info:
        flag_overrides({"max_size": "lots"})
    assert str(info.value) == (
        '--max-size: expected a size from 1 B to 1GiB (bytes, or "512KB", "10MiB", "1GB"), got "lots"'
    )
    with pytest.raises(ConfigError) as info:
        flag_overrides({"exclude": ("/ok/", "(")})
    assert str(info.value).startswith("--exclude: expected a valid regular expression (")
    assert str(info.value).endswith('got "("')


# ─── ranges: every numeric key has one, enforced alike for file, environment and flags ─────────────────

NUMERIC_KEYS = [key for key in SETTING_KEYS if key.value.metavar in ("N", "NUMBER", "DURATION", "SIZE")]


def test_every_numeric_key_has_a_range() -> None:
    assert len(NUMERIC_KEYS) >= 20
    missing = [key.path for key in NUMERIC_KEYS if key.value.bounds is None]
    assert missing == []


def just_over(key: SettingKey) -> int | float:
    bounds = key.value.bounds
    assert bounds is not None
    return bounds.high + 1 if key.value.metavar in ("N", "SIZE") else bounds.high * 1.01


@pytest.mark.parametrize("key", NUMERIC_KEYS, ids=lambda key: key.path)
def test_a_numeric_key_takes_its_upper_bound_and_refuses_more(key: SettingKey, tmp_path: Path) -> None:
    bounds = key.value.bounds
    assert bounds is not None
    assert key.value.parse(bounds.high) == bounds.high
    table, _, leaf = key.path.partition(".")
    over = just_over(key)
    path = write(tmp_path, f"[{table}]\n{leaf} = {over!r}\n")
    assert config_error(path) == f"{path}:2: {key.path}: expected {key.value.hint}, got {over!r}"
    if key.env:
        message = config_error(None, {key.env_name: str(over)})
        assert message == f'environment variable {key.env_name}: expected {key.value.hint}, got "{over}"'
    with pytest.raises(ConfigError, match=f"^{re.escape(key.flag)}: expected "):
        flag_overrides({key.dest: str(over)})


@pytest.mark.parametrize("key", NUMERIC_KEYS, ids=lambda key: key.path)
@pytest.mark.parametrize("raw", ["nan", "inf", "-inf", "1e999", "9" * 5000, "1" + "0" * 400 + "GiB", "²"])
def test_non_finite_and_huge_numbers_are_refused_everywhere(
    key: SettingKey, raw: str, tmp_path: Path
) -> None:
    # Before: nan and inf passed some parsers, "1e300" durations overflowed every run, a 5000-digit
    # integer raised ValueError and a huge size OverflowError, as tracebacks.
    assert config_error(None, {key.env_name: raw}).startswith(f"environment variable {key.env_name}: ")
    with pytest.raises(ConfigError, match=f"^{re.escape(key.flag)}: expected "):
        flag_overrides({key.dest: raw})
    if raw in ("nan", "inf", "-inf"):
        table, _, leaf = key.path.partition(".")
        path = write(tmp_path, f"[{table}]\n{leaf} = {raw}\n")
        assert config_error(path).startswith(f"{path}:2: {key.path}: expected ")


def test_an_out_of_range_number_names_the_key_and_the_range(tmp_path: Path) -> None:
    path = write(tmp_path, "[fetch]\nconcurrency = 1000000000\n")
    expected = "fetch.concurrency: expected a whole number from 1 to 1024, got 1000000000"
    assert config_error(path) == f"{path}:2: {expected}"
    assert config_error(None, {"SCRAPER_CONCURRENCY": "1000000000"}) == (
        'environment variable SCRAPER_CONCURRENCY: expected a whole number from 1 to 1024, got "1000000000"'
    )
    assert config_error(None, {"SCRAPER_BACKOFF": "1e9"}).startswith(
        "environment variable SCRAPER_BACKOFF: expected a duration from 0 to 1h ("
    )
    assert config_error(None, {"SCRAPER_TIMEOUT": "1e300"}).startswith(
        "environment variable SCRAPER_TIMEOUT: expected a duration over 0, up to 1d ("
    )
    assert config_error(None, {"SCRAPER_MAX_SIZE": "2GiB"}).startswith(
        "environment variable SCRAPER_MAX_SIZE: expected a size from 1 B to 1GiB ("
    )


def test_the_largest_settings_do_not_overflow_the_retry_schedule() -> None:
    # run.retry_after doubles per failed run up to run.max_attempts: their bounds keep the date in range.
    from datetime import UTC, datetime

    from scraper.storage._rules import failure_retry_at

    def high(path: str) -> float:
        bounds = BY_PATH[path].value.bounds
        assert bounds is not None
        return bounds.high

    policy = RunSettings(retry_after=high("run.retry_after"), max_attempts=int(high("run.max_attempts")))
    now = datetime(2030, 1, 1, tzinfo=UTC)
    assert failure_retry_at(policy.max_attempts - 1, now=now, policy=policy) is not None


# ─── include/exclude: compiled for a linear-time engine, or refused naming the key and why ────────────


@pytest.mark.parametrize(
    ("pattern", "why"),
    [(r"/(\w+)/\1/", "a backreference"), (r"/news/(?!video)", "a lookaround"), ("a{2000}", "a repeat")],
)
def test_patterns_that_need_backtracking_are_refused_at_config_time(
    tmp_path: Path, pattern: str, why: str
) -> None:
    path = write(tmp_path, f"[sources]\ninclude = ['/ok/', '{pattern}']\n")
    message = config_error(path)
    assert message.startswith(f"{path}:2: sources.include[1]: expected a regular expression RE2 can run")
    assert why in message
    assert message.endswith(f"got {json.dumps(pattern)}")
    assert config_error(None, exclude=(pattern,)).startswith("--exclude: expected a regular expression RE2")


def test_linear_patterns_are_taken() -> None:
    patterns = (r"^https?://[^/]+/(\w+-?)+/$", r"(?i)/news/\d{4}/", "/video/|/live/")
    assert load_settings(None, {}, SettingsOverrides(include=patterns)).sources.include == patterns
