"""The prompt file reproduces, byte for byte, prompts that ECCO's own scripts sent."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ecco_tui.refine.extract import extract_code
from ecco_tui.refine.templates import PromptBook, TemplateError

GOLDEN = Path(__file__).parent / "golden"
REAL = json.loads((GOLDEN / "ecco_real_prompts.json").read_text("utf-8"))
NOFUN = json.loads((GOLDEN / "nofuncoder_exec_refine.json").read_text("utf-8"))


@pytest.fixture(scope="module")
def book() -> PromptBook:
    return PromptBook.load()


def test_instruct_editing_prompt_matches_ecco(book: PromptBook) -> None:
    case = REAL["edit_instruct_codellama"]
    assert book.wrap(book.edit_prompt(case["input"]), "codellama") == case["prompt"]


def test_nl_generation_prompt_matches_ecco(book: PromptBook) -> None:
    case = REAL["nl2code_deepseek"]
    assert book.wrap(book.nl2code_prompt(case["problem_description"]), "deepseek-coder") == case["prompt"]


def test_refine_prompt_with_nl_feedback_matches_ecco(book: PromptBook) -> None:
    case = REAL["self_refine_nl2code_deepseek"]
    prompt = book.refine_prompt(case["generated_codes_0"], case["feedback_0"])
    assert book.wrap(prompt, "deepseek-coder") == case["refine_prompt"]
    # ...and the codes in that record are what the extraction rule gives for its answers.
    assert extract_code(case["full_generations_0"]) == case["generated_codes_0"]
    assert extract_code(case["full_generations_1"]) == case["generated_codes_1"]


def test_refine_prompt_with_exec_feedback_matches_ecco(book: PromptBook) -> None:
    case = NOFUN["correct"]
    prompt = book.refine_prompt(case["generated_codes_0"], case["exec_feedback_0"])
    assert book.wrap(prompt, "deepseek-coder") == case["refine_prompt"]


def test_nl2code_feedback_prompt_keeps_ecco_wording_but_not_its_argument_shift(book: PromptBook) -> None:
    case = REAL["self_refine_nl2code_deepseek"]
    code = case["generated_codes_0"]
    # ECCO's real prompt: the code where the description belongs and "0" as the candidate (documented quirk).
    quirk = book.wrap(book.feedback_prompt("0", description=code), "deepseek-coder")
    assert quirk == case["feedback_prompt"]
    meant = book.feedback_prompt(code, description="Problem Name: Number of Days")
    assert "based on the problem description.\nProblem Name: Number of Days\n\n## Candidate solution:\n" + code in meant


def test_few_shot_prompt_follows_ecco_layout(book: PromptBook) -> None:
    prompt = book.edit_prompt("slow()\n", [("a()\n", "b()\n"), ("c()\n", "d()\n")])
    assert prompt == (
        "Optimize the python program below to be functionally equivalent but run faster and use less memory."
        "            Wrap the optimized code in a block of 3 backticks (```).\n\n"
        "Here are a few examples:\n\n"
        "## Program:\na()\n\n\n## Optimized (Runtime and Space) version of Program above:\n```python\nb()\n```"
        "\n\n"
        "## Program:\nc()\n\n\n## Optimized (Runtime and Space) version of Program above:\n```python\nd()\n```"
        "\n\n## Program:\nslow()\n\n\n## Optimized (Runtime and Space) version of Program above:"
    )
    base = book.edit_prompt("slow()\n", [("a()\n", "b()\n")], instruct=False)
    assert base.startswith("## Program:\na()\n")
    nl = book.nl2code_prompt("Sum it.", [("Add two.", "print(2)\n")])
    shot = "Here are a few examples:\n\n## Details:\nAdd two.\n\n## Solution:```python\nprint(2)\n```"
    assert shot + "\n\n## Details:\nSum it.\n\n## Solution:" in nl


def test_reflection_prompt(book: PromptBook) -> None:
    prompt = book.reflect_prompt("\nx()\n", "FEEDBACK\n")
    assert prompt == (
        "Based on the execution results, reflect on why the code solution below was incorrect or inefficient and "
        "how the program can be fixed.\n\n\nx()\n\n\n## Execution Results:\nFEEDBACK\n\n\n"
        "## Reflection on incorrectnes/inefficiency and how it can be improved:"
    )


def test_values_with_braces_are_inserted_verbatim(book: PromptBook) -> None:
    code = "d = {'a': 1}\nprint(f'{d}')\n"
    assert code in book.refine_prompt(code, "{feedback}")


def test_a_custom_prompt_file_is_validated(tmp_path: Path) -> None:
    text = (Path(__file__).parents[2] / "ecco_tui/refine/prompts/ecco.toml").read_text("utf-8")
    good = tmp_path / "mine.toml"
    good.write_text(text.replace("Refine the given", "Please refine the given"), "utf-8")
    mine = PromptBook.load(good)
    assert mine.refine_prompt("x", "y").startswith("Please refine")
    assert mine.ident != PromptBook.load().ident
    bad = tmp_path / "bad.toml"
    bad.write_text(text.replace("## Feedback to improve the code:\n{feedback}", "{feedbak}"), "utf-8")
    with pytest.raises(TemplateError, match=r"\[refine\] prompt uses unknown placeholder\(s\) feedbak"):
        PromptBook.load(bad)
    with pytest.raises(TemplateError, match="cannot read"):
        PromptBook.load(tmp_path / "missing.toml")
    with pytest.raises(TemplateError, match="no wrapper 'gpt'"):
        mine.wrap("x", "gpt")
