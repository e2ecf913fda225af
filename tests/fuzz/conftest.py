"""Fuzzing with hypothesis: few examples, a deadline on each, no shrinking marathons.

Every input is time-boxed twice: hypothesis fails an example slower than its deadline,
and ``time_box`` interrupts one that would never return (a hang fails instead of
stalling the suite). The whole fuzz suite is meant to stay under two minutes.
"""

from __future__ import annotations

import signal
from contextlib import contextmanager

from hypothesis import HealthCheck, settings

settings.register_profile(
    "portal",
    max_examples=60,
    deadline=3000,  # ms per input
    derandomize=True,  # the same inputs every run: a failure is reproducible in CI
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    print_blob=True,
)
settings.load_profile("portal")


class Hang(Exception):
    """An input that did not finish within its time box."""


@contextmanager
def time_box(seconds: float):
    """Raise ``Hang`` if the block runs longer than ``seconds`` (main thread only)."""

    def expired(signum, frame):
        raise Hang(f"no answer within {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


# The people and assets of the governance tests, for the CSV import's fuzzing.
from tests.governance.conftest import world  # noqa: E402, F401
