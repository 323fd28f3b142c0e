"""ecco-tui: a terminal workbench for the ECCO code-efficiency benchmark."""

__version__ = "0.1.0"
