"""The Textual app: a screen stack over one Workbench (services/workbench.py).

`run_app` is what the CLI calls: it opens the store through `workspace.open_for_app`, builds the Workbench and
runs EccoApp. Tests build EccoApp directly on a Workbench over any store. Screens reach the workbench as
`self.workbench` and never see the store or an engine.

The app never holds the store file while idle (the store opens it per unit of work), so `ecco eval`, `ecco
label` or a second app can use it meanwhile. To show what they wrote, the app checks every `Delays.store_check`
seconds whether the file changed (a `stat`; a count query only when it did) and then asks every screen to
reload; F5 does the same at once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import Any, ClassVar

from textual import on, work
from textual.app import App
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from ecco_tui.config import Settings
from ecco_tui.services.engines import UNSANDBOXED
from ecco_tui.services.workbench import Workbench
from ecco_tui.tui.commands import ActionCommands, ProblemCommands
from ecco_tui.tui.messages import StoreBusy, StoreChanged
from ecco_tui.tui.screens.browser import BrowserScreen
from ecco_tui.tui.screens.help import HelpScreen

STYLES = Path(__file__).parent / "styles"


@dataclass(frozen=True, slots=True)
class Delays:
    """How long the app waits for the user to pause before loading (seconds).

    `typing` debounces the search box, `cursor` the problem detail while the cursor moves. Tests pass
    zeros so they do not sleep; the defaults are short enough to feel instant and long enough that holding
    a key does not start a load per row. `store_check` is how often the app looks for writes by other
    processes (a `stat` of the file, so cheap that a few seconds keeps what is shown fresh); None never
    looks (tests that want no reload they did not ask for), F5 still does.
    """

    typing: float = 0.25
    cursor: float = 0.12
    store_check: float | None = 2.0


#: Worker group of the periodic "did the store change?" check.
STORE_CHECK = "store-check"

DARK_THEME = "textual-dark"
LIGHT_THEME = "textual-light"


class EccoApp(App[None]):
    """ecco-tui: problems → pairs and model outputs → side-by-side compare → per-test results."""

    TITLE = "ecco"
    CSS_PATH: ClassVar[list[str | PurePath]] = [
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
        # Not a priority binding: in a text box (search, the editors) q types a q, and ctrl+q still quits.
        Binding("q", "quit", "Quit", id="app.quit_q", show=False, tooltip="Leave ecco (ctrl+q in a text box)"),
        Binding("f5", "refresh_store", "Refresh", id="app.refresh", show=False,
                tooltip="Reload what is shown from the store now (other processes' writes show within "
                        "seconds anyway)"),
        # ECCO-FIX (screens/ecco_fix.py): the almost-correct outputs queue.
        Binding("F", "ecco_fix", "ECCO-FIX queue", id="app.ecco_fix", show=False,
                tooltip="Almost-correct model outputs: fix and save them"),
    ]

    def __init__(
        self,
        workbench: Workbench,
        *,
        notice: str | None = None,
        store_notice: str | None = None,
        delays: Delays | None = None,
    ) -> None:
        super().__init__()
        self.workbench = workbench
        self.delays = delays or Delays()
        self._notices = [(n, "information") for n in (notice,) if n]
        if store_notice:
            self._notices.append((store_notice, "warning"))
        self.store_notice = store_notice

    @property
    def settings(self) -> Settings:
        """The workbench's settings (author, labels, engine, limits, model): one copy for every screen."""
        return self.workbench.settings

    @property
    def unsandboxed(self) -> bool:
        """Whether re-runs, refinements and fixes would run untrusted code without bubblewrap (settings say so)."""
        return self.workbench.unsandboxed

    def format_title(self, title: str, sub_title: str) -> Content:
        """Every screen's title bar; led by UNSANDBOXED in bold red when the app runs programs unsandboxed (first,
        so a long title's ellipsis never hides it)."""
        content = super().format_title(title, sub_title)
        return Content.assemble((UNSANDBOXED, "bold red"), " · ", content) if self.unsandboxed else content

    def get_default_screen(self) -> Screen[Any]:
        return BrowserScreen()

    def on_mount(self) -> None:
        self.sub_title = self.workbench.label + (" · read-only" if self.workbench.read_only else "")
        # Workers wait (and retry) while another process holds the file: say so instead of looking stuck.
        self.workbench.on_store_busy(self._tell_store_busy)
        if self.delays.store_check:
            self.set_interval(self.delays.store_check, self._check_store, name="store-check")

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

    def action_refresh_store(self) -> None:
        self.post_message(StoreChanged(forced=True))

    def _check_store(self) -> None:
        if not any(w.group == STORE_CHECK and w.state in (WorkerState.PENDING, WorkerState.RUNNING)
                   for w in self.workers):
            self.check_store()

    @work(thread=True, group=STORE_CHECK, exit_on_error=False)
    def check_store(self) -> None:
        """Whether another process changed what the app shows since the last check: a `stat`, and a count query
        only when the file moved. A worker, so a busy file never stalls the screen."""
        if self.workbench.store_changed():
            self.post_message(StoreChanged())

    @on(StoreChanged)
    def _store_changed(self, message: StoreChanged) -> None:
        """Every screen on the stack reloads what it shows (the ones below too, so going back shows fresh data)."""
        for screen in self.screen_stack:
            store_changed = getattr(screen, "store_changed", None)
            if callable(store_changed):
                store_changed(message.forced)
        if message.forced:
            self.notify("Reloaded from the store.", timeout=2)

    def _tell_store_busy(self, text: str) -> None:
        """From whichever thread waits: posting a message is thread-safe and never blocks that thread."""
        self.post_message(StoreBusy(text))

    @on(StoreBusy)
    def _store_busy(self, message: StoreBusy) -> None:
        self.notify(message.text, title="Waiting for the store", severity="warning", timeout=5)

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
        """True while a load is scheduled or running: tests wait for this before looking at the screen (the
        periodic store check is not a load: when it finds a change, the reloads it starts are)."""
        if any(w.state in (WorkerState.PENDING, WorkerState.RUNNING) and w.group != STORE_CHECK
               for w in self.workers):
            return True
        return any(getattr(screen, "load_pending", False) for screen in self.screen_stack)


def open_app(settings: Settings, notice: str | None = None) -> tuple[EccoApp, Callable[[], None]]:
    """The app on the store named by `settings`, and how to release that store when the app is done.

    The store is checked (and migrated) here, waiting with a message on stderr while another process holds
    it; after that the app opens it only per unit of work. After a minute of waiting `StoreLockedError`
    propagates and the CLI prints its one-line error.
    """
    from ecco_tui.services.workspace import open_for_app

    store, store_notice = open_for_app(settings.db_path)
    workbench = Workbench(store, settings)
    return EccoApp(workbench, notice=notice, store_notice=store_notice), workbench.close


def run_app(settings: Settings, notice: str | None = None) -> None:
    """Open the store named by `settings` and run the app until the user quits."""
    app, close = open_app(settings, notice)
    try:
        app.run()
    finally:
        close()
