"""Debounced calls: run a load once the user pauses, not once per key press or cursor step.

Holding the down arrow over the problem table or typing a search would otherwise start a worker (and a
round of DuckDB queries) per step; the debouncer restarts a short timer instead and runs the call once.
`pending` lets tests and the benchmark know a load is still on its way.
"""

from __future__ import annotations

from collections.abc import Callable

from textual.message_pump import MessagePump
from textual.timer import Timer


class Debouncer:
    def __init__(self, owner: MessagePump, delay: Callable[[], float], callback: Callable[[], object]) -> None:
        """`delay` is read at each call, so it can follow the app's settings (tests set it to zero)."""
        self._owner = owner
        self._delay = delay
        self._callback = callback
        self._timer: Timer | None = None

    def __call__(self) -> None:
        """(Re)start the countdown; the callback runs `delay` seconds after the last call."""
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        delay = self._delay()
        if delay <= 0:
            self._callback()
            return
        self._timer = self._owner.set_timer(delay, self._fire, name="debounce")

    def flush(self) -> None:
        """Run a pending call now (e.g. enter pressed before the pause ended)."""
        if self._timer is not None:
            self._timer.stop()
            self._fire()

    def cancel(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None

    @property
    def pending(self) -> bool:
        return self._timer is not None

    def _fire(self) -> None:
        self._timer = None
        self._callback()
