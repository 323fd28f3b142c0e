"""Numbers and badges as the TUI shows them: one place, so every screen prints a speedup the same way.

Badges come in two flavours: Textual content markup with theme variables (`$success`), for widgets that
render Content, and Rich markup with the theme's resolved colours, for table cells (textual-fastdatatable
renders cells through Rich, which knows nothing of Textual's variables).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping

from rich.markup import escape

#: outcome → (short label, theme variable). The variables follow the paper's reading: green is a correct
#: optimization, amber a spurious one (faster *because* it is wrong), red broken.
OUTCOMES: dict[str, tuple[str, str]] = {
    "correct-optimization": ("✔ correct-opt", "success"),
    "spurious-optimization": ("⚠ spurious-opt", "warning"),
    "correct-no-gain": ("= no gain", "primary"),
    "within-noise": ("≈ within noise", "secondary"),
    "broken": ("✘ broken", "error"),
    "not-run": ("· not run", "foreground-muted"),
    # NL generation has no input to beat: its outputs are judged on correctness (and ranked by percentile).
    "passes": ("✔ passes", "success"),
    "fails": ("✘ fails", "error"),
}

DASH = "—"


def outcome_label(outcome: str | None) -> str:
    return OUTCOMES.get(outcome or "not-run", (outcome or "not-run", ""))[0]


def outcome_content_markup(outcome: str | None) -> str:
    """Textual content markup for an outcome badge (reverse video in the outcome's colour)."""
    label, var = OUTCOMES.get(outcome or "not-run", (outcome or "?", "foreground-muted"))
    return f"[bold $background on ${var}] {escape(label)} [/]"


#: Table cells are padded to the longest label: the column is sized when the list first shows (mostly
#: "not run"), and outcomes filled in later must not be cut to that width.
OUTCOME_WIDTH = max(len(label) for label, _ in OUTCOMES.values())


def outcome_cell(outcome: str | None, colors: Mapping[str, str]) -> str:
    """Rich markup for an outcome in a table cell, coloured from the current theme's variables."""
    label, var = OUTCOMES.get(outcome or "not-run", (outcome or "?", "foreground-muted"))
    label = label.ljust(OUTCOME_WIDTH)
    color = colors.get(var) or colors.get("foreground") or ""
    return f"[{color}]{escape(label)}[/]" if color else escape(label)


def colored(text: str, var: str, colors: Mapping[str, str]) -> str:
    color = colors.get(var)
    return f"[{color}]{escape(text)}[/]" if color else escape(text)


def fmt_seconds(seconds: float | None) -> str:
    if seconds is None or not math.isfinite(seconds):
        return DASH
    if seconds < 1:
        return f"{seconds * 1000:.1f} ms"
    return f"{seconds:.2f} s"


def fmt_ms(ms: float | None) -> str:
    return DASH if ms is None else fmt_seconds(ms / 1000)


def fmt_kb(kb: float | None) -> str:
    if kb is None or not math.isfinite(kb):
        return DASH
    if kb >= 1024 * 1024:
        return f"{kb / 1024 / 1024:.2f} GB"
    if kb >= 1024:
        return f"{kb / 1024:.1f} MB"
    return f"{kb:.0f} KB"


def fmt_ratio(ratio: float | None) -> str:
    return DASH if ratio is None or not math.isfinite(ratio) else f"{ratio:.2f}×"


def fmt_interval(lo: float | None, hi: float | None) -> str:
    """A ratio's 95% interval as `[lo–hi]`, or "" when there is none."""
    if lo is None or hi is None or not (math.isfinite(lo) and math.isfinite(hi)):
        return ""
    return f"[{lo:.2f}–{hi:.2f}]"


def fmt_pct(pct: float | None) -> str:
    return DASH if pct is None else f"{pct:.0f}%"


def fmt_change(left: float | None, right: float | None) -> str:
    """Relative change from left to right, signed: -45% means right needs 45% less than left."""
    if left is None or right is None or left <= 0:
        return DASH
    change = (right - left) / left * 100
    if abs(change) < 0.5:
        return "±0%"
    return f"{change:+.0f}%"


def fmt_count(n: int) -> str:
    return f"{n:,}"


def plural(n: int, word: str, words: str | None = None) -> str:
    return f"{n:,} {word if n == 1 else (words or word + 's')}"


#: The LaTeX commands CodeNet statements use in their math, as plain text.
_LATEX_WORDS = {
    "leq": "<=", "le": "<=", "geq": ">=", "ge": ">=", "neq": "!=", "ne": "!=", "lt": "<", "gt": ">",
    "times": "x", "ldots": "...", "cdots": "...", "dots": "...",
}
_LATEX_COMMAND = re.compile(r"\\(" + "|".join(sorted(_LATEX_WORDS, key=len, reverse=True)) + r")(?![A-Za-z])")
_MATH_SPAN = re.compile(r"\$([^$\n]*)\$")


def readable_statement(text: str) -> str:
    """A problem statement with its LaTeX math as plain text (`$N \\leq 10^5$` -> `N <= 10^5`): the `$`
    around math go, the comparison, times and dots commands become their ASCII forms; the rest is kept."""
    text = _MATH_SPAN.sub(lambda m: m.group(1), text)
    return _LATEX_COMMAND.sub(lambda m: _LATEX_WORDS[m.group(1)], text)


ELLIPSIS = "…"


def elide_middle(text: str, width: int) -> str:
    """`text` in at most `width` cells, cut in the middle (`sample-cod…ec-refine`) so that both the start
    and the end of a run name stay readable; unchanged when it fits. The end gets the extra cell."""
    if width <= 0:
        return ""
    if len(text) <= width:
        return text
    if width == 1:
        return ELLIPSIS
    head = (width - 1) // 2
    tail = width - 1 - head
    return text[:head] + ELLIPSIS + text[len(text) - tail:]
