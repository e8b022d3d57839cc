"""Pure politeness decisions: robots rules, per-host pacing, retry/backoff. No I/O, no waiting."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from scraper.politeness import (
    HostSchedule,
    RetryAction,
    RetryPolicy,
    RobotsRules,
    parse_retry_after,
    robots_product_token,
)

NOW = datetime(2026, 11, 26, 12, 0, 0, tzinfo=UTC)
UA = "scraper/0.1.0 (+https://github.com/scraper-project/scraper)"

ROBOTS = """
User-agent: otherbot
Disallow: /

User-agent: scraper
Disallow: /private/
Allow: /private/open
Crawl-delay: 7

User-agent: *
Disallow: /
"""


def test_product_token_is_taken_from_the_user_agent() -> None:
    assert robots_product_token(UA) == "scraper"
    assert robots_product_token("MyBot") == "MyBot"


def test_robots_rules_match_our_group_not_the_wildcard() -> None:
    rules = RobotsRules.parse(ROBOTS, UA)
    assert rules.allows("https://a.test/articles/1")
    assert not rules.allows("https://a.test/private/x")
    assert rules.allows("https://a.test/private/open")


def test_crawl_delay_is_capped() -> None:
    rules = RobotsRules.parse(ROBOTS, UA)
    assert rules.crawl_delay(cap=60) == 7
    assert rules.crawl_delay(cap=2) == 2
    assert RobotsRules.parse("User-agent: *\nDisallow:\n", UA).crawl_delay(cap=60) is None


def test_allow_all_and_unavailable() -> None:
    assert RobotsRules.allow_all().allows("https://a.test/anything")
    assert not RobotsRules.unavailable().allows("https://a.test/anything")
    assert not RobotsRules.unavailable().available


def test_host_schedule_spaces_starts_by_the_delay() -> None:
    schedule = HostSchedule(delay=2.0, per_host=2)
    assert schedule.wait_before_start("a", now=100.0) == 0
    schedule.started("a", now=100.0)
    assert schedule.wait_before_start("a", now=100.5) == pytest.approx(1.5)
    assert schedule.wait_before_start("b", now=100.5) == 0  # hosts are independent
    schedule.started("a", now=102.0)
    assert schedule.wait_before_start("a", now=102.0) == pytest.approx(2.0)


def test_host_schedule_counts_slots() -> None:
    schedule = HostSchedule(delay=0.0, per_host=2)
    schedule.started("a", now=0)
    assert schedule.has_free_slot("a")
    schedule.started("a", now=0)
    assert not schedule.has_free_slot("a")
    assert schedule.in_flight("a") == 2
    schedule.finished("a")
    assert schedule.has_free_slot("a")


def test_crawl_delay_never_lowers_the_configured_delay_and_applies_from_the_last_start() -> None:
    schedule = HostSchedule(delay=1.0, per_host=1)
    schedule.set_delay("slow", 0.1)
    assert schedule.delay_for("slow") == 1.0
    schedule.started("slow", now=10.0)  # e.g. the robots.txt request
    schedule.set_delay("slow", 5.0)
    assert schedule.wait_before_start("slow", now=10.0) == pytest.approx(5.0)


def test_parse_retry_after_seconds_and_http_date() -> None:
    assert parse_retry_after("120", NOW) == 120
    later = (NOW + timedelta(seconds=90)).strftime("%a, %d %b %Y %H:%M:%S GMT")
    assert parse_retry_after(later, NOW) == pytest.approx(90)
    past = (NOW - timedelta(days=1)).strftime("%a, %d %b %Y %H:%M:%S GMT")
    assert parse_retry_after(past, NOW) == 0
    assert parse_retry_after("soon", NOW) is None
    assert parse_retry_after(None, NOW) is None


def policy(**kw: float) -> RetryPolicy:
    values = {"attempts": 3, "backoff": 1.0, "max_wait": 60.0, **kw}
    return RetryPolicy(int(values["attempts"]), values["backoff"], values["max_wait"], rng=lambda: 0.5)


@pytest.mark.parametrize("status", [408, 429, 500, 502, 503, 504])
def test_transient_statuses_are_retried(status: int) -> None:
    assert policy().decide(1, NOW, http_status=status).action is RetryAction.RETRY


@pytest.mark.parametrize("status", [200, 301, 304, 400, 403, 404, 410])
def test_other_statuses_are_not_retried(status: int) -> None:
    assert policy().decide(1, NOW, http_status=status).action is RetryAction.GIVE_UP


def test_errors_retried_by_kind() -> None:
    assert policy().decide(1, NOW, error_kind="timeout").action is RetryAction.RETRY
    assert policy().decide(1, NOW, error_kind="connect").action is RetryAction.RETRY
    for kind in ("too_large", "blocked_address", "invalid_url", "decoding"):
        assert policy().decide(1, NOW, error_kind=kind).action is RetryAction.GIVE_UP


def test_gives_up_after_the_last_attempt() -> None:
    assert policy(attempts=3).decide(2, NOW, http_status=503).action is RetryAction.RETRY
    assert policy(attempts=3).decide(3, NOW, http_status=503).action is RetryAction.GIVE_UP


def test_backoff_doubles_with_jitter_and_is_capped() -> None:
    low = RetryPolicy(5, 1.0, 6.0, rng=lambda: 0.0)
    high = RetryPolicy(5, 1.0, 6.0, rng=lambda: 1.0)
    assert [low.backoff_for(n) for n in (1, 2, 3, 4)] == [0.5, 1.0, 2.0, 3.0]
    assert [high.backoff_for(n) for n in (1, 2, 3, 4)] == [1.0, 2.0, 4.0, 6.0]


def test_retry_after_within_cap_is_the_wait() -> None:
    decision = policy().decide(1, NOW, http_status=503, headers={"retry-after": "7"})
    assert decision.action is RetryAction.RETRY
    assert decision.wait == 7


def test_retry_after_beyond_cap_defers() -> None:
    decision = policy(max_wait=60).decide(1, NOW, http_status=429, headers={"retry-after": "3600"})
    assert decision.action is RetryAction.DEFER
    assert decision.retry_at == NOW + timedelta(seconds=3600)


def test_idle_hosts_whose_delay_has_passed_are_forgotten() -> None:
    schedule = HostSchedule(delay=1.0, per_host=1)
    now = 0.0
    for i in range(10_000):  # a crawl over 10,000 hosts, one request each, 100 a second
        host = f"h{i}"
        assert schedule.wait_before_start(host, now) == 0
        schedule.started(host, now)
        if i != 0:
            schedule.finished(host)  # h0 stays in flight
        now += 0.01
    schedule.forget_idle(now, busy={"h9000"})
    # Kept: the one in flight, the one busy, and the ~100 hosts of the last second, whose delay is pending.
    assert schedule.known_hosts <= 110
    assert schedule.in_flight("h0") == 1
    assert schedule.wait_before_start("h9999", now) == pytest.approx(0.99)
    assert schedule.wait_before_start("h5000", now) == 0  # forgotten: nothing to wait for
