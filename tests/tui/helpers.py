"""Helpers for driving the app the way a person does: press a key, wait for the screen to settle."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Callable

from rich.console import Console
from textual.app import App
from textual.pilot import Pilot

from ecco_tui.tui.app import Delays

SIZE = (120, 40)
#: Debouncing makes a person's key presses cheap; in tests it would only add sleeps. Nor do tests want the
#: periodic check for other processes' writes to reload a screen they are looking at (F5 still does).
NO_DELAYS = Delays(typing=0.0, cursor=0.0, store_check=None)


async def settle(pilot: Pilot[object], *, timeout: float = 10.0) -> None:
    """Wait until no load is scheduled or running, twice in a row (a handler may start the next load).

    Uses short fixed pauses rather than `pilot.pause()`, whose wait-for-idle costs ~60 ms a call.
    """
    app = pilot.app
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    quiet = 0
    while quiet < 2:
        await pilot.pause(0.005)
        if getattr(app, "busy", False):
            quiet = 0
            if loop.time() > deadline:
                raise TimeoutError("the app kept loading")
        else:
            quiet += 1


async def press(pilot: Pilot[object], *keys: str) -> None:
    """Press keys one by one, settling after each (the way a person waits for the screen)."""
    for key in keys:
        await pilot.press(key)
        await settle(pilot)


def screen_text(app: App[object]) -> str:
    """The screen as plain text, as a terminal would show it (modals over their background)."""
    width, height = app.size
    console = Console(width=width, height=height, file=io.StringIO(), force_terminal=True, record=True,
                      legacy_windows=False, safe_box=False, color_system="truecolor")
    console.print(app.screen._compositor.render_update(full=True, screen_stack=app._background_screens))
    return console.export_text()


async def wait_for_text(pilot: Pilot[object], *needles: str, timeout: float = 5.0) -> str:
    """The screen text once it shows every needle (toasts arrive a few messages after their cause)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    text = screen_text(pilot.app)
    while not all(n in text for n in needles):
        if loop.time() > deadline:
            raise AssertionError(f"{needles} not on screen:\n{text}")
        await pilot.pause(0.02)
        text = screen_text(pilot.app)
    return text


def job_threads() -> list[str]:
    """Workbench job threads still alive (a cancelled job must leave none)."""
    import threading

    from ecco_tui.services.workbench import JOB_THREAD_PREFIX

    return [t.name for t in threading.enumerate() if t.name.startswith(JOB_THREAD_PREFIX) and t.is_alive()]


async def wait_until(pilot: Pilot[object], condition: Callable[[], bool], timeout: float = 20.0) -> None:
    """Wait (polling every 50 ms) until `condition()` holds; on a timeout fail showing the screen."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(f"timed out; screen:\n{screen_text(pilot.app)}")
        await pilot.pause(0.05)
