"""The plain records every layer shares (problems, programs, runs, outputs, executions, labels, verdicts).

TEMPORARY: re-exports ecco_tui.store.models while the store's row mapping is being reworked.
"""

from ecco_tui.engines.base import code_sha256
from ecco_tui.store.models import *  # noqa: F403
from ecco_tui.store.models import Annotation, Problem, ProblemSummary, Run, Spectrum, Trajectory, TrajectoryStep

__all__ = ["Annotation", "Problem", "ProblemSummary", "Run", "Spectrum", "Trajectory", "TrajectoryStep",
           "code_sha256"]
