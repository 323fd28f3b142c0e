"""The `ecco` command (`ecco = "ecco_tui.cli.main:app"`): the command groups assembled on the root app.

Thin on purpose: every command lives in the module of its group (workbench, data, annotate, evaluate,
reports, refine, engines, serve), the shared plumbing in `app`, `progress` and `render`. Commands are
registered here, in one list, because the order of registration is the order `ecco --help` shows them in,
and that listing is part of the public interface.
"""

from __future__ import annotations

import sys

from ecco_tui.cli import annotate, data, engines, evaluate, explain, refine, reports, serve, training, workbench
from ecco_tui.cli.app import app
from ecco_tui.cli.workbench import main

__all__ = ["app", "main", "run"]

app.callback(invoke_without_command=True)(workbench.main)
app.command("open")(workbench.open_app)
app.command("demo")(workbench.demo)
app.command("import")(data.import_cmd)
app.command("import-outputs")(data.import_outputs_cmd)
app.command("import-results")(data.import_results_cmd)
app.command("label")(annotate.label_cmd)
app.command("export-annotations")(annotate.export_annotations_cmd)
app.command("import-annotations")(annotate.import_annotations_cmd)
app.command("stats")(data.stats)
app.command("synth")(data.synth)
app.command("run")(evaluate.run_cmd)
app.command("engines")(engines.engines_cmd)
app.command("selftest")(engines.selftest)
app.command("calibrate")(engines.calibrate)
app.command("refine")(refine.refine)
app.command("serve")(serve.serve)
app.command("eval")(evaluate.eval_cmd)
app.command("report")(reports.report_cmd)
app.command("export-training")(training.export_training_cmd)
app.command("explain")(explain.explain_cmd)


def run() -> None:  # pragma: no cover - console entry for `python -m ecco_tui`
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
