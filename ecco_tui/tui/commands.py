"""Command palette: every key-bound action of the current screen, plus jumping to a problem by id or name.

The actions are read from the calling screen's active bindings, so the palette can never drift from the
keys: a binding with an id is an action, and it appears here with its description and tooltip.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any, cast

from textual.command import DiscoveryHit, Hit, Hits, Provider, SimpleCommand
from textual.dom import DOMNode
from textual.markup import escape

if TYPE_CHECKING:
    from ecco_tui.tui.app import EccoApp


class ActionCommands(Provider):
    """The screen's actions, named as in the footer, and the app-wide entries of PALETTE_COMMANDS."""

    def _actions(self) -> list[tuple[str, str, Callable[[], Any]]]:
        seen: set[str] = set()
        found: list[tuple[str, str, Callable[[], Any]]] = []
        for key, active in self.screen.active_bindings.items():
            binding = active.binding
            if not binding.id or not binding.description or binding.id in seen or not active.enabled:
                continue
            seen.add(binding.id)
            key_display = self.app.get_key_display(binding)
            title = f"{binding.description}"
            help_text = escape(f"{binding.tooltip or binding.description} · key {key_display or key}")
            found.append((title, help_text, partial(self._run, binding.action, active.node)))
        for title, help_text, command in PALETTE_COMMANDS:
            found.append((title, escape(help_text), partial(command, cast("EccoApp", self.app))))
        return sorted(found, key=lambda item: item[0].lower())

    async def _run(self, action: str, node: DOMNode) -> None:
        await self.app.run_action(action, node)

    async def discover(self) -> Hits:
        for title, help_text, callback in self._actions():
            yield DiscoveryHit(title, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, callback in self._actions():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), callback, help=help_text)


class ProblemCommands(Provider):
    """Type a problem id or name: the palette offers to show it in the browser."""

    async def search(self, query: str) -> Hits:
        if len(query.strip()) < 2:
            return
        app: EccoApp = self.app  # type: ignore[assignment]
        page = await asyncio.to_thread(app.workbench.problem_page, search=query, limit=8, fuzzy=True)
        matcher = self.matcher(query)
        needle = query.strip().lower()
        for row in page.rows:
            label = f"{row.problem_id}  {row.name or ''}".rstrip()
            # A problem whose id or name contains the query outranks fuzzy action matches.
            score = 1.0 if needle in label.lower() else max(matcher.match(label), 0.1)
            yield Hit(
                score,
                matcher.highlight(label),
                partial(app.show_problem, row.problem_id),
                help=escape(f"Open problem · {row.split or '-'} · {row.n_pairs} pairs · {row.n_outputs} outputs"),
            )


async def choose_run_for_scatter(app: EccoApp) -> None:
    """The "Scatter of run…" entry: a second palette lists the runs (editing runs first); enter opens one."""
    from ecco_tui.tui.screens.scatter import open_scatter

    runs = await asyncio.to_thread(app.workbench.runs)
    if not runs:
        app.notify("This store has no runs: import model outputs first (ecco import-outputs).", severity="warning")
        return
    runs = sorted(runs, key=lambda r: (r.task != "edit", r.run_id))
    app.search_commands(
        [SimpleCommand(r.run_id, partial(open_scatter, app, r.run_id),
                       escape(f"{r.model} · {r.method} · {r.task} · {r.split} · {r.n_outputs} outputs"))
         for r in runs],
        placeholder="Scatter of which run?",
    )


def open_leaderboard(app: EccoApp) -> None:
    """The "Leaderboard" entry: every efficiency metric of the field, runs x metrics, and how far they agree."""
    from ecco_tui.tui.screens.leaderboard import open_leaderboard as show

    show(app)


#: Palette entries that are not a screen's key binding: (title, help, coroutine or function taking the app).
PALETTE_COMMANDS: list[tuple[str, str, Callable[[EccoApp], Any]]] = [
    ("Scatter of run…", "Speedup × tests passed for every output of a run: correct vs spurious optimizations",
     choose_run_for_scatter),
    ("Leaderboard: every efficiency metric side by side",
     "Runs × metrics (ENAMEL, EvalPerf, Mercury, PIE, COFFE, EffiBench) with ranks, and Kendall's tau between "
     "the metrics' rankings", open_leaderboard),
]
