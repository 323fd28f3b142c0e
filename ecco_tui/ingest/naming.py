"""What an ECCO output file's name says: model, method, task and sampling settings.

Names vary between versions of ECCO's inference script (see shared/ecco-format.md §2), so the name is only
a hint: the columns of the file are the truth, and the importer reconciles the two.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_SETTING = re.compile(
    r"^(?:(nrows)(\w+)|(tokens)(\d+)|(temp)([\d.]+)|(fewshotex)(\d+)|(samples)(\d+)|(numrefine)(\d+))$"
)
_DATE = re.compile(r"(\d{4}-\d{2}-\d{2})[_T](\d{2})[:_](\d{2})[:_](\d{2})")


@dataclass(frozen=True, slots=True)
class NameHints:
    task: str | None = None  # "edit" | "generate"
    method: str | None = None
    model: str | None = None
    variant: str | None = None  # e.g. "exec-sft" for a fine-tuned model's outputs
    prompting: str | None = None  # "instruct" | "base"
    date: str | None = None  # "YYYY-MM-DD HH:MM:SS"
    settings: dict[str, str] = field(default_factory=dict)


def _method_from_prefix(prefix: str) -> str | None:
    p = prefix.lower()
    if "nl-exec-refine" in p or "reflexion" in p:
        return "nl-exec-refine"
    if "exec-refine" in p:
        return "exec-refine"
    if "self-refine" in p or "refine" in p:
        return "self-refine"
    return None


def _is_prefix(token: str) -> bool:
    t = token.lower()
    return any(word in t for word in ("edit", "nl2code", "refine", "reflexion", "sft"))


def parse_output_name(filename: str) -> NameHints:
    """Read model, method and settings from an ECCO output file name; unknown parts are left None."""
    stem = filename.rsplit("/", 1)[-1]
    for suffix in (".jsonl", ".json"):
        if stem.endswith(suffix):
            stem = stem[: -len(suffix)]
    if stem.startswith("generated_codes_"):
        # Result files are named after the outputs file: generated_codes[_<round>]_<outputs stem>.
        stem = re.sub(r"^generated_codes_(\d+_)?", "", stem)
    date = None
    m = _DATE.search(stem)
    if m:
        date = f"{m.group(1)} {m.group(2)}:{m.group(3)}:{m.group(4)}"
        stem = stem[: m.start()].rstrip("_")
    tokens = stem.split("_")
    settings: dict[str, str] = {}
    head: list[str] = []
    for tok in tokens:
        sm = _SETTING.match(tok)
        if sm:
            groups = [g for g in sm.groups() if g is not None]
            settings[groups[0]] = groups[1]
        elif not settings:
            head.append(tok)
    task = method = model = variant = prompting = None
    if head and _is_prefix(head[0]):
        prefix = head.pop(0)
        low = prefix.lower()
        task = "generate" if "nl2code" in low else ("edit" if "edit" in low else None)
        method = _method_from_prefix(prefix)
        if "sft" in low:
            variant = re.sub(r"[-_]?edit$", "", low)
    if head:
        model = head.pop(0)
    rest = [h.lower() for h in head]
    if "instruct" in rest or "base" in rest:
        prompting = "instruct" if "instruct" in rest else "base"
    if "fewshot" in rest:
        idx = rest.index("fewshot")
        if idx + 1 < len(rest) and rest[idx + 1].isdigit():
            settings.setdefault("fewshotex", rest[idx + 1])
    if method is None:
        if "numrefine" in settings:
            method = "self-refine"  # ECCO's self-refine files carry no method in the name
        elif int(settings.get("fewshotex", "0") or 0) > 0:
            method = "few-shot"
        elif prompting or "fewshotex" in settings:
            method = "instruct"
    return NameHints(task, method, model, variant, prompting, date, settings)
