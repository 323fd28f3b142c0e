"""Developer tools run as modules (`python -m ecco_tui.tools.<name>`), not part of the `ecco` CLI."""
