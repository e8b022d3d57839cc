"""The key table: every setting once, with its parser, help, default as shown, environment variable and
flag. The file, the environment, the command line's options and docs/config.md all follow it, so a new
setting is written here (and as a field of its dataclass) and nowhere else.
"""

from __future__ import annotations

from dataclasses import dataclass

from ._values import (
    BOOLEAN,
    CREDENTIALS,
    DAY,
    DB,
    GIB,
    HEADER_TEXT,
    HOUR,
    HTTP_URL,
    MIB,
    OPTIONAL_TEXT,
    PROXY_URL,
    REGEX,
    TEXT,
    ValueType,
    choice,
    fraction,
    integer,
    optional_integer,
    optional_seconds,
    seconds,
    size,
    string_list,
)

__all__ = [
    "BY_DEST",
    "BY_ENV",
    "BY_PATH",
    "COMMANDS",
    "ENV_PREFIX",
    "SETTING_KEYS",
    "SOURCE_LISTS",
    "TABLES",
    "SettingKey",
    "command_flags",
    "env_variables",
]

ENV_PREFIX = "SCRAPER_"
# The commands that build Settings, as their flags name them in the key table ("db migrate" is a subcommand).
COMMANDS = ("run", "get", "export", "status", "reextract", "db migrate")
_STORE_COMMANDS = ("run", "export", "status", "reextract", "db migrate")  # those that open the store
_FETCH_COMMANDS = ("run", "get")


@dataclass(frozen=True, slots=True)
class SettingKey:
    """One setting: where it lives in scraper.toml and Settings, how it is read, how it is offered."""

    path: str  # dotted name in scraper.toml: "fetch.timeout", "db"
    target: str  # "<section>.<field>" of Settings, or the field of Settings itself
    value: ValueType
    help: str  # what `--help` says about its flag
    default: str  # the default as `--help` and docs/config.md show it
    commands: tuple[str, ...] = ()  # the commands that take it as a flag; () = file and environment only
    env: bool = True  # read from SCRAPER_<NAME> (lists are not)
    relative_path: bool = False  # a file path: relative to the config file's folder when given there
    cli_flag: str | None = None  # when the flag is not --<field-name>
    switch: bool | None = None  # the flag takes no value and sets the key to this
    # URLs given as flags are not vetted here: `get` and `run` report a bad one as that URL's failure,
    # not as a usage error.
    flag_value: ValueType | None = None

    @property
    def env_name(self) -> str:
        return ENV_PREFIX + self.path.removeprefix("fetch.").removeprefix("run.").replace(".", "_").upper()

    @property
    def dest(self) -> str:
        """Its name as a field of SettingsOverrides and a parameter of the command functions."""
        return self.target.rsplit(".", 1)[-1]

    @property
    def flag(self) -> str:
        return self.cli_flag or "--" + self.dest.replace("_", "-")

    @property
    def flag_type(self) -> ValueType:
        return self.flag_value or self.value


_UNVETTED_URLS = string_list(TEXT.shown_as("URL"))

# The range of every number (docs/config.md shows them). Past its bound a value is a typo or a hostile
# config, never a setting: each bound lies far beyond sane values and below where something breaks
# (3.4 GB of memory for `concurrency = 1e9`, an OverflowError on every run for a duration of 1e300).
# Ten million frontier rows is a big news archive; a source listing more is a trap or a whole web index.
_SOURCE_URLS = integer(1, 10_000_000)
# 50,000 sitemaps of 50,000 URLs each is the protocol's own ceiling for one site.
_SOURCE_SITEMAPS = integer(1, 50_000)
_REQUESTS_IN_FLIGHT = integer(1, 1024)  # each holds a socket: 1024 is the usual open-file limit (ulimit -n)
_PER_HOST = integer(1, 64)  # more requests at once to one site than browsers open is an attack on it
_NETWORK_TIMEOUT = seconds(high=DAY, allow_zero=False)  # no answer is worth waiting a day for
_DELAY = seconds(high=DAY, allow_zero=True)  # a pause between two requests to one host
_BACKOFF = seconds(high=HOUR, allow_zero=True)  # the first retry wait only: it doubles from there
_INLINE_WAIT = seconds(high=DAY, allow_zero=True)  # Retry-After honoured inline; longer ones defer the URL
_BODY_SIZE = size(1, GIB)  # a body is held whole in memory, then decoded and parsed (run.parse_memory)
_ATTEMPTS = integer(1, 20)  # tries of one URL in one run: 20 doublings of the backoff pass any cap
_REDIRECTS = integer(0, 100)  # browsers give up after 20; more is a loop
_RECHECK = seconds(high=3650 * DAY, allow_zero=False)  # ten years is "never" for a cron job
# A failed URL waits retry_after × 2**(failed runs - 1): 1d × 2**18 is 700 years, within datetime's reach.
_RETRY_WAIT = seconds(high=DAY, allow_zero=False)
_FAILED_RUNS = integer(1, 20)
_LEASE = seconds(high=DAY, allow_zero=False)  # a dead worker's URLs stay claimed this long
_BATCH = integer(1, 10_000)  # claimed in one transaction and held in memory together
_WORKERS = integer(0, 256)  # processes with the extractor loaded, about 100 MB each
_PARSE_TIME = seconds(high=HOUR, allow_zero=False)  # a page that takes an hour to parse is hostile
# A worker with the extractor loaded is already tens of MB resident: below 64 MiB every page would fail.
# The address-space backstop is twice the limit; 64 GiB is past any machine a cron job runs on.
_PARSE_MEMORY = size(64 * MIB, 64 * GIB)
_HEARTBEAT = seconds(high=HOUR, allow_zero=False)  # a dead worker's claims wait up to three beats
_RUN_TIME = optional_seconds(high=7 * DAY)  # a cron job's run; a week is longer than any schedule
_STOP_GRACE = seconds(high=HOUR, allow_zero=True)  # systemd kills a unit after TimeoutStopSec anyway
_RUN_LIMIT = optional_integer(1, 10**9)
# Below 0.5 two versions of different stories on one topic start to look alike; 1.0 is exact copies only.
_SIMILARITY = fraction(0.5, 1.0)  # a count only; bounded so that every number has a range

SETTING_KEYS: tuple[SettingKey, ...] = (
    SettingKey("db", "db", DB, "SQLite file or postgresql:// DSN.", "scraper.db", _STORE_COMMANDS,
               relative_path=True),
    SettingKey("sources.urls", "sources.urls", string_list(HTTP_URL), "A page to fetch (repeatable).", "[]",
               ("run",), env=False, cli_flag="--url", flag_value=_UNVETTED_URLS),
    SettingKey("sources.url_files", "sources.url_files", string_list(TEXT.shown_as("FILE")),
               "A file of URLs, one per line (repeatable).", "[]", ("run",), env=False, relative_path=True,
               cli_flag="--urls"),
    SettingKey("sources.feeds", "sources.feeds", string_list(HTTP_URL),
               "An RSS, Atom or JSON feed (repeatable).", "[]", ("run",), env=False, cli_flag="--feed",
               flag_value=_UNVETTED_URLS),
    SettingKey("sources.sitemaps", "sources.sitemaps", string_list(HTTP_URL),
               "A sitemap or sitemap index (repeatable).", "[]", ("run",), env=False, cli_flag="--sitemap",
               flag_value=_UNVETTED_URLS),
    SettingKey("sources.pages", "sources.pages", string_list(HTTP_URL),
               "A home or section page to take links from (repeatable).", "[]", ("run",), env=False,
               cli_flag="--page", flag_value=_UNVETTED_URLS),
    SettingKey("sources.include", "sources.include", string_list(REGEX),
               "Discovered links must match one of these (repeatable).", "[]", ("run",), env=False),
    SettingKey("sources.exclude", "sources.exclude", string_list(REGEX),
               "Discovered links matching this are dropped (repeatable).", "[]", ("run",), env=False),
    SettingKey("sources.max_urls", "sources.max_urls", _SOURCE_URLS,
               "URLs one source (feed, sitemap with its children, section page) may enqueue in a run.",
               "100000"),
    SettingKey("sources.max_sitemaps", "sources.max_sitemaps", _SOURCE_SITEMAPS,
               "Sitemaps fetched for one sitemap source in a run: itself, its indexes and their children.",
               "1000"),
    SettingKey("fetch.timeout", "fetch.timeout", _NETWORK_TIMEOUT,
               "Time for one attempt as a whole, connect to last byte.", "30s", _FETCH_COMMANDS),
    SettingKey("fetch.connect_timeout", "fetch.connect_timeout", _NETWORK_TIMEOUT,
               "Time to open a connection.", "10s"),
    SettingKey("fetch.read_timeout", "fetch.read_timeout", _NETWORK_TIMEOUT,
               "Longest silence between two reads.", "20s"),
    SettingKey("fetch.max_size", "fetch.max_size", _BODY_SIZE,
               "Largest decoded body; a bigger one fails whole.", "10MiB", _FETCH_COMMANDS),
    SettingKey("fetch.concurrency", "fetch.concurrency", _REQUESTS_IN_FLIGHT,
               "Requests in flight at once, over all hosts.", "16", _FETCH_COMMANDS),
    SettingKey("fetch.per_host_concurrency", "fetch.per_host_concurrency", _PER_HOST,
               "Requests in flight at once to one host.", "2"),
    SettingKey("fetch.delay", "fetch.delay", _DELAY,
               "Minimum time between two requests to one host.", "1s", _FETCH_COMMANDS),
    SettingKey("fetch.attempts", "fetch.attempts", _ATTEMPTS,
               "Tries per URL and run (timeouts, 5xx, 429).", "3"),
    SettingKey("fetch.backoff", "fetch.backoff", _BACKOFF,
               "First wait before a retry; doubles, with jitter.", "0.5s"),
    SettingKey("fetch.max_retry_after", "fetch.max_retry_after", _INLINE_WAIT,
               "Longest Retry-After or Crawl-delay honoured inline.", "60s"),
    SettingKey("fetch.max_redirects", "fetch.max_redirects", _REDIRECTS, "Redirects followed per URL.", "10"),
    SettingKey("fetch.user_agent", "fetch.user_agent", HEADER_TEXT,
               "User-Agent header sent with every request.", "scraper/VERSION (+URL)", _FETCH_COMMANDS),
    SettingKey("fetch.respect_robots", "fetch.respect_robots", BOOLEAN, "Do not read or obey robots.txt.",
               "true", _FETCH_COMMANDS, cli_flag="--no-robots", switch=False),
    SettingKey("fetch.allow_private", "fetch.allow_private", BOOLEAN,
               "Allow loopback and private addresses (intranets, tests).", "false", _FETCH_COMMANDS,
               switch=True),
    SettingKey("fetch.proxy", "fetch.proxy", PROXY_URL, "HTTP proxy for every request.",
               "none"),
    # Passwords: in the file only. A flag would show them to every user of the machine (ps); an
    # environment variable is inherited by every child process.
    SettingKey("fetch.credentials", "fetch.credentials", CREDENTIALS,
               "HTTP Basic credentials per host: \"host[:port]\" = \"user:password\".", "{}", env=False),
    SettingKey("run.recheck_after", "run.recheck_after", _RECHECK,
               "A stored page is fetched again after this.", "7d"),
    SettingKey("run.retry_after", "run.retry_after", _RETRY_WAIT,
               "First wait before a failed URL is retried; doubles.", "1h"),
    SettingKey("run.max_attempts", "run.max_attempts", _FAILED_RUNS,
               "Failed runs of a URL before it stays failed.", "5"),
    SettingKey("run.lease", "run.lease", _LEASE,
               "How long a dead worker's claimed URLs stay claimed.", "5m"),
    SettingKey("run.heartbeat", "run.heartbeat", _HEARTBEAT,
               "How often a worker on PostgreSQL says it is alive; its claims go back 3 beats after its "
               "last.", "5s"),
    SettingKey("run.batch_size", "run.batch_size", _BATCH, "URLs claimed at once.", "32"),
    SettingKey("run.workers", "run.workers", _WORKERS, "Extraction processes; 0 = one per core.", "0"),
    SettingKey("run.parse_timeout", "run.parse_timeout", _PARSE_TIME,
               "Longest parse of one page; past it, its worker is killed and the page fails.", "20s"),
    SettingKey("run.parse_memory", "run.parse_memory", _PARSE_MEMORY,
               "Most memory a worker may use for one page; past it, it is killed and the page fails.",
               "1GiB"),
    SettingKey("run.limit", "run.limit", _RUN_LIMIT, "Stop after this many URLs.", "none", ("run",)),
    SettingKey("run.max_time", "run.max_time", _RUN_TIME,
               "End the run after this long: no more claims, pages in flight finish, summary.", "none",
               ("run",)),
    SettingKey("run.stop_grace", "run.stop_grace", _STOP_GRACE,
               "How long a stopping run waits for its pages in flight before giving them back.", "10s"),
    SettingKey("run.lock_file", "run.lock_file", OPTIONAL_TEXT.shown_as("FILE"),
               "The lock that keeps two runs apart.", "next to the DB", relative_path=True),
    SettingKey("run.keep_all_pages", "run.keep_all_pages", BOOLEAN,
               "Store pages of every kind, not only articles (others are skipped as not_article).",
               "false", ("run",), switch=True),
    SettingKey("run.dedup_near", "run.dedup_near", BOOLEAN,
               "Count only exact copies of another URL's text as duplicates, not near copies.",
               "true", ("run",), cli_flag="--no-near-dedup", switch=False),
    SettingKey("run.dedup_threshold", "run.dedup_threshold", _SIMILARITY,
               "The Jaccard similarity of word shingles from which a document is a near copy.", "0.8",
               ("run",)),
    SettingKey("log.format", "log_format", choice("text", "json"),
               "Logs on stderr as plain text or as JSON lines (for cron and log shippers).", "text",
               COMMANDS),
    SettingKey("log.level", "log_level", choice("debug", "info", "warning", "error"),
               "The least severe log records shown (a failed URL is logged at info).", "info", COMMANDS),
)  # fmt: skip
BY_PATH = {key.path: key for key in SETTING_KEYS}
BY_ENV = {key.env_name: key for key in SETTING_KEYS if key.env}
BY_DEST = {key.dest: key for key in SETTING_KEYS}
TABLES = frozenset(key.path.split(".", 1)[0] for key in SETTING_KEYS if "." in key.path)
SOURCE_LISTS = ("urls", "url_files", "feeds", "sitemaps", "pages")


def env_variables() -> dict[str, str]:
    """Environment variable → the scraper.toml key it sets (for the docs and `--help`)."""
    return {name: key.path for name, key in sorted(BY_ENV.items())}


def command_flags(command: str) -> tuple[SettingKey, ...]:
    """The keys `command` takes as flags, in table order (the order of its `--help`)."""
    if command not in COMMANDS:
        raise ValueError(f"{command!r} is not a command that builds Settings: {COMMANDS}")
    return tuple(key for key in SETTING_KEYS if command in key.commands)
