"""Judge0 CE 1.13.1's wire vocabulary for ``ecco serve``: fields, defaults, maxima, validation and encoding.

Everything here is a pure function of its arguments so the wire rules can be read and tested without a
server. The rules follow Judge0's own code (see /work/shared/judge0-contract.md): ``submission.rb`` for
defaults and validation messages, ``submissions_controller.rb`` for the permitted fields and base64,
``isolate_job.rb`` for averaging ``number_of_runs`` and ``submission_serializer.rb`` for the response.

Where ``ecco serve`` is deliberately stricter than Judge0 the message says so, because a silently accepted
mistake (a typo in ``memory_limit``, a non-base64 stdin) would change what is measured without anyone
noticing:

* unknown fields are refused (Judge0's ``params.permit`` drops them silently); ``unknown_fields="ignore"``
  restores Judge0's behaviour;
* text fields must be JSON strings (Rails would coerce ``5`` to ``"5"``);
* base64 must be base64: whitespace and missing padding are tolerated (Ruby's ``encode64`` wraps lines),
  anything else outside the alphabet is refused (Ruby's ``decode64`` skips it silently), and the decoded
  bytes must be UTF-8;
* options the local engine cannot honour (``redirect_stderr_to_stdout``, per-process limits, network,
  command-line arguments, callbacks, additional files, compiler options) are refused with Judge0's own
  "not allowed" message, and ``/config_info`` says they are disabled.
"""

from __future__ import annotations

import base64
import binascii
import math
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from ecco_tui.engines.base import STATUS_DESCRIPTIONS, Limits

JUDGE0_VERSION = "1.13.1"

UnknownFieldPolicy = Literal["reject", "ignore"]

# ------------------------------------------------------------------------------------------- limits


@dataclass(frozen=True, slots=True)
class NumericRule:
    """One numericality validation of submission.rb: its default, bounds and column type."""

    name: str
    default: float
    low: float
    low_inclusive: bool
    high: float
    integer: bool  # integer column (Rails truncates on cast) or decimal column (seconds)


#: submission.rb's numeric validations with CE 1.13.1's defaults and maxima, in validation order. Times are
#: floats (Config reads them with ``to_f``), so Rails prints their bounds as ``15.0``; sizes are integers.
NUMERIC_RULES: tuple[NumericRule, ...] = (
    NumericRule("number_of_runs", 1, 0, False, 20, True),
    NumericRule("cpu_time_limit", 5.0, 0, True, 15.0, False),
    NumericRule("cpu_extra_time", 1.0, 0, True, 5.0, False),
    NumericRule("wall_time_limit", 10.0, 1, True, 20.0, False),
    NumericRule("memory_limit", 128_000, 2048, True, 512_000, True),
    NumericRule("stack_limit", 64_000, 0, True, 128_000, True),
    NumericRule("max_processes_and_or_threads", 60, 0, False, 120, True),
    NumericRule("max_file_size", 1024, 0, True, 4096, True),
)
RULES_BY_NAME = {rule.name: rule for rule in NUMERIC_RULES}

MAX_OPTION_CHARS = 512  # compiler_options and command_line_arguments (length validation)

#: Judge0's ``submission_params`` permit list: every field a client may send.
PERMITTED_FIELDS: tuple[str, ...] = (
    "source_code", "language_id", "compiler_options", "command_line_arguments", "number_of_runs", "stdin",
    "expected_output", "cpu_time_limit", "cpu_extra_time", "wall_time_limit", "memory_limit", "stack_limit",
    "max_processes_and_or_threads", "enable_per_process_and_thread_time_limit",
    "enable_per_process_and_thread_memory_limit", "max_file_size", "redirect_stderr_to_stdout", "callback_url",
    "additional_files", "enable_network",
)
#: Query parameters Rails would also read from the body (params merges both); never "unknown fields".
REQUEST_FLAGS = ("wait", "base64_encoded", "fields")
BOOLEAN_FIELDS = (
    "enable_per_process_and_thread_time_limit", "enable_per_process_and_thread_memory_limit",
    "redirect_stderr_to_stdout", "enable_network",
)
TEXT_FIELDS = ("source_code", "stdin", "expected_output", "compiler_options", "command_line_arguments",
               "callback_url", "additional_files")
BASE64_REQUEST_FIELDS = ("source_code", "stdin", "expected_output")
#: Order of the keys of a 422 body: the order in which submission.rb runs its validations.
ERROR_ORDER = ("source_code", "language_id", *(r.name for r in NUMERIC_RULES[:7]),
               "enable_per_process_and_thread_time_limit", "enable_per_process_and_thread_memory_limit",
               "max_file_size", "compiler_options", "command_line_arguments", "stdin", "expected_output",
               "callback_url", "additional_files", "enable_network", "redirect_stderr_to_stdout")

# Rails' ActiveModel::Type::Boolean: these strings are false, "" is nil, every other string is true.
_FALSE_STRINGS = frozenset({"0", "f", "F", "false", "FALSE", "off", "OFF"})

# --------------------------------------------------------------------------------- response fields

#: Fields a GET may ask for (SubmissionSerializer's attributes), in Judge0's column order.
AVAILABLE_FIELDS: tuple[str, ...] = (
    "source_code", "language_id", "stdin", "expected_output", "stdout", "status_id", "created_at",
    "finished_at", "time", "memory", "stderr", "token", "number_of_runs", "cpu_time_limit", "cpu_extra_time",
    "wall_time_limit", "memory_limit", "stack_limit", "max_processes_and_or_threads",
    "enable_per_process_and_thread_time_limit", "enable_per_process_and_thread_memory_limit", "max_file_size",
    "compile_output", "exit_code", "exit_signal", "message", "wall_time", "compiler_options",
    "command_line_arguments", "redirect_stderr_to_stdout", "callback_url", "additional_files", "enable_network",
    "status", "language",
)
DEFAULT_FIELDS: tuple[str, ...] = ("token", "time", "memory", "stdout", "stderr", "compile_output", "message",
                                   "status")
BASE64_RESPONSE_FIELDS = frozenset({"source_code", "stdin", "expected_output", "stdout", "stderr",
                                    "compile_output", "message"})


def parse_fields(raw: str | None) -> tuple[list[str], list[str]]:
    """``?fields=`` → (fields to render, invalid names). Empty means the defaults; ``*`` means all.

    ``*`` is not in 1.13.1 (it is in later releases and the official SDK sends it), so it is accepted.
    Names are stripped of surrounding spaces, which Judge0 does not do; nothing valid is lost by it.
    """
    if raw is None or not raw.strip():
        return list(DEFAULT_FIELDS), []
    if raw.strip() == "*":
        return list(AVAILABLE_FIELDS), []
    names = [part.strip() for part in raw.split(",") if part.strip()]
    invalid = [n for n in names if n not in AVAILABLE_FIELDS]
    return (names or list(DEFAULT_FIELDS)), invalid


# ------------------------------------------------------------------------------------------- encoding

_B64_ALPHABET = re.compile(r"^[A-Za-z0-9+/]*={0,2}$")


def ruby_encode64(text: str | None) -> str | None:
    """Ruby's ``Base64.encode64`` as Judge0 answers: a newline after every 60 characters and at the end."""
    if text is None:
        return None
    encoded = base64.b64encode(text.encode("utf-8")).decode("ascii")
    return "".join(encoded[i : i + 60] + "\n" for i in range(0, len(encoded), 60))


class Base64FieldError(ValueError):
    """A request field that should be base64 is not, or does not decode to UTF-8 text."""


def decode_request_base64(value: str) -> str:
    """Decode a base64 request field: whitespace and missing padding are fine, anything else is an error."""
    compact = "".join(value.split())
    if not _B64_ALPHABET.match(compact) or len(compact.rstrip("=")) % 4 == 1:
        raise Base64FieldError("is not valid base64 (base64_encoded=true was given)")
    compact = compact.rstrip("=")
    try:
        raw = base64.b64decode(compact + "=" * (-len(compact) % 4), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise Base64FieldError(f"is not valid base64 (base64_encoded=true was given): {exc}") from exc
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Base64FieldError(f"is base64 of bytes that are not UTF-8 text (byte {exc.start})") from exc


def decimal_string(value: float) -> str:
    """How Rails renders a decimal column: plain notation, no trailing zeros, at least one decimal ("5.0").

    ``time``, ``wall_time`` and the time limits are decimal columns in Judge0, so they travel as strings.
    """
    text = format(Decimal(repr(float(value))), "f")
    if "." not in text:
        return text + ".0"
    text = text.rstrip("0")
    return text + "0" if text.endswith(".") else text


def ruby_number(value: float) -> str:
    """A bound in a Rails numericality message: floats keep their ``.0`` (15.0), integers do not."""
    return repr(float(value)) if isinstance(value, float) else str(int(value))


def iso_time(epoch_s: float | None) -> str | None:
    """Rails' JSON form of a datetime: ``2024-01-31T12:00:00.123Z``."""
    if epoch_s is None:
        return None
    millis = int(epoch_s * 1000) % 1000
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(epoch_s)) + f".{millis:03d}Z"


def status_object(status_id: int) -> dict[str, Any]:
    return {"id": status_id, "description": STATUS_DESCRIPTIONS.get(status_id, f"Status {status_id}")}


STATUSES: list[dict[str, Any]] = [status_object(i) for i in sorted(STATUS_DESCRIPTIONS)]

# ------------------------------------------------------------------------------------------ languages


@dataclass(frozen=True, slots=True)
class Language:
    """One ``/languages`` entry; every entry runs on the same local interpreter."""

    id: int
    name: str
    run_cmd: str
    alias_of: int | None = None  # the honest entry this id is an alias for

    def summary(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name}

    def detail(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "is_archived": False, "source_file": "script.py",
                "compile_cmd": None, "run_cmd": self.run_cmd}


#: CE 1.13.1's id for Python 3, hard-coded by ECCO's scripts; served as an alias of the real interpreter.
ECCO_LANGUAGE_ID = 71
ECCO_LANGUAGE_NAME = "Python (3.8.1)"
#: Hosted Judge0 1.14's ids per Python minor version; others get an id Judge0 never used.
HOSTED_PYTHON_IDS = {(3, 8): 71, (3, 11): 92, (3, 12): 100, (3, 13): 109, (3, 14): 113}
_VERSION = re.compile(r"(\d+)\.(\d+)(?:\.(\d+))?")


def python_languages(version: str, interpreter: str) -> list[Language]:
    """The honest entry for the real interpreter plus id 71 as an alias of it (ECCO's scripts send 71).

    Sorted by name, as Judge0 lists them. A 3.8 interpreter needs no alias: it *is* the 71 entry.
    """
    match = _VERSION.search(version)
    major, minor = (int(match.group(1)), int(match.group(2))) if match else (3, 0)
    honest_id = HOSTED_PYTHON_IDS.get((major, minor), 9000 + 100 * major + minor)
    run_cmd = f"{interpreter} script.py"
    languages = [Language(honest_id, f"Python ({version})", run_cmd)]
    if honest_id != ECCO_LANGUAGE_ID:
        languages.append(Language(ECCO_LANGUAGE_ID, ECCO_LANGUAGE_NAME, run_cmd, alias_of=honest_id))
    return sorted(languages, key=lambda lang: lang.name)


# ----------------------------------------------------------------------------------------- /config_info


def config_info(*, max_queue_size: int, max_submission_batch_size: int) -> dict[str, Any]:
    """Every field Judge0 1.13.1's ``/config_info`` has; options the engine cannot honour are disabled."""
    rule = RULES_BY_NAME
    return {
        "allow_enable_network": False,
        "allow_enable_per_process_and_thread_memory_limit": False,
        "allow_enable_per_process_and_thread_time_limit": False,
        "allowed_languages_for_compile_options": [],
        "callbacks_max_tries": 3,
        "callbacks_timeout": 5.0,
        "cpu_extra_time": rule["cpu_extra_time"].default,
        "cpu_time_limit": rule["cpu_time_limit"].default,
        "enable_additional_files": False,
        "enable_batched_submissions": True,
        "enable_callbacks": False,
        "enable_command_line_arguments": False,
        "enable_compiler_options": False,
        "enable_network": False,
        "enable_per_process_and_thread_memory_limit": False,
        "enable_per_process_and_thread_time_limit": False,
        "enable_submission_delete": False,
        "enable_wait_result": True,
        "maintenance_mode": False,
        "max_cpu_extra_time": rule["cpu_extra_time"].high,
        "max_cpu_time_limit": rule["cpu_time_limit"].high,
        "max_extract_size": 10240,
        "max_file_size": int(rule["max_file_size"].default),
        "max_max_file_size": int(rule["max_file_size"].high),
        "max_max_processes_and_or_threads": int(rule["max_processes_and_or_threads"].high),
        "max_memory_limit": int(rule["memory_limit"].high),
        "max_number_of_runs": int(rule["number_of_runs"].high),
        "max_processes_and_or_threads": int(rule["max_processes_and_or_threads"].default),
        "max_queue_size": max_queue_size,
        "max_stack_limit": int(rule["stack_limit"].high),
        "max_submission_batch_size": max_submission_batch_size,
        "max_wall_time_limit": rule["wall_time_limit"].high,
        "memory_limit": int(rule["memory_limit"].default),
        "number_of_runs": int(rule["number_of_runs"].default),
        "redirect_stderr_to_stdout": False,
        "stack_limit": int(rule["stack_limit"].default),
        "submission_cache_duration": 0.0,  # GETs are never cached here
        "use_docs_as_homepage": False,
        "wall_time_limit": rule["wall_time_limit"].default,
    }


# ----------------------------------------------------------------------------------------- validation


@dataclass(frozen=True, slots=True)
class Submission:
    """A validated submission with Judge0's defaults applied; text fields are decoded."""

    source_code: str
    language_id: int
    stdin: str | None
    expected_output: str | None
    number_of_runs: int
    cpu_time_limit: float
    cpu_extra_time: float
    wall_time_limit: float
    memory_limit: int
    stack_limit: int
    max_processes_and_or_threads: int
    max_file_size: int
    enable_per_process_and_thread_time_limit: bool = False
    enable_per_process_and_thread_memory_limit: bool = False
    redirect_stderr_to_stdout: bool = False
    enable_network: bool = False

    def limits(self) -> Limits:
        """The engine's limits. Output is capped at max_file_size, as isolate's ``-f`` caps Judge0's stdout file."""
        return Limits(
            cpu_time_s=self.cpu_time_limit,
            cpu_extra_time_s=self.cpu_extra_time,
            wall_time_s=self.wall_time_limit,
            memory_kb=self.memory_limit,
            stack_kb=self.stack_limit,
            max_processes=self.max_processes_and_or_threads,
            max_file_size_kb=self.max_file_size,
            output_cap_bytes=self.max_file_size * 1024,
        )

    def size_bytes(self) -> int:
        """Rough bytes held by the texts, for the store's memory budget."""
        return sum(len(t) for t in (self.source_code, self.stdin, self.expected_output) if t)


@dataclass(frozen=True, slots=True)
class ValidationPolicy:
    """What a submission is validated against besides Judge0's fixed rules."""

    language_ids: frozenset[int]
    max_source_bytes: int
    unknown_fields: UnknownFieldPolicy = "reject"


def _number(value: Any) -> float | None:
    """Rails numericality: numbers and numeric strings pass; bools, NaN, infinities and the rest do not."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            return None
    else:
        return None
    return number if math.isfinite(number) else None


def _boolean(value: Any) -> bool | None:
    """Rails' boolean cast; raises TypeError for values Rails would not even accept as a scalar."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value != 0
    if isinstance(value, str):
        return value not in _FALSE_STRINGS
    raise TypeError


def _language_id(value: Any) -> int | None:
    """An integral number or numeric string ("71", "71.0"), as Rails' integer cast reads it; else None."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    number = _number(value)
    return int(number) if number is not None and number.is_integer() else None


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def validate_submission(
    raw: Mapping[str, Any], *, base64_encoded: bool, policy: ValidationPolicy
) -> tuple[Submission | None, dict[str, list[str]]]:
    """Apply Judge0's defaults and validations to one request object.

    Returns ``(submission, {})`` or ``(None, errors)`` where ``errors`` is a 422 body: ``{field: [messages]}``
    with Judge0's messages in submission.rb's order.
    """
    errors: dict[str, list[str]] = {}

    def add(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    texts: dict[str, str | None] = {}
    for name in TEXT_FIELDS:
        value = raw.get(name)
        if value is None:
            texts[name] = None
        elif not isinstance(value, str):
            add(name, f"must be a string (got {type(value).__name__})")
            texts[name] = None
        elif base64_encoded and name in BASE64_REQUEST_FIELDS:
            try:
                texts[name] = decode_request_base64(value)
            except Base64FieldError as exc:
                add(name, str(exc))
                texts[name] = None
        else:
            texts[name] = value

    source = texts["source_code"]
    if "source_code" not in errors:
        if _blank(source):
            add("source_code", "can't be blank")
        elif source is not None and len(source.encode("utf-8")) > policy.max_source_bytes:
            add("source_code", f"is too long (maximum is {policy.max_source_bytes} bytes)")

    raw_language = raw.get("language_id")
    language_id: int | None = None
    if _blank(raw_language):
        add("language_id", "can't be blank")
        add("language_id", "language with id  doesn't exist")
    else:
        language_id = _language_id(raw_language)
        if language_id is None or language_id not in policy.language_ids:
            add("language_id", f"language with id {raw_language} doesn't exist")

    numbers: dict[str, float] = {}
    for rule in NUMERIC_RULES:
        value = raw.get(rule.name)
        if _blank(value):  # set_defaults: ``||=`` on nil, and Rails casts "" to nil
            numbers[rule.name] = rule.default
            continue
        number = _number(value)
        if number is None:
            add(rule.name, "is not a number")
            continue
        if rule.low_inclusive and number < rule.low:
            add(rule.name, f"must be greater than or equal to {ruby_number(rule.low)}")
        if not rule.low_inclusive and number <= rule.low:
            add(rule.name, f"must be greater than {ruby_number(rule.low)}")
        if number > rule.high:
            add(rule.name, f"must be less than or equal to {ruby_number(rule.high)}")
        numbers[rule.name] = number

    flags: dict[str, bool] = {}
    for name in BOOLEAN_FIELDS:
        value = raw.get(name)
        try:
            flag = None if value is None or value == "" else _boolean(value)
        except TypeError:
            add(name, f"must be true or false (got {type(value).__name__})")
            continue
        flags[name] = bool(flag)
    for name in ("enable_per_process_and_thread_time_limit", "enable_per_process_and_thread_memory_limit"):
        if flags.get(name):
            add(name, "this option cannot be enabled")

    for name, label in (("compiler_options", "compiler options"), ("command_line_arguments", "command line arguments")):
        text = texts[name]
        if text is not None and len(text) > MAX_OPTION_CHARS:
            add(name, f"is too long (maximum is {MAX_OPTION_CHARS} characters)")
        if not _blank(text):
            add(name, f"setting {label} is not allowed")
    if not _blank(texts["callback_url"]):
        add("callback_url", "setting callback is not allowed")
    if not _blank(texts["additional_files"]):
        add("additional_files", "setting additional files is not allowed")
    if flags.get("enable_network"):
        add("enable_network", "enabling network is not allowed")
    if flags.get("redirect_stderr_to_stdout"):
        add("redirect_stderr_to_stdout", "is not supported by ecco serve (stdout and stderr are captured apart)")

    ordered = {name: errors[name] for name in ERROR_ORDER if name in errors}
    if policy.unknown_fields == "reject":
        for name in raw:
            if name not in PERMITTED_FIELDS and name not in REQUEST_FLAGS:
                ordered[str(name)] = ["is not a Judge0 submission field (ecco serve refuses unknown fields)"]
    if ordered or source is None or language_id is None:
        return None, ordered or {"source_code": ["can't be blank"]}

    def integer(name: str) -> int:
        return int(numbers[name])  # Rails casts an integer column with to_i: truncation

    return Submission(
        source_code=source,
        language_id=language_id,
        stdin=texts["stdin"],
        expected_output=texts["expected_output"],
        number_of_runs=integer("number_of_runs"),
        cpu_time_limit=numbers["cpu_time_limit"],
        cpu_extra_time=numbers["cpu_extra_time"],
        wall_time_limit=numbers["wall_time_limit"],
        memory_limit=integer("memory_limit"),
        stack_limit=integer("stack_limit"),
        max_processes_and_or_threads=integer("max_processes_and_or_threads"),
        max_file_size=integer("max_file_size"),
    ), {}


def request_fields(submission: Submission, language: Language | None) -> dict[str, Any]:
    """The request-side attributes of a stored submission as SubmissionSerializer renders them."""
    return {
        "source_code": submission.source_code,
        "language_id": submission.language_id,
        "language": language.summary() if language else None,
        "stdin": submission.stdin,
        "expected_output": submission.expected_output,
        "number_of_runs": submission.number_of_runs,
        "cpu_time_limit": decimal_string(submission.cpu_time_limit),
        "cpu_extra_time": decimal_string(submission.cpu_extra_time),
        "wall_time_limit": decimal_string(submission.wall_time_limit),
        "memory_limit": submission.memory_limit,
        "stack_limit": submission.stack_limit,
        "max_processes_and_or_threads": submission.max_processes_and_or_threads,
        "enable_per_process_and_thread_time_limit": submission.enable_per_process_and_thread_time_limit,
        "enable_per_process_and_thread_memory_limit": submission.enable_per_process_and_thread_memory_limit,
        "max_file_size": submission.max_file_size,
        "compiler_options": None,
        "command_line_arguments": None,
        "redirect_stderr_to_stdout": submission.redirect_stderr_to_stdout,
        "callback_url": None,
        "additional_files": None,
        "enable_network": submission.enable_network,
    }


def render(values: Mapping[str, Any], fields: Sequence[str], base64_encoded: bool) -> dict[str, Any]:
    """Pick ``fields`` out of a submission's values, base64-encoding the text fields like Judge0."""
    out: dict[str, Any] = {}
    for name in fields:
        value = values.get(name)
        if base64_encoded and name in BASE64_RESPONSE_FIELDS:
            value = ruby_encode64(value)
        out[name] = value
    return out
