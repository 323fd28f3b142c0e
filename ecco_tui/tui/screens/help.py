"""F1 / ?: the keys of the screen below, as the footer would show them but complete and explained."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.markup import escape
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from ecco_tui.tui.layout import HORIZONTAL_BREAKPOINTS, VERTICAL_BREAKPOINTS

GUIDE = (
    "Browse problems, open a pair (slow → fast by the same user) or a model output, and compare the two "
    "programs test by test. Outcomes: [b]correct-opt[/b] faster and passes every test · [b]spurious-opt[/b] "
    "faster but fails a test · [b]no gain[/b] correct, not faster · [b]broken[/b] fails, not faster · "
    "[b]not run[/b] no stored executions. On a model output, [b]f[/b] asks the configured model (\\[model] in the "
    "config) for one more refinement round, [b]e[/b] edits the program by hand and saves it as a round, "
    "[b]h[/b] lists the rounds with pass@1 and speedup. In a diff, [b]][/b] / [b]\\[[/b] mark the next / previous "
    "change (\"change 3/11\"; they stop at the ends) and [b]w[/b] ignores whitespace-only changes. [b]ctrl+p[/b] "
    "lists every action and finds problems by id or name. [b]q[/b] quits from any screen ([b]ctrl+q[/b] in a text "
    "box), [b]escape[/b] goes back."
)


class HelpScreen(ModalScreen[None]):
    HORIZONTAL_BREAKPOINTS = HORIZONTAL_BREAKPOINTS
    VERTICAL_BREAKPOINTS = VERTICAL_BREAKPOINTS
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,question_mark,f1", "dismiss", "Close", id="help.close"),
        # A modal sees no app bindings: q quits here too, as on every screen.
        Binding("q", "app.quit", "Quit", id="help.quit", show=False),
    ]

    def __init__(self, screen: Screen[object]) -> None:
        super().__init__(id="help")
        self._target = screen

    def compose(self) -> ComposeResult:
        rows: list[str] = []
        seen: set[str] = set()
        for key, active in sorted(self._target.active_bindings.items(), key=lambda kv: kv[1].binding.description):
            binding = active.binding
            if not binding.description or not binding.id or binding.id in seen:
                continue
            seen.add(binding.id)
            shown = escape(self.app.get_key_display(binding) or key)
            tip = escape(binding.tooltip or "")
            rows.append(f"[b $accent]{shown:>10}[/]  {escape(binding.description):<16} [dim]{tip}[/]")
        with Vertical(id="help-dialog"):
            yield Static(Content.from_markup(f"[b]Keys · {escape(self._target.title or self.app.title)}[/b]"),
                         id="help-title")
            # The guide scrolls with the keys: on a short terminal the keys keep the rows and it is below them.
            with VerticalScroll(id="help-keys"):
                yield Static(Content.from_markup("\n".join(rows)))
                yield Static(Content.from_markup(GUIDE), id="help-guide")
            yield Static(Content.from_markup("[dim]escape to close · q to quit[/]"), id="help-footer")
