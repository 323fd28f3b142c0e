"""The current theme's colours as hex strings, for Rich markup in table cells.

Table cells are rendered by Rich, which cannot resolve Textual's `$success`; this resolves the theme's
variables once per fill so cell colours still follow the theme (and a theme switch refills them).
"""

from __future__ import annotations

from textual.app import App
from textual.color import Color, ColorParseError

NAMES = ("success", "warning", "error", "primary", "secondary", "accent", "foreground", "foreground-muted")


def theme_colors(app: App[object]) -> dict[str, str]:
    variables = app.theme_variables
    colors: dict[str, str] = {}
    for name in NAMES:
        value = variables.get(name)
        if not value:
            continue
        try:
            colors[name] = Color.parse(value).hex
        except ColorParseError:
            continue
    return colors
