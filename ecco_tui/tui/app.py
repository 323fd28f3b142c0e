"""The Textual app: a screen stack over one Catalog.

`run_app` is what the CLI calls: it opens the store through `workspace.open_for_app` (read-only, with a
notice, when another process has the file open), builds a Catalog and runs EccoApp. Tests build EccoApp
directly on any store.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from textual import on
from textual.app import App
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from ecco_tui.config import Settings
from ecco_tui.services.catalog import Catalog
from ecco_tui.services.engines import UNSANDBOXED, runs_unsandboxed
from ecco_tui.tui.commands import ActionCommands, ProblemCommands
from ecco_tui.tui.screens.browser import BrowserScreen
from ecco_tui.tui.screens.help import HelpScreen

STYLES = Path(__file__).parent / "styles"


@dataclass(frozen=True, slots=True)
class Delays:
    """How long the app waits for the user to pause before loading (seconds).

    `typing` debounces the search box, `cursor` the problem detail while the cursor moves. Tests pass
    zeros so they do not sleep; the defaults are short enough to feel instant and long enough that holding
    a key does not start a load per row.
    """

    typing: float = 0.25
    cursor: float = 0.12

DARK_THEME = "textual-dark"
LIGHT_THEME = "textual-light"


class EccoApp(App[None]):
    """ecco-tui: problems → pairs and model outputs → side-by-side compare → per-test results."""

    TITLE = "ecco"
    CSS_PATH: ClassVar[list[str | Path]] = [
        STYLES / "app.tcss",
        STYLES / "browser.tcss",
        STYLES / "compare.tcss",
        STYLES / "plots.tcss",
        STYLES / "modals.tcss",
    ]
    COMMANDS = App.COMMANDS | {ActionCommands, ProblemCommands}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("question_mark,f1", "help", "Help", id="app.help", key_display="?",
                tooltip="Every key of this screen, explained"),
        Binding("ctrl+t", "toggle_theme", "Theme", id="app.theme", show=False,
                tooltip="Switch between dark and light"),
        Binding("ctrl+q", "quit", "Quit", id="app.quit", show=False, tooltip="Leave ecco", priority=True),
        # ECCO-FIX (screens/ecco_fix.py): the almost-correct outputs queue.
        Binding("F", "ecco_fix", "ECCO-FIX queue", id="app.ecco_fix", show=False,
                tooltip="Almost-correct model outputs: fix and save them"),
    ]

    def __init__(
        self,
        catalog: Catalog,
        *,
        notice: str | None = None,
        store_notice: str | None = None,
        delays: Delays | None = None,
        settings: Settings | None = None,
    ) -> None:
        super().__init__()
        self.catalog = catalog
        # Author, engine and limits for labels and re-runs; screens fall back to defaults without them.
        self.settings = settings
        self.delays = delays or Delays()
        self._notices = [(n, "information") for n in (notice,) if n]
        if store_notice:
            self._notices.append((store_notice, "warning"))
        self.store_notice = store_notice

    @property
    def unsandboxed(self) -> bool:
        """Whether re-runs, refinements and fixes would run untrusted code without bubblewrap (settings say so)."""
        return self.settings is not None and runs_unsandboxed(self.settings)

    def format_title(self, title: str, sub_title: str) -> Content:
        """Every screen's title bar; led by UNSANDBOXED in bold red when the app runs programs unsandboxed (first,
        so a long title's ellipsis never hides it)."""
        content = super().format_title(title, sub_title)
        return Content.assemble((UNSANDBOXED, "bold red"), " · ", content) if self.unsandboxed else content

    def get_default_screen(self) -> Screen[object]:
        return BrowserScreen()

    def on_mount(self) -> None:
        self.sub_title = self.catalog.label + (" · read-only" if self.catalog.read_only else "")

    def on_ready(self) -> None:
        """Notices go out once the first screen is up (a toast posted earlier has nowhere to show)."""
        for message, severity in self._notices:
            self.notify(message, severity=severity, timeout=10)  # type: ignore[arg-type]

    # -- actions ----------------------------------------------------------------------------------
    def action_help(self) -> None:
        if isinstance(self.screen, HelpScreen):
            return
        self.push_screen(HelpScreen(self.screen))

    def action_toggle_theme(self) -> None:
        self.theme = LIGHT_THEME if self.current_theme.dark else DARK_THEME

    def action_ecco_fix(self) -> None:
        """Open the ECCO-FIX queue (once: pressing F on it again does nothing)."""
        from ecco_tui.tui.screens.ecco_fix import EccoFixScreen

        if not isinstance(self.screen, EccoFixScreen):
            self.push_screen(EccoFixScreen())

    def show_problem(self, problem_id: str) -> None:
        """Go back to the browser and put the cursor on `problem_id` (palette "open problem")."""
        while len(self.screen_stack) > 1 and not isinstance(self.screen, BrowserScreen):
            self.pop_screen()
        browser = self.screen
        if isinstance(browser, BrowserScreen):
            browser.jump_to_problem(problem_id)

    # -- one place for worker failures ------------------------------------------------------------
    @on(Worker.StateChanged)
    def worker_state_changed(self, event: Worker.StateChanged) -> None:
        """Report a failed worker. Worker messages do not bubble, so every EccoScreen forwards its own
        workers' state changes here: this stays the one place that decides what a failure looks like."""
        worker = event.worker
        if event.state is WorkerState.ERROR and worker.error is not None:
            self.log.error(f"worker {worker.name} failed", worker.error)
            self.notify(f"{type(worker.error).__name__}: {worker.error}", title=f"Could not load ({worker.group})",
                        severity="error", timeout=10)

    # -- for tests and the benchmark --------------------------------------------------------------
    @property
    def busy(self) -> bool:
        """True while a load is scheduled or running: tests wait for this before looking at the screen."""
        if any(w.state in (WorkerState.PENDING, WorkerState.RUNNING) for w in self.workers):
            return True
        return any(getattr(screen, "load_pending", False) for screen in self.screen_stack)


def open_app(settings: Settings, notice: str | None = None) -> tuple[EccoApp, Callable[[], None]]:
    """The app on the store named by `settings`, and how to close that store when the app is done.

    Opens read-write; when another process has the file open (a reader), opens read-only and the app says
    so in a toast and in its subtitle. DuckDB refuses even a read-only connection while another process
    *writes* the file: then `StoreLockedError` propagates and the CLI prints its one-line error.
    """
    from ecco_tui.services.workspace import open_for_app

    store, store_notice = open_for_app(settings.db_path)
    return EccoApp(Catalog(store), notice=notice, store_notice=store_notice, settings=settings), store.close


def run_app(settings: Settings, notice: str | None = None) -> None:
    """Open the store named by `settings` and run the app until the user quits."""
    app, close = open_app(settings, notice)
    try:
        app.run()
    finally:
        close()
