"""Code extraction from a model's answer, exactly as ECCO's inference script does it.

ECCO has two extractors (src/experiments/model_classes.py), chosen by model class:

* ``"markdown"`` — `MarkdownCoderModel.extract_codes` (DeepSeekCoder, WizardCoder), the default here: find
  every non-greedy match of ```` ```python.*?``` ```` and keep the longest, minus the 9-character
  ```` ```python```` opener and the closing fence; only when there is none, do the same with bare ```` ``` ````
  fences (minus 3 characters). The text after the opener is kept, so codes usually start with a newline, as in
  ECCO's files. Kept on purpose: a ```` ```python3```` fence yields code starting with "3", a ```` ```py````
  block counts as a bare fence whose code starts with "py".
* ``"plain"`` — `BaseModel.extract_codes` (CodeLlama and others): the longest ```` ```.*?``` ```` match minus
  3 characters, so a ```` ```python```` block's code starts with the line ``python`` (a NameError when run).
  The EXEC-SFT file in shared/real-artifacts was extracted this way (655 of its 794 codes start with
  "python\\n"); offered to reproduce such runs, not as a sensible choice.

One deliberate difference from ECCO: when the answer has no fenced block at all, ECCO stores the whole answer
as the "code" (which then fails every test). Here that round gets no code and the stored reason
`NO_CODE_BLOCK`, so a missing block is visible as such instead of as a wall of syntax errors.
"""

from __future__ import annotations

import re
from typing import Literal

__all__ = ["EXTRACTION_STYLES", "NO_CODE_BLOCK", "ExtractionStyle", "extract_code"]

NO_CODE_BLOCK = "no code block in the response"
ExtractionStyle = Literal["markdown", "plain"]
EXTRACTION_STYLES: tuple[ExtractionStyle, ...] = ("markdown", "plain")

_PYTHON_BLOCK = re.compile(r"```python.*?```", re.DOTALL)
_ANY_BLOCK = re.compile(r"```.*?```", re.DOTALL)


def extract_code(text: str | None, *, style: ExtractionStyle = "markdown") -> str | None:
    """The code of the longest fenced block (```` ```python```` blocks first), or None when there is none."""
    if not text:
        return None
    if style == "markdown":
        matches: list[str] = _PYTHON_BLOCK.findall(text)
        if matches:
            return max(matches, key=len)[len("```python"):-3]
    elif style != "plain":
        raise ValueError(f"unknown extraction style {style!r} (markdown or plain)")
    blocks: list[str] = _ANY_BLOCK.findall(text)
    if blocks:
        return max(blocks, key=len)[3:-3]
    return None
