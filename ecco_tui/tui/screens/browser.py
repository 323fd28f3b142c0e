"""The problem browser: a paged problem table with filters, and the selected problem's pairs and outputs.

Paging: the table starts with one page (PAGE_SIZE rows) from `Catalog.problem_page`; when the cursor comes
within LOOKAHEAD rows of the last loaded row, the next page is fetched in a worker and appended. Changing
a filter or the order replaces the rows with the first page of the new query. The store is never asked
for every row, so the screen stays instant on the full 1.4k-problem / 50k-pair release.
"""

from __future__ import annotations

from dataclasses import replace
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.markup import escape
from textual.widgets import Footer, Header, Input, Select, Static
from textual.worker import get_current_worker

from ecco_tui.metrics import median_or_none
from ecco_tui.model import ProblemSummary
from ecco_tui.services.catalog import OUTCOME_FILTERS, PROBLEM_SORTS, OutcomeSummary, ProblemDetail
from ecco_tui.tui.debounce import Debouncer
from ecco_tui.tui.formatting import (
    elide_middle,
    fmt_count,
    fmt_pct,
    fmt_ratio,
    fmt_seconds,
    outcome_cell,
    plural,
    readable_statement,
)
from ecco_tui.tui.layout import HORIZONTAL_BREAKPOINTS, VERTICAL_BREAKPOINTS
from ecco_tui.tui.messages import (
    OutcomesLoaded,
    ProblemDetailLoaded,
    ProblemQuery,
    ProblemsPageLoaded,
    SplitsLoaded,
    VerdictsProgress,
    VerdictsRefreshed,
)
from ecco_tui.tui.screens.base import EccoScreen
from ecco_tui.tui.theme_colors import theme_colors
from ecco_tui.tui.widgets.record_table import RecordTable

PAGE_SIZE = 200
LOOKAHEAD = 40
ALL_SPLITS = "*"

ALL_RUNS = "__all_runs__"
ALL_OUTCOMES = "__all_outcomes__"
#: "humans" = the problem's human solutions (programs); "tests" = public+private.
PROBLEM_COLUMNS = ["problem", "split", "name", "humans", "pairs", "outputs", "tests", "pass@1", "speedup"]
PAIR_COLUMNS = ["pair", "row", "slow", "fast"]
#: Most important first: on a narrow terminal the columns on the right are the ones scrolled out of sight, and
#: the outcome must never be one of them (model and method are in the run's name and in the details line).
OUTPUT_COLUMNS = ["run", "rnd", "outcome", "speed", "tests", "model", "method"]
OUTCOME_COLUMN = OUTPUT_COLUMNS.index("outcome")
#: Width of the run and model cells: longer names are cut in the middle (the full one is in the details line).
RUN_WIDTH, MODEL_WIDTH = 16, 10
RUN_OPTION_WIDTH = 20
SORT_LABELS = {"id": "id ↑", "pairs": "pairs ↓", "outputs": "outputs ↓", "programs": "programs ↓",
               "pass1": "pass@1 ↓", "speedup": "speedup ↓", "memory": "mem. reduction ↓"}


def problem_row(p: ProblemSummary) -> tuple[object, ...]:
    """pass@1 is over the judged outputs (of the run filtered on); speedup is the mean over the passing
    editing outputs (a failing output's speedup is spurious)."""
    return (p.problem_id, p.split or "—", escape(p.name or ""), p.n_programs, p.n_pairs, p.n_outputs,
            f"{p.n_public_tests}+{p.n_private_tests}", fmt_pct(None if p.pass_at_1 is None else 100 * p.pass_at_1),
            fmt_ratio(p.mean_speedup))


def outcome_options(labels: tuple[str, ...]) -> list[tuple[str, str]]:
    """The outcome filter's menu: measured outcomes, then the label filters for the configured label set."""
    return [("All outcomes", ALL_OUTCOMES), *((text, key) for key, text in OUTCOME_FILTERS),
            *((f"your label: {label}", f"label:{label}") for label in labels)]


class BrowserScreen(EccoScreen):
    """Problems (paged) → the selected problem's pairs and model outputs."""

    TITLE = "Problems"
    AUTO_FOCUS = "#problems KeyedDataTable"
    HORIZONTAL_BREAKPOINTS = HORIZONTAL_BREAKPOINTS
    VERTICAL_BREAKPOINTS = VERTICAL_BREAKPOINTS
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="nav.back", show=False, tooltip="Back to the problem table"),
        Binding("slash", "focus_search", "Search", id="browser.search", key_display="/",
                tooltip="Fuzzy search on problem id and name"),
        Binding("f", "cycle_split", "Split", id="browser.split", tooltip="Cycle the split filter (all, test, …)"),
        Binding("c", "cycle_outcome", "Outcome", id="browser.outcome",
                tooltip="Cycle the outcome filter: correct, spurious, no gain, broken, unlabeled, labels, …"),
        Binding("o", "cycle_sort", "Sort", id="browser.sort",
                tooltip="Cycle the order: id, pairs, outputs, programs, pass@1, speedup, memory reduction"),
        Binding("s", "spectrum", "Spectrum", id="browser.spectrum",
                tooltip="Human runtime / memory spectrum of the selected problem"),
        Binding("t", "trajectories", "Trajectories", id="browser.trajectories",
                tooltip="Users' successive submissions to the selected problem"),
        Binding("v", "scatter", "Scatter", id="browser.scatter",
                tooltip="Speedup (with interval) vs tests passed for every output of the filtered run, or of "
                        "the selected output's run"),
        Binding("r", "reload", "Reload", id="browser.reload", show=False, tooltip="Reload from the store"),
        Binding("q", "app.quit", "Quit", id="browser.quit", show=False, tooltip="Leave ecco"),
    ]

    def __init__(self) -> None:
        super().__init__(id="browser")
        self.query_state = ProblemQuery()
        self._shown_query: ProblemQuery | None = None
        self._total = 0
        self._loading_more = False
        self._splits: list[str] = []
        self._problem_id: str | None = None
        self._detail: ProblemDetail | None = None
        self._outcomes: dict[str, OutcomeSummary] = {}
        self._open_lists_for: str | None = None
        self._detail_filters: tuple[str | None, str | None] | None = None  # (run, outcome) of the shown outputs
        self._jump_to: str | None = None
        self._search_debounce = Debouncer(self, lambda: self.ecco.delays.typing, self._apply_search)
        self._detail_debounce = Debouncer(self, lambda: self.ecco.delays.cursor, self._load_selected_detail)

    # -- layout -----------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Header(show_clock=False, icon="≡")
        # One row on a wide terminal; on a narrow one the selects and the search stack in two rows.
        with Horizontal(id="filter-bar"):
            with Horizontal(id="filter-selects"):
                yield Select([("All splits", ALL_SPLITS)], value=ALL_SPLITS, allow_blank=False, id="split",
                             compact=True)
                yield Select([("All runs", ALL_RUNS)], value=ALL_RUNS, allow_blank=False, id="run", compact=True)
                yield Select(outcome_options(self.settings.labels), value=ALL_OUTCOMES, allow_blank=False,
                             id="outcome", compact=True)
            with Horizontal(id="filter-search"):
                yield Input(placeholder="/ search id or name (fuzzy)", id="search", compact=True)
                yield Static(id="sort-label")
                yield Static(id="count-label")
        with Horizontal(id="top"):
            # The name is cut to leave room for pass@1 and speedup on a 120-column terminal.
            yield RecordTable(PROBLEM_COLUMNS, id="problems", empty_text="No problems match these filters.",
                              max_column_width=24, column_widths=[None, None, 18, None, None, None, None, None, None])
            with VerticalScroll(id="problem-card"):
                yield Static("Select a problem.", id="problem-info")
        with Horizontal(id="lists"):
            yield RecordTable(PAIR_COLUMNS, id="pairs", empty_text="No pairs for this problem.",
                              max_column_width=16)
            # Fixed run/model/method widths keep the outcome columns in sight; names are cut in the middle.
            yield RecordTable(OUTPUT_COLUMNS, id="outputs", empty_text="No model outputs for this problem.",
                              column_widths=[RUN_WIDTH, None, None, 9, None, MODEL_WIDTH, 11])
        # The highlighted output's full run name, model and method, across the whole width.
        yield Static(id="output-detail", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#problems", RecordTable).border_title = "Problems"
        self.query_one("#pairs", RecordTable).border_title = "Pairs (slow → fast)"
        self.query_one("#outputs", RecordTable).border_title = "Model outputs"
        self.query_one("#problem-card").border_title = "Problem"
        self._update_sort_label()
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self._recolor())
        self.load_splits()
        self.load_problems(self.query_state, 0, False)
        self.refresh_verdicts()

    def on_screen_resume(self) -> None:
        # Back from a compare view whose re-run or labels may have changed verdicts.
        if self.is_mounted and self._shown_query is not None:
            self.refresh_verdicts()

    @property
    def problems(self) -> RecordTable:
        return self.query_one("#problems", RecordTable)

    @property
    def shown_query(self) -> ProblemQuery | None:
        """The query whose rows the table shows (differs from `query_state` while a new one loads)."""
        return self._shown_query

    @property
    def total_problems(self) -> int:
        """How many problems match the current filters (not only the loaded rows)."""
        return self._total

    @property
    def load_pending(self) -> bool:
        return self._search_debounce.pending or self._detail_debounce.pending

    # -- workers ----------------------------------------------------------------------------------
    @work(thread=True, exclusive=True, group="problems", exit_on_error=False)
    def load_problems(self, query: ProblemQuery, offset: int, append: bool) -> None:
        page = self.workbench.problem_page(split=query.split, search=query.search or None, sort=query.sort,
                                         limit=PAGE_SIZE, offset=offset, fuzzy=True, run_id=query.run,
                                         outcome=query.outcome, author=self.settings.author)
        if not get_current_worker().is_cancelled:
            self.post_message(ProblemsPageLoaded(query, page, append))

    @work(thread=True, exclusive=True, group="splits", exit_on_error=False)
    def load_splits(self) -> None:
        # The run's name first (cut in the middle when long: the select shows ~20 cells), then what made it.
        runs = [(f"{elide_middle(r.run_id, RUN_OPTION_WIDTH)} · {r.model} · {r.method}", r.run_id)
                for r in self.workbench.runs()]
        self.post_message(SplitsLoaded(self.workbench.splits(), runs))

    @work(thread=True, exclusive=True, group="verdicts", exit_on_error=False)
    def refresh_verdicts(self) -> None:
        """Recompute stale cached verdicts (after an eval, a re-run, …); reload what shows them."""
        def progress(run_id: str, done: int, total: int) -> None:
            self.post_message(VerdictsProgress(run_id, done, total))

        refreshed = self.workbench.refresh_verdicts(progress)
        if refreshed:
            self.post_message(VerdictsRefreshed(refreshed))

    @work(thread=True, exclusive=True, group="detail", exit_on_error=False)
    def load_detail(self, problem_id: str) -> None:
        worker = get_current_worker()
        query = self.query_state
        self._detail_filters = self._output_filters(query)
        detail = self.workbench.problem_detail(problem_id, run_id=query.run, outcome=query.outcome,
                                             author=self.settings.author)
        if worker.is_cancelled:
            return
        self.post_message(ProblemDetailLoaded(problem_id, detail))
        if detail is not None and detail.outputs:
            outcomes = self.workbench.output_outcomes(problem_id)
            if not worker.is_cancelled:
                self.post_message(OutcomesLoaded(problem_id, outcomes))

    # -- problems ---------------------------------------------------------------------------------
    @on(ProblemsPageLoaded)
    def _page_loaded(self, message: ProblemsPageLoaded) -> None:
        if message.query != self.query_state:
            return
        page = message.page
        rows = [problem_row(p) for p in page.rows]
        keys = [p.problem_id for p in page.rows]
        table = self.problems
        if message.append and self._shown_query == message.query:
            table.append(rows, keys)
        else:
            cursor = self._jump_to or self._problem_id
            table.show(rows, keys, cursor_key=cursor)
            self._shown_query = message.query
            if not rows:
                self._problem_id = None
                self._show_detail(None)
            elif self._problem_id is not None and self._detail_filters != self._output_filters(message.query):
                # The cursor stayed on the same problem, but its outputs list follows the run/outcome filter.
                self.load_detail(self._problem_id)
        self._jump_to = None
        self._total = page.total
        self._loading_more = False
        self._update_count_label()

    @staticmethod
    def _output_filters(query: ProblemQuery) -> tuple[str | None, str | None]:
        return query.run, query.outcome

    def _update_count_label(self) -> None:
        loaded = self.problems.row_count
        text = plural(self._total, "problem")
        if loaded < self._total:
            text += f" · {fmt_count(loaded)} loaded"
        self.query_one("#count-label", Static).update(text)

    def _update_sort_label(self) -> None:
        self.query_one("#sort-label", Static).update(f"sort: {SORT_LABELS[self.query_state.sort]}")

    def _set_query(self, query: ProblemQuery) -> None:
        if query == self.query_state:
            return
        self.query_state = query
        self._loading_more = False
        self._update_sort_label()
        self.load_problems(query, 0, False)

    def _maybe_load_more(self, row: int) -> None:
        table = self.problems
        if (self._loading_more or self._shown_query != self.query_state or table.row_count >= self._total
                or row < table.row_count - LOOKAHEAD):
            return
        self._loading_more = True
        self.load_problems(self.query_state, table.row_count, True)

    @on(RecordTable.Highlighted, "#problems")
    def _problem_highlighted(self, event: RecordTable.Highlighted) -> None:
        self._maybe_load_more(event.row)
        if event.key != self._problem_id:
            self._problem_id = event.key
            self._detail_debounce()

    @on(RecordTable.Chosen, "#problems")
    def _problem_chosen(self, event: RecordTable.Chosen) -> None:
        self._problem_id = event.key
        if self._detail is not None and self._detail.problem.problem_id == event.key:
            self._focus_lists()
        else:
            self._open_lists_for = event.key
            self._detail_debounce.flush()

    def jump_to_problem(self, problem_id: str) -> None:
        """Show `problem_id` whatever the filters: clear them, search for it, put the cursor on it."""
        self._jump_to = problem_id
        self._problem_id = problem_id
        self.query_one("#search", Input).value = problem_id
        self._search_debounce.cancel()
        self.query_one("#split", Select).value = ALL_SPLITS
        self.query_one("#run", Select).value = ALL_RUNS
        self.query_one("#outcome", Select).value = ALL_OUTCOMES
        self._set_query(ProblemQuery(split=None, search=problem_id, sort=self.query_state.sort))
        self.problems.focus()

    # -- filters ----------------------------------------------------------------------------------
    @on(SplitsLoaded)
    def _splits_loaded(self, message: SplitsLoaded) -> None:
        self._splits = message.splits
        select = self.query_one("#split", Select)
        select.set_options([("All splits", ALL_SPLITS), *((s, s) for s in message.splits)])
        select.value = self.query_state.split or ALL_SPLITS
        runs = self.query_one("#run", Select)
        runs.set_options([("All runs", ALL_RUNS), *(message.runs or [])])
        runs.value = self.query_state.run or ALL_RUNS

    @on(Select.Changed, "#split")
    def _split_changed(self, event: Select.Changed) -> None:
        split = None if event.value in (ALL_SPLITS, Select.BLANK) else str(event.value)
        self._set_query(replace(self.query_state, split=split))

    @on(Select.Changed, "#run")
    def _run_changed(self, event: Select.Changed) -> None:
        run = None if event.value in (ALL_RUNS, Select.BLANK) else str(event.value)
        event.select.tooltip = f"run {run}" if run else None  # the full name the select may cut
        self._set_query(replace(self.query_state, run=run))

    @on(Select.Changed, "#outcome")
    def _outcome_changed(self, event: Select.Changed) -> None:
        outcome = None if event.value in (ALL_OUTCOMES, Select.BLANK) else str(event.value)
        self._set_query(replace(self.query_state, outcome=outcome))

    @on(VerdictsProgress)
    def _verdicts_progress(self, message: VerdictsProgress) -> None:
        self.query_one("#count-label", Static).update(
            f"judging {message.run_id}: {fmt_count(message.done)}/{fmt_count(message.total)}")

    @on(VerdictsRefreshed)
    def _verdicts_refreshed(self, message: VerdictsRefreshed) -> None:
        self.action_reload()  # the count label, which showed the progress, is rewritten by the reload

    @on(Input.Changed, "#search")
    def _search_changed(self, event: Input.Changed) -> None:
        self._search_debounce()

    @on(Input.Submitted, "#search")
    def _search_submitted(self, event: Input.Submitted) -> None:
        self._search_debounce.flush()
        self.problems.focus()

    def _apply_search(self) -> None:
        text = self.query_one("#search", Input).value.strip()
        self._set_query(replace(self.query_state, search=text))

    def action_focus_search(self) -> None:
        self.query_one("#search", Input).focus()

    def action_cycle_split(self) -> None:
        choices: list[str | None] = [None, *self._splits]
        current = choices.index(self.query_state.split) if self.query_state.split in choices else 0
        nxt = choices[(current + 1) % len(choices)]
        self.query_one("#split", Select).value = nxt or ALL_SPLITS

    def action_cycle_outcome(self) -> None:
        select = self.query_one("#outcome", Select)
        values = [value for _, value in outcome_options(self.settings.labels)]
        current = values.index(select.value) if select.value in values else 0
        select.value = values[(current + 1) % len(values)]

    def action_cycle_sort(self) -> None:
        nxt = PROBLEM_SORTS[(PROBLEM_SORTS.index(self.query_state.sort) + 1) % len(PROBLEM_SORTS)]
        self._set_query(replace(self.query_state, sort=nxt))

    def action_reload(self) -> None:
        self._shown_query = None
        self.load_problems(self.query_state, 0, False)
        if self._problem_id:
            self.load_detail(self._problem_id)

    def store_changed(self, forced: bool = False) -> None:
        """Runs and splits, the problem rows and the selected problem's detail, where the cursors are. Stale
        cached verdicts are recomputed on F5 only: during someone's `ecco eval` the run is stale after every
        batch, and `ecco eval` refreshes the cache itself when it ends."""
        if not self.is_mounted:
            return
        self.load_splits()
        self.action_reload()
        if forced:
            self.refresh_verdicts()

    def action_back(self) -> None:
        focused = self.focused
        if focused is not None and not self.problems.table_has_focus:
            self.problems.focus()

    # -- detail -----------------------------------------------------------------------------------
    def _load_selected_detail(self) -> None:
        if self._problem_id:
            self.load_detail(self._problem_id)

    @on(ProblemDetailLoaded)
    def _detail_loaded(self, message: ProblemDetailLoaded) -> None:
        if message.problem_id != self._problem_id:
            return
        self._outcomes = {}
        self._show_detail(message.detail)
        if self._open_lists_for == message.problem_id:
            self._open_lists_for = None
            self._focus_lists()

    @on(OutcomesLoaded)
    def _outcomes_loaded(self, message: OutcomesLoaded) -> None:
        if self._detail is None or message.problem_id != self._detail.problem.problem_id:
            return
        self._outcomes = message.outcomes
        colors = theme_colors(self.app)
        outputs = self.query_one("#outputs", RecordTable)
        updates: list[tuple[str, int, object]] = []
        for output_id, summary in message.outcomes.items():
            cells = outcome_cells(summary, colors)
            updates.extend((output_id, OUTCOME_COLUMN + i, cell) for i, cell in enumerate(cells))
        outputs.update_cells(updates)

    def _show_detail(self, detail: ProblemDetail | None) -> None:
        self._detail = detail
        info = self.query_one("#problem-info", Static)
        pairs = self.query_one("#pairs", RecordTable)
        if detail is None:
            info.update("Select a problem.")
            self.query_one("#problem-card").border_title = "Problem"
            pairs.show([], [])
            self.query_one("#outputs", RecordTable).show([], [])
            self._show_output_detail(None)
            return
        info.update(problem_card(detail))
        self.query_one("#problem-card").border_title = detail.problem.problem_id
        pairs.show(
            [(p.pair_id, p.row_idx, p.slow_program_id[:8], p.fast_program_id[:8]) for p in detail.pairs],
            [p.pair_id for p in detail.pairs],
            cursor_key=pairs.cursor_key,  # a reload (another process wrote) keeps the cursor where it was
        )
        pairs.border_title = f"Pairs (slow → fast) · {len(detail.pairs)}"
        self._fill_outputs(detail)

    def _recolor(self) -> None:
        """Table cells carry colours resolved from the theme: refill them when the theme changes."""
        if self._detail is not None:
            self._fill_outputs(self._detail)

    def _fill_outputs(self, detail: ProblemDetail) -> None:
        colors = theme_colors(self.app)
        outputs = self.query_one("#outputs", RecordTable)
        rows = [
            (escape(elide_middle(o.run_id, RUN_WIDTH)), o.round, *outcome_cells(self._outcomes.get(o.output_id),
                                                                                 colors),
             escape(elide_middle(o.model, MODEL_WIDTH)), escape(o.method))
            for o in detail.output_rows
        ]
        keys = [o.output_id for o in detail.output_rows]
        outputs.show(rows, keys, cursor_key=outputs.cursor_key)
        outputs.border_title = f"Model outputs · {len(keys)}"
        if not keys:
            self._show_output_detail(None)

    @on(RecordTable.Highlighted, "#outputs")
    def _output_highlighted(self, event: RecordTable.Highlighted) -> None:
        self._show_output_detail(event.key)

    def _show_output_detail(self, output_id: str | None) -> None:
        """The highlighted output's full run name (cut in the table), model, method and round: in the line
        under the list and as the list's tooltip."""
        detail = self._detail
        row = next((o for o in detail.output_rows if o.output_id == output_id), None) if (
            detail is not None and output_id) else None
        text = output_details(row.run_id, row.model, row.method, row.round) if row is not None else ""
        self.query_one("#output-detail", Static).update(text)
        self.query_one("#outputs", RecordTable).tooltip = text or None

    def _focus_lists(self) -> None:
        pairs = self.query_one("#pairs", RecordTable)
        outputs = self.query_one("#outputs", RecordTable)
        target = pairs if pairs.row_count or not outputs.row_count else outputs
        target.focus()

    @on(RecordTable.Chosen, "#pairs")
    def _pair_chosen(self, event: RecordTable.Chosen) -> None:
        from ecco_tui.tui.screens.compare import CompareScreen

        self.app.push_screen(CompareScreen("pair", event.key))

    @on(RecordTable.Chosen, "#outputs")
    def _output_chosen(self, event: RecordTable.Chosen) -> None:
        from ecco_tui.tui.screens.compare import CompareScreen

        self.app.push_screen(CompareScreen("output", event.key))

    def action_spectrum(self) -> None:
        from ecco_tui.tui.screens.spectrum import SpectrumScreen

        detail = self._detail
        if self._problem_id is None:
            return
        if detail is None or detail.problem.problem_id != self._problem_id:
            self.notify("The problem is still loading.", severity="warning")
            return
        if detail.spectrum is None:
            self.notify(f"{detail.problem.problem_id} has no human spectrum in this store.", severity="warning")
            return
        self.app.push_screen(SpectrumScreen(detail.problem, detail.spectrum))

    def action_scatter(self) -> None:
        from ecco_tui.tui.screens.scatter import ScatterScreen

        run_id = self.query_state.run
        if run_id is None:
            outputs = self.query_one("#outputs", RecordTable)
            key = outputs.cursor_key
            row = next((o for o in self._detail.output_rows if o.output_id == key), None) if (
                self._detail and key) else None
            run_id = row.run_id if row is not None else None
        if run_id is None:
            self.notify("Pick a run in the run filter (or an output of it) to plot its scatter.",
                        severity="warning")
            return
        self.app.push_screen(ScatterScreen(run_id))

    def action_trajectories(self) -> None:
        from ecco_tui.tui.screens.trajectory import TrajectoryScreen

        if not self._problem_id:
            return
        detail = self._detail
        name = detail.problem.name if detail and detail.problem.problem_id == self._problem_id else None
        self.app.push_screen(TrajectoryScreen(self._problem_id, name))


def outcome_cells(summary: OutcomeSummary | None, colors: dict[str, str]) -> tuple[str, str, str]:
    """Outcome, speed and pass-count cells of an output.

    Speed is Runtime(input) / Runtime(output) whether or not the output passes (what makes a spurious
    optimization look attractive; the outcome beside it says which it is), `~` when the times are below
    the timer's resolution; for NL generation, the share of human solutions the output beats.
    """
    if summary is None:
        return outcome_cell("not-run", colors), "—", "—"
    if summary.runtime_percentile is not None:
        speed = f"beats {fmt_pct(summary.runtime_percentile)}"
    else:
        speed = ("~" if summary.below_resolution else "") + fmt_ratio(summary.speedup)
    return outcome_cell(summary.outcome, colors), speed, f"{summary.n_passed}/{summary.n_run}"


def output_details(run_id: str, model: str, method: str, round_: int | None) -> str:
    """The details line of an output (plain text): its run's full name first, whatever the table cut."""
    parts = [f"run {run_id}", f"model {model}", method]
    if round_ is not None:
        parts.append(f"round {round_}")
    return " · ".join(parts)


def problem_card(detail: ProblemDetail) -> Content:
    """The side card: name, split, counts, spectrum summary and the start of the statement."""
    p = detail.problem
    lines = [
        f"[b]{escape(p.name or p.problem_id)}[/b]",
        f"[dim]{p.problem_id} · split {escape(p.split or '—')}[/dim]",
        "",
        f"tests  {detail.n_public_tests} public · {detail.n_private_tests} private",
        f"pairs  {len(detail.pairs)} · outputs {len(detail.outputs)}",
    ]
    if detail.spectrum is not None and detail.spectrum.runtimes_s:
        runtimes = detail.spectrum.runtimes_s
        median = median_or_none(runtimes)
        lines.append(f"spectrum  {len(runtimes)} human solutions · median {fmt_seconds(median)}  [dim](s)[/dim]")
    else:
        lines.append("spectrum  [dim]none[/dim]")
    n_traj = len(detail.trajectories)
    lines.append(f"trajectories  {n_traj}" + ("  [dim](t)[/dim]" if n_traj else ""))
    if p.description:
        lines += ["", escape(readable_statement(p.description.strip()))]
    return Content.from_markup("\n".join(lines))


__all__ = ["LOOKAHEAD", "PAGE_SIZE", "BrowserScreen", "output_details", "problem_card", "problem_row"]
