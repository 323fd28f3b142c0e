"""File names written by the several versions of ECCO's inference script."""

from __future__ import annotations

import pytest

from ecco_tui.ingest.naming import parse_output_name


@pytest.mark.parametrize(
    ("name", "task", "method", "model"),
    [
        ("nl2code_deepseek_instruct_nrowsNone_tokens1024_temp0.4_fewshotex0_samples1_2024-11-10_06:54:38.jsonl",
         "generate", "instruct", "deepseek"),
        ("nl2code-self-refine_deepseek_nrowsNone_tokens1024_temp0.4_samples1_numrefine1_2024-11-10_06:57:15.jsonl",
         "generate", "self-refine", "deepseek"),
        ("codellama_nrowsNone_tokens1024_temp0.4_samples1_numrefine2_2024-11-10_06_57_15.jsonl",
         None, "self-refine", "codellama"),
        ("deepseek_instruct_nrowsNone_tokens1024_temp0.4_fewshotex2_samples1_2024-11-10_06_57_15.jsonl",
         None, "few-shot", "deepseek"),
        ("reflexion_wizard_nrowsNone_tokens1024_temp0.4_samples1_numrefine1_2024-11-10_06_57_15.jsonl",
         None, "nl-exec-refine", "wizard"),
        ("nl2code-exec-refine_starcoder_nrowsNone_samples1_numrefine1.jsonl", "generate", "exec-refine",
         "starcoder"),
        ("NL2Code_wizard_fewshot_2_nrowsNone_tokens1024.jsonl", "generate", "few-shot", "wizard"),
    ],
)
def test_task_method_and_model_from_the_name(name: str, task: str | None, method: str, model: str) -> None:
    hints = parse_output_name(name)
    assert (hints.task, hints.method, hints.model) == (task, method, model)


def test_settings_and_date_are_read() -> None:
    hints = parse_output_name(
        "edit_m_instruct_nrowsNone_tokens512_temp0.2_fewshotex0_samples4_2024-01-02_03_04_05.jsonl"
    )
    assert hints.settings == {"nrows": "None", "tokens": "512", "temp": "0.2", "fewshotex": "0", "samples": "4"}
    assert hints.date == "2024-01-02 03:04:05"


def test_result_file_names_map_to_their_outputs_name() -> None:
    hints = parse_output_name(
        "generated_codes_1_nl2code-self-refine_deepseek_nrowsNone_tokens1024_temp0.4_samples1_numrefine1_x.jsonl")
    assert (hints.task, hints.method, hints.model) == ("generate", "self-refine", "deepseek")


def test_fine_tuned_variant_is_recognised() -> None:
    hints = parse_output_name("EXEC-SFT-edit_deepseek_instruct_nrowsNone_tokens1024_temp0.4_fewshotex0_samples1.jsonl")
    assert (hints.task, hints.variant, hints.model) == ("edit", "exec-sft", "deepseek")
