"""scraper.urls: the one validator, the canonical form, the server (host_key) and the site (site_of)."""

from __future__ import annotations

import ast
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import scraper.urls
from scraper.urls import MAX_URL_LENGTH, host_key, normalise_url, site_of, url_problem

# --- normalise_url ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("HTTPS://News.Example:443/World/Story?b=2&a=1#comments", "https://news.example/World/Story?b=2&a=1"),
        ("http://news.example:80", "http://news.example/"),
        ("http://news.example:8080/x", "http://news.example:8080/x"),
        (
            "https://news.example/a?utm_source=rss&id=7&fbclid=abc&gclid=z&UTM_Medium=m",
            "https://news.example/a?id=7",
        ),
        ("https://news.example/a?utm_campaign=x", "https://news.example/a"),
        ("https://news.example/a b", "https://news.example/a%20b"),
        ("https://news.example/caf%C3%A9", "https://news.example/caf%C3%A9"),
        ("https://news.example/café", "https://news.example/caf%C3%A9"),
        ("  https://news.example/\n", "https://news.example/"),
        ("https://bücher.example/", "https://xn--bcher-kva.example/"),
        ("http://[::1]:8080/x", "http://[::1]:8080/x"),
        ("https://news.example./x", "https://news.example/x"),
        ("https://news.example/?flag", "https://news.example/?flag"),
        ("https://news.example/caf%c3%a9?q=100%", "https://news.example/caf%C3%A9?q=100%25"),
        ("https://news.example/a/./b/../c", "https://news.example/a/c"),
        ("https://news.example/a/b/..", "https://news.example/a/"),
        ("https://news.example/../../x", "https://news.example/x"),
        ("https://a-b_c.news.example/", "https://a-b_c.news.example/"),
    ],
)
def test_normalise_url_canonical_form(raw: str, expected: str) -> None:
    assert normalise_url(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "ftp://news.example/file",
        "javascript:alert(1)",
        "mailto:desk@news.example",
        "/relative/path",
        "https://",
        "http://news.example:99999/",
        "http://exa mple.com/",
        "http://news.example/\x00",
        "https://" + "a" * 5000 + ".example/",
        "https://user:pw@news.example/",  # credentials go in fetch.credentials, never in a stored URL
        "https://@news.example/",
    ],
)
def test_normalise_url_refuses_what_is_not_an_http_url(raw: str) -> None:
    assert normalise_url(raw) is None


@pytest.mark.parametrize("host", ["-news.example", "news.example-", ".news.example", "news..example"])
def test_a_host_name_no_resolver_would_look_up_is_refused_by_everyone(host: str) -> None:
    # Discovery used to queue these and the Fetcher to refuse them: now the one check refuses them.
    url = f"https://{host}/a-story"
    assert normalise_url(url) is None
    assert url_problem(url) == f"invalid host name {host!r}"


def test_normalise_url_is_idempotent() -> None:
    once = normalise_url("HTTP://Example.COM:80/a b/?utm_x=1&q=%7E#f")
    assert once is not None
    assert normalise_url(once) == once


URL_PARTS = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=20)
SCHEMES = st.sampled_from(["http", "HTTPS", "ftp", ""])
HOSTS = st.sampled_from(["news.example", "News.Example.", "bücher.example", "[::1]", "", "a b", "-x.example"])
PORTS = st.sampled_from(["", ":80", ":443", ":8080", ":x"])


@settings(max_examples=300, deadline=None)
@given(scheme=SCHEMES, host=HOSTS, port=PORTS, path=URL_PARTS, query=URL_PARTS, fragment=URL_PARTS)
def test_normalise_url_is_a_fixed_point_refusing_exactly_what_url_problem_refuses(
    scheme: str, host: str, port: str, path: str, query: str, fragment: str
) -> None:
    url = f"{scheme}://{host}{port}/{path}?{query}#{fragment}"
    once = normalise_url(url)
    assert (once is None) == (url_problem(url) is not None)
    if once is not None:
        assert normalise_url(once) == once
        assert once.startswith(("http://", "https://")) and "#" not in once and once.isascii()
        assert host_key(url) == host_key(once) == urlsplit(once).netloc  # the key is the canonical one's
        assert site_of(url) == site_of(once)


# --- url_problem -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("", "empty URL"),
        ("  \t\n", "empty URL"),
        ("https://news.example/" + "a" * MAX_URL_LENGTH, f"URL longer than {MAX_URL_LENGTH} characters"),
        ("https://news.example/\x00", "control character in URL: 'https://news.example/\\x00'"),
        ("http://news.example:99999/", "not a valid URL: Port out of range 0-65535"),
        ("http://[::1/", "not a valid URL: Invalid IPv6 URL"),
        ("ftp://files.example/a", "not an http or https URL: 'ftp://files.example/a'"),
        ("not a url", "not an http or https URL: 'not a url'"),
        ("https://", "no host in URL: 'https://'"),
        ("http://exa mple.com/", "invalid host name 'exa mple.com'"),
        ("http://[fe80::1%25eth0]/", "invalid host name 'fe80::1%25eth0'"),
        (
            "https://user:pw@news.example:8443/a",
            "credentials in URL 'https://***@news.example:8443/a': URLs with user:password@ are refused; "
            "give them for host 'news.example:8443' in the fetch.credentials setting",
        ),
        ("ftp://user:pw@files.example/a", "not an http or https URL: 'ftp://***@files.example/a'"),
    ],
)
def test_url_problem_says_why_a_url_is_refused(raw: str, reason: str) -> None:
    assert url_problem(raw) == reason


@pytest.mark.parametrize(
    "url",
    ["https://news.example/", " HTTP://News.Example:8080/a b?q=1#x ", "http://127.0.0.1:9/", "http://[::1]/"],
)
def test_url_problem_takes_http_urls_as_written(url: str) -> None:
    assert url_problem(url) is None


def test_the_module_needs_only_the_standard_library() -> None:
    # The configuration and the store use it: it must not bring in the HTTP client or a parser.
    tree = ast.parse(Path(scraper.urls.__file__).read_text(encoding="utf-8"))
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    top_level = {name.split(".")[0] for name in imported}
    assert top_level and top_level <= {*sys.stdlib_module_names, "__future__"}, top_level


# --- host_key: the server --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "key"),
    [
        ("http://news.example/a", "news.example"),
        ("https://News.Example./a", "news.example"),
        ("https://news.example:443/a", "news.example"),
        ("http://news.example:80/a", "news.example"),
        ("http://news.example:443/a", "news.example:443"),  # not http's own port: another server
        ("http://news.example:8080/a", "news.example:8080"),
        ("https://bücher.example/", "xn--bcher-kva.example"),
        ("http://[::1]/", "[::1]"),
        ("http://[::1]:8080/", "[::1]:8080"),
        ("http://www.news.example/", "www.news.example"),
    ],
)
def test_host_key_is_the_host_name_and_a_port_that_is_not_the_default(url: str, key: str) -> None:
    assert host_key(url) == key


def test_two_ports_of_one_name_are_two_servers_and_two_schemes_one() -> None:
    assert host_key("http://news.example:8001/") != host_key("http://news.example:8002/")
    assert host_key("http://news.example/a") == host_key("https://news.example/b")


@pytest.mark.parametrize(
    ("url", "key"),
    [
        ("http://Exa Mple.com/", "exa mple.com"),
        ("not a url", ""),
        ("http://[::1/", ""),
        ("https://user:pw@News.Example:8443/a", "news.example"),
    ],
)
def test_host_key_of_a_refused_url_is_the_host_name_it_has(url: str, key: str) -> None:
    assert host_key(url) == key


# --- site_of: the site -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "site"),
    [
        ("https://www.news.example/a", "news.example"),
        ("https://news.example:8080/a", "news.example"),
        ("https://WWW.News.Example./a", "news.example"),
        ("https://www.bücher.example/", "xn--bcher-kva.example"),
        ("https://wwwnews.example/", "wwwnews.example"),
        ("not a url", ""),
    ],
)
def test_site_of_folds_www_and_the_port(url: str, site: str) -> None:
    assert site_of(url) == site


def test_one_site_may_be_two_servers() -> None:
    www, bare = "https://www.news.example/a", "https://news.example/b"
    assert site_of(www) == site_of(bare)
    assert host_key(www) != host_key(bare)
