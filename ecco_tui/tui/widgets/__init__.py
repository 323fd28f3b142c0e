"""Reusable widgets: each owns its look (DEFAULT_CSS) and talks to screens through messages."""
