"""Terminal-size breakpoints the screens share: a screen gets `-narrow` below NARROW_WIDTH columns and `-short`
below SHORT_HEIGHT rows (Textual sets the classes on every resize), and its stylesheet stacks, shrinks or hides
panes under them, so that every screen stays usable at 80x24 (`-wide` / `-tall` otherwise).
"""

from __future__ import annotations

NARROW_WIDTH = 100
SHORT_HEIGHT = 32

HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (NARROW_WIDTH, "-wide")]
VERTICAL_BREAKPOINTS = [(0, "-short"), (SHORT_HEIGHT, "-tall")]

#: The compare header's most lines (title, verdict, evidence): the rest goes to its tooltip.
HEADER_LINES = 3
#: The fewest rows of code the compare view keeps visible.
MIN_CODE_ROWS = 12
