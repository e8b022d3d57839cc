"""How claims end other than by a save, written once for both backends: released (a dead worker's, or
every claim when the caller knows no other worker is alive), given back (claims a stopping run never
started), and the heartbeats that tell a live worker from a dead one on a shared store.

A released claim counts an attempt, as an expired lease always did: a page that kills every run that
fetches it (the kernel's OOM killer, say) ends up failed instead of killing runs forever. A claim given
back counts none: nothing was tried.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._schema import CLAIMED_SQL, FAILED_SQL, PENDING_SQL, sql_literal

if TYPE_CHECKING:
    from ._sql import Dialect

__all__ = ["beat", "end_worker", "forget_dead_workers", "give_back", "release", "renew_lease"]

LEASE_MESSAGE = sql_literal("the lease expired before its worker saved a result")
DEAD_WORKER_MESSAGE = sql_literal("its worker stopped beating before it saved a result")
ENDED_RUN_MESSAGE = sql_literal("the run that claimed it ended before it saved a result")


def release(dialect: Dialect, *, every: bool) -> str:
    """The statement returning claims to pending (or failed after `max` attempts): with `every`, all of
    them; else those whose lease expired or whose worker is past its `dead_after`. Named parameters:
    `max`, `now`, `reason`."""
    cap, now, reason = (dialect.named.format(name) for name in ("max", "now", "reason"))
    if every:
        which, message = "", ENDED_RUN_MESSAGE
    else:
        which = (
            f" AND (lease_expires_at < {now} OR claimed_by IN "
            f"(SELECT name FROM workers WHERE dead_after < {now}))"
        )
        message = f"CASE WHEN lease_expires_at < {now} THEN {LEASE_MESSAGE} ELSE {DEAD_WORKER_MESSAGE} END"
    # Rows a renewal, claim or save holds right now are passed over, not waited for: they are in use,
    # and a release taking rows in another order than a late renewal could deadlock with it.
    return f"""
        UPDATE urls SET
            attempts = attempts + 1,
            state = CASE WHEN attempts + 1 >= {cap} THEN {FAILED_SQL} ELSE {PENDING_SQL} END,
            next_attempt_at = CASE WHEN attempts + 1 >= {cap} THEN NULL ELSE {now} END,
            reason = {reason},
            message = {message},
            lease_expires_at = NULL,
            claimed_by = NULL
        WHERE id IN (
            SELECT id FROM urls WHERE state = {CLAIMED_SQL}{which}{dialect.lock_free_rows}
        )
        """


def forget_dead_workers(dialect: Dialect) -> str:
    """The heartbeat rows of dead workers that hold no claim any more: the table keeps live workers only."""
    return (
        f"DELETE FROM workers WHERE dead_after < {dialect.param} AND NOT EXISTS "
        f"(SELECT 1 FROM urls WHERE state = {CLAIMED_SQL} AND claimed_by = workers.name)"
    )


def renew_lease(dialect: Dialect) -> str:
    # The state and token test makes a stale claim a no-op: a URL released or claimed again keeps the
    # lease its current holder has. PostgreSQL re-checks it against a release or claim committed while
    # this waited for the row lock.
    p = dialect.param
    return f"UPDATE urls SET lease_expires_at = {p} WHERE id = {p} AND state = {CLAIMED_SQL} AND token = {p}"


def give_back(dialect: Dialect) -> str:
    # Due as it was before the claim; its reason and message (of an earlier failure) stay. The token
    # test leaves a URL saved or claimed again meanwhile as it is.
    p = dialect.param
    return (
        f"UPDATE urls SET state = {PENDING_SQL}, lease_expires_at = NULL, claimed_by = NULL "
        f"WHERE id = {p} AND state = {CLAIMED_SQL} AND token = {p}"
    )


def beat(dialect: Dialect) -> str:
    return (
        f"INSERT INTO workers (name, last_beat, dead_after) VALUES ({dialect.params(3)}) "
        "ON CONFLICT (name) DO UPDATE SET last_beat = excluded.last_beat, dead_after = excluded.dead_after"
    )


def end_worker(dialect: Dialect) -> str:
    return f"DELETE FROM workers WHERE name = {dialect.param}"
