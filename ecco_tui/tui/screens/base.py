"""What every ecco screen shares: the catalog, a back key, and whether a load is still pending."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.worker import Worker

from ecco_tui.config import Settings
from ecco_tui.services.catalog import Catalog

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
    def catalog(self) -> Catalog:
        return self.ecco.catalog

    @property
    def settings(self) -> Settings:
        """The app's Settings (author, labels, engine, limits); defaults when the app was built without them."""
        found = getattr(self.app, "settings", None)
        return found if isinstance(found, Settings) else Settings(db_path=Path(), db_configured=False)

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
