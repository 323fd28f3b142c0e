"""A second ecco app in a process of its own, labeling by key presses (driven by tests/tui/test_side_by_side.py).

    python -m tests.tui.label_app DB AUTHOR KEY KIND:ID...

Opens the app headless on DB, prints "ready" once the browser shows, then for each target waits for a line on
stdin, opens the target's compare view, presses KEY (a label digit), waits until the label is saved and
prints "labelled KIND:ID". The test interleaves its own app's labels with these lines, so both apps write to
the one store while both are open.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from ecco_tui.config import Settings
from ecco_tui.services.workbench import Workbench
from ecco_tui.store.store import Store
from ecco_tui.tui.app import Delays, EccoApp
from ecco_tui.tui.screens.compare import CompareScreen
from tests.tui.helpers import SIZE, settle


def say(line: str) -> None:
    # The real stdout: Textual captures print() while an app runs.
    sys.__stdout__.write(line + "\n")
    sys.__stdout__.flush()


async def main(db: Path, author: str, key: str, targets: list[str]) -> None:
    store = Store.open(db)
    app = EccoApp(Workbench(store, Settings(db_path=db, db_configured=True, author=author)),
                  delays=Delays(typing=0.0, cursor=0.0, store_check=None))
    try:
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            say("ready")
            for target in targets:
                if not await asyncio.to_thread(sys.stdin.readline):
                    return
                kind, _, target_id = target.partition(":")
                screen = CompareScreen(kind, target_id)
                await app.push_screen(screen)
                await settle(pilot)
                await pilot.press(key)
                await settle(pilot)
                while screen.annotation is None or screen.annotation.author != author:  # the LabelLoaded message
                    await pilot.pause(0.01)
                say(f"labelled {target}")
                await app.pop_screen()
                await settle(pilot)
    finally:
        store.close()


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4:]))
