"""serve layer: ``ecco serve``, the local engine behind Judge0 CE 1.13.1's REST API.

Entry points live in :mod:`ecco_tui.serve.app` (``serve()``, ``create_app()``); this package imports nothing
on its own so that importing ``ecco_tui.serve`` does not pull in Starlette or uvicorn.
"""
