"""What every ecco screen shares: the workbench, a back key, and whether a load is still pending.

Escape goes back (pops the screen) on every pushed screen; `q` quits from every screen through the app's own
binding (not a priority one, so a text box types the q; ctrl+q, a priority binding, quits from there too).
Modal screens see no app bindings and bind `q` themselves (help, test detail)."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.worker import Worker

from ecco_tui.config import Settings
from ecco_tui.services.workbench import Workbench

if TYPE_CHECKING:
    from ecco_tui.tui.app import EccoApp


class EccoScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="nav.back", tooltip="Back to the previous screen"),
    ]

    @property
    def ecco(self) -> EccoApp:
        return self.app  # type: ignore[return-value]

    @property
    def workbench(self) -> Workbench:
        """Everything a screen loads, saves or runs goes through it (never a store or an engine)."""
        return self.ecco.workbench

    @property
    def settings(self) -> Settings:
        """The app's Settings (author, labels, engine, limits): the one place screens read them from."""
        return self.ecco.settings

    @property
    def load_pending(self) -> bool:
        """A debounced load that has not started yet (workers in flight are tracked by the app)."""
        return False

    @on(Worker.StateChanged)
    def _forward_worker_state(self, event: Worker.StateChanged) -> None:
        self.ecco.worker_state_changed(event)

    def action_back(self) -> None:
        if len(self.app.screen_stack) > 1:
            self.app.pop_screen()

    def store_changed(self, forced: bool = False) -> None:
        """Reload what this screen shows from the store: another process wrote to it (the app checks every
        few seconds), or the user pressed F5 (`forced`: also what is costly to recompute). Screens that show
        nothing from the store keep this no-op."""
