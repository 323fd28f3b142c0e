"""Code extraction follows ECCO's rule: the longest fenced block, ```python blocks first, tag stripped."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ecco_tui.refine.extract import extract_code

REAL = json.loads((Path(__file__).parent / "golden" / "ecco_real_prompts.json").read_text("utf-8"))


def test_a_python_block_loses_its_tag_and_keeps_the_leading_newline() -> None:
    assert extract_code("Sure:\n```python\nprint(1)\n```\nDone.") == "\nprint(1)\n"


def test_the_longest_block_wins_and_python_blocks_come_first() -> None:
    text = "```python\na = 1\n```\ntext\n```python\nb = 2\nc = 3\n```"
    assert extract_code(text) == "\nb = 2\nc = 3\n"
    # A longer bare block loses to any ```python block, as in ECCO's MarkdownCoderModel.
    assert extract_code("```\nlong = 1\nlonger = 2\n```\n```python\nx\n```") == "\nx\n"
    assert extract_code("```\nbare = 1\n```") == "\nbare = 1\n"


def test_no_block_or_an_unterminated_one_gives_nothing() -> None:
    assert extract_code("I cannot help with that.") is None
    assert extract_code("```python\nprint(1)\n") is None
    assert extract_code("") is None
    assert extract_code(None) is None


def test_plain_style_is_ecco_base_model_extraction() -> None:
    assert extract_code("```python\nprint(1)\n```", style="plain") == "python\nprint(1)\n"
    with pytest.raises(ValueError, match="unknown extraction style"):
        extract_code("x", style="other")  # type: ignore[arg-type]


@pytest.mark.parametrize("pair", REAL["nl2code_extraction"]["pairs"][:10])
def test_real_answers_give_ecco_codes(pair: list[str]) -> None:
    answer, code = pair
    assert extract_code(answer) == code
