"""The pure wire rules of ``ecco serve`` (no server): encoding, numbers, languages, validation, averaging."""

from __future__ import annotations

import base64

import pytest

from ecco_tui.engines.base import Status, TestCase
from ecco_tui.serve.models import (
    Base64FieldError,
    ValidationPolicy,
    decimal_string,
    decode_request_base64,
    parse_fields,
    python_languages,
    ruby_encode64,
    validate_submission,
)
from ecco_tui.serve.runner import combine_runs
from tests.serve.harness import make_result

POLICY = ValidationPolicy(frozenset({71, 92}), max_source_bytes=100)
TEST = TestCase("p", "public", 0, "", None)


@pytest.mark.parametrize(("value", "text"), [(0.012, "0.012"), (5.0, "5.0"), (0.1, "0.1"), (20, "20.0"),
                                             (0.0, "0.0"), (1e-05, "0.00001"), (5.089, "5.089")])
def test_decimal_string_renders_like_a_rails_decimal(value: float, text: str) -> None:
    assert decimal_string(value) == text


def test_ruby_encode64_wraps_at_60_and_ends_with_a_newline() -> None:
    encoded = ruby_encode64("a" * 100)
    assert encoded is not None
    assert [len(line) for line in encoded.split("\n")] == [60, 60, 16, 0]
    assert base64.b64decode(encoded) == b"a" * 100


@pytest.mark.parametrize("value", ["aGVsbG8=", "aGVsbG8", "aGVs\nbG8=\n", " aGVsbG8= "])
def test_request_base64_tolerates_whitespace_and_missing_padding(value: str) -> None:
    assert decode_request_base64(value) == "hello"


@pytest.mark.parametrize("value", ["hello world!", "aGVsbG8*", "a", "aGVs=bG8="])
def test_request_base64_refuses_what_is_not_base64(value: str) -> None:
    with pytest.raises(Base64FieldError):
        decode_request_base64(value)


def test_fields_parameter_defaults_star_and_invalid_names() -> None:
    assert parse_fields(None)[0][:2] == ["token", "time"]
    assert "wall_time" in parse_fields("*")[0]
    assert parse_fields("status, time") == (["status", "time"], [])
    assert parse_fields("status,nope") == (["status", "nope"], ["nope"])


@pytest.mark.parametrize(("version", "honest_id"), [("3.11.7", 92), ("3.12.5", 100), ("3.13.2", 109),
                                                    ("3.10.4", 9310)])
def test_languages_are_the_honest_interpreter_plus_the_71_alias(version: str, honest_id: int) -> None:
    languages = {lang.id: lang for lang in python_languages(version, "/usr/bin/python3")}
    assert set(languages) == {honest_id, 71}
    assert languages[honest_id].name == f"Python ({version})"
    assert languages[71].alias_of == honest_id


def test_a_python_38_interpreter_is_the_71_entry_itself() -> None:
    [only] = python_languages("3.8.10", "/usr/bin/python3.8")
    assert (only.id, only.name, only.alias_of) == (71, "Python (3.8.10)", None)


def test_validation_applies_judge0_defaults_and_truncates_integer_columns() -> None:
    submission, errors = validate_submission({"source_code": "print(1)", "language_id": "71", "number_of_runs": 2.7,
                                              "memory_limit": "256000.9"}, base64_encoded=False, policy=POLICY)
    assert errors == {} and submission is not None
    assert (submission.number_of_runs, submission.memory_limit) == (2, 256000)
    assert (submission.cpu_time_limit, submission.wall_time_limit, submission.stack_limit) == (5.0, 10.0, 64000)


def test_validation_messages_and_bounds_are_rails() -> None:
    _, errors = validate_submission({"source_code": " ", "language_id": 92, "number_of_runs": 0, "cpu_time_limit": 16,
                                     "wall_time_limit": 0.5, "max_processes_and_or_threads": 0,
                                     "max_file_size": True}, base64_encoded=False, policy=POLICY)
    assert errors == {
        "source_code": ["can't be blank"],
        "number_of_runs": ["must be greater than 0"],
        "cpu_time_limit": ["must be less than or equal to 15.0"],
        "wall_time_limit": ["must be greater than or equal to 1"],
        "max_processes_and_or_threads": ["must be greater than 0"],
        "max_file_size": ["is not a number"],
    }


def test_empty_form_values_fall_back_to_defaults() -> None:
    submission, errors = validate_submission({"source_code": "print(1)", "language_id": "71", "memory_limit": "",
                                              "enable_network": ""}, base64_encoded=False, policy=POLICY)
    assert errors == {} and submission is not None and submission.memory_limit == 128000


def test_combined_runs_carry_the_last_runs_outputs() -> None:
    runs = [make_result(TEST, cpu=0.0104, memory=100, stdout="a"),
            make_result(TEST, Status.RUNTIME_ERROR_NZEC, cpu=0.0206, memory=301, stdout="", stderr="boom",
                        exit_code=1, message="Exited with error status 1")]
    verdict = combine_runs(runs)
    assert (verdict.status_id, verdict.stdout, verdict.stderr, verdict.exit_code) == (11, None, "boom", 1)
    assert (verdict.time, verdict.memory, verdict.message) == ("0.0155", 200, "Exited with error status 1")


@pytest.mark.parametrize(("value", "ok"), [(71, True), ("71", True), ("71.0", True), (71.0, True), (" 71 ", True),
                                           ("abc", False), (True, False), (71.5, False), ([71], False)])
def test_language_id_is_read_like_a_rails_integer(value: object, ok: bool) -> None:
    submission, errors = validate_submission({"source_code": "print(1)", "language_id": value},
                                             base64_encoded=False, policy=POLICY)
    assert (submission is not None) is ok
    assert ok or errors == {"language_id": [f"language with id {value} doesn't exist"]}
