"""Refinement building blocks: the model client, ECCO's prompts, code extraction and execution feedback.

Pure pieces with no knowledge of runs or rounds; `ecco_tui.services.refine` puts them together into the
round loop (and is the only layer allowed to, so the TUI never talks to a model server itself).
"""

from ecco_tui.refine.client import Completion, ModelClient, ModelConfigError, ModelSettings
from ecco_tui.refine.extract import NO_CODE_BLOCK, extract_code
from ecco_tui.refine.feedback import (
    TestFeedback,
    feedback_from_executions,
    feedback_from_results,
    format_exec_feedback,
)
from ecco_tui.refine.templates import PromptBook, TemplateError

__all__ = [
    "NO_CODE_BLOCK",
    "Completion",
    "ModelClient",
    "ModelConfigError",
    "ModelSettings",
    "PromptBook",
    "TemplateError",
    "TestFeedback",
    "extract_code",
    "feedback_from_executions",
    "feedback_from_results",
    "format_exec_feedback",
]
