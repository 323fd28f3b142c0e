"""ECCO's prompts, loaded from a data file and rendered with named placeholders.

Why data: the wording *is* the experiment. Keeping it in `prompts/ecco.toml` (checked byte for byte against
prompts ECCO's scripts really sent) lets a reviewer read it as text, lets a user swap in their own file for an
ablation, and records which prompt set made a round (`PromptBook.ident`) without digging through code.

Every template is validated on load: a placeholder the code does not supply, or a required one that is
missing, fails at once with the file and key named, never half-way through a run.
"""

from __future__ import annotations

import hashlib
import string
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

__all__ = ["DEFAULT_PROMPTS", "PromptBook", "TemplateError"]

DEFAULT_PROMPTS = "ecco.toml"

# (table, key) → the placeholders the code fills in. A template may use fewer only where noted in OPTIONAL.
FIELDS: dict[tuple[str, str], frozenset[str]] = {
    ("edit", "instruction"): frozenset(),
    ("edit", "prompt"): frozenset({"start", "code"}),
    ("edit", "example"): frozenset({"input", "target_block"}),
    ("nl2code", "instruction"): frozenset(),
    ("nl2code", "prompt"): frozenset({"start", "description"}),
    ("nl2code", "example"): frozenset({"description", "target_block"}),
    ("few_shot", "intro_instruct"): frozenset(),
    ("few_shot", "intro_base"): frozenset(),
    ("few_shot", "separator"): frozenset(),
    ("few_shot", "target_block"): frozenset({"code"}),
    ("feedback", "edit"): frozenset({"code"}),
    ("feedback", "nl2code"): frozenset({"code", "description"}),
    ("refine", "prompt"): frozenset({"code", "feedback"}),
    ("reflect", "prompt"): frozenset({"code", "exec_feedback"}),
}
# Templates a prompt file may leave out as a whole: the packaged file's are used instead (fine-tuning layouts
# are not needed to run ECCO's methods, so older and hand-made prompt files stay valid).
FALLBACK: frozenset[tuple[str, str]] = frozenset({
    ("finetune", "exec_prompt"), ("finetune", "trajectory_attempt"), ("finetune", "trajectory_prompt"),
})
FIELDS.update({
    ("finetune", "exec_prompt"): frozenset({"start", "code", "feedback"}),
    ("finetune", "trajectory_attempt"): frozenset({"rank", "code"}),
    ("finetune", "trajectory_prompt"): frozenset({"start", "attempts"}),
})
# Templates allowed to leave out some of their fields (a prompt file reproducing an ECCO quirk may drop the
# problem description from the nl2code feedback prompt, for instance).
OPTIONAL: dict[tuple[str, str], frozenset[str]] = {
    ("feedback", "nl2code"): frozenset({"description"}),
}


class TemplateError(Exception):
    """A prompt file is unreadable or a template in it does not fit the fields the code supplies."""


def _fields(template: str) -> set[str]:
    names = set()
    for _, name, spec, conv in string.Formatter().parse(template):
        if name is None:
            continue
        if not name.isidentifier() or spec or conv:
            raise ValueError(f"placeholder {{{name}{'!' + conv if conv else ''}{':' + spec if spec else ''}}} "
                             "must be a plain {name}")
        names.add(name)
    return names


@dataclass(frozen=True, slots=True)
class PromptBook:
    """One prompt set: every template ECCO's methods need, plus chat wrappers for raw completion endpoints."""

    name: str
    source: str  # where it was loaded from (package resource or file path)
    sha256: str  # of the file's bytes: which exact wording made a round
    templates: Mapping[tuple[str, str], str]
    wrappers: Mapping[str, str]

    # -- loading ---------------------------------------------------------------------------------------------
    @classmethod
    def load(cls, path: str | Path | None = None) -> PromptBook:
        """The packaged ECCO prompts, or a user's TOML file with the same tables."""
        if path is None:
            data = resources.files("ecco_tui.refine").joinpath("prompts", DEFAULT_PROMPTS).read_bytes()
            source = f"ecco_tui/refine/prompts/{DEFAULT_PROMPTS}"
        else:
            source = str(path)
            try:
                data = Path(path).expanduser().read_bytes()
            except OSError as exc:
                raise TemplateError(f"{source}: cannot read prompt file: {exc.strerror or exc}") from exc
        return cls.from_bytes(data, source)

    @classmethod
    def from_bytes(cls, data: bytes, source: str) -> PromptBook:
        try:
            doc = tomllib.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise TemplateError(f"{source}: not a valid TOML prompt file: {exc}") from exc
        templates: dict[tuple[str, str], str] = {}
        packaged = None
        for (table, key), wanted in FIELDS.items():
            value = _lookup(doc, table, key)
            if value is None and (table, key) in FALLBACK and source != f"ecco_tui/refine/prompts/{DEFAULT_PROMPTS}":
                packaged = packaged or cls.load()
                templates[(table, key)] = packaged.templates[(table, key)]
                continue
            if not isinstance(value, str):
                raise TemplateError(f"{source}: [{table}] {key} is missing or not text")
            try:
                used = _fields(value)
            except ValueError as exc:
                raise TemplateError(f"{source}: [{table}] {key}: {exc}") from exc
            unknown = used - wanted
            missing = wanted - used - OPTIONAL.get((table, key), frozenset())
            if unknown:
                raise TemplateError(f"{source}: [{table}] {key} uses unknown placeholder(s) "
                                    f"{', '.join(sorted(unknown))} (allowed: {', '.join(sorted(wanted)) or 'none'})")
            if missing:
                raise TemplateError(f"{source}: [{table}] {key} lacks placeholder(s) {', '.join(sorted(missing))}")
            templates[(table, key)] = value
        raw_wrappers = doc.get("wrappers", {"none": "{prompt}"})
        wrappers: dict[str, str] = {}
        if not isinstance(raw_wrappers, dict):
            raise TemplateError(f"{source}: [wrappers] must be a table")
        for name, value in raw_wrappers.items():
            if not isinstance(value, str):
                raise TemplateError(f"{source}: [wrappers] {name} is not text")
            try:
                used = _fields(value)
            except ValueError as exc:
                raise TemplateError(f"{source}: [wrappers] {name}: {exc}") from exc
            if used != {"prompt"}:
                raise TemplateError(f"{source}: [wrappers] {name} must use exactly one placeholder, {{prompt}}")
            wrappers[name] = value
        wrappers.setdefault("none", "{prompt}")
        meta = doc.get("meta", {})
        name = str(meta.get("name", Path(source).stem)) if isinstance(meta, dict) else Path(source).stem
        return cls(name=name, source=source, sha256=hashlib.sha256(data).hexdigest(), templates=templates,
                   wrappers=wrappers)

    @property
    def ident(self) -> str:
        """Short identity stored with every generated round: name plus the first 12 hex of the file hash."""
        return f"{self.name}@{self.sha256[:12]}"

    # -- rendering -------------------------------------------------------------------------------------------
    def _render(self, table: str, key: str, **values: str) -> str:
        return self.templates[(table, key)].format_map(values)

    def wrap(self, prompt: str, wrapper: str = "none") -> str:
        """The text a raw-completion model sees: ECCO's FastChat conversation template around the prompt."""
        try:
            template = self.wrappers[wrapper]
        except KeyError:
            raise TemplateError(f"{self.source}: no wrapper {wrapper!r} (have: {', '.join(sorted(self.wrappers))})"
                                ) from None
        return template.format_map({"prompt": prompt})

    def _start(self, table: str, examples: Sequence[str], instruct: bool) -> str:
        start = self._render(table, "instruction") if instruct else ""
        if examples:
            intro = self._render("few_shot", "intro_instruct" if instruct else "intro_base")
            start += intro + self._render("few_shot", "separator").join(examples)
        return start

    def target_block(self, code: str) -> str:
        return self._render("few_shot", "target_block", code=code)

    def edit_prompt(self, code: str, examples: Sequence[tuple[str, str]] = (), *, instruct: bool = True) -> str:
        """I_eff: instruct (no examples) or few-shot (train pairs as (slow, fast)); `instruct=False` for base
        models, which get no instruction, as in ECCO's `--instruct_version base`."""
        shots = [self._render("edit", "example", input=slow, target_block=self.target_block(fast))
                 for slow, fast in examples]
        return self._render("edit", "prompt", start=self._start("edit", shots, instruct), code=code)

    def nl2code_prompt(self, description: str, examples: Sequence[tuple[str, str]] = (), *,
                       instruct: bool = True) -> str:
        """I_gen: write an efficient program from the NL statement; examples are (description, fastest_code)."""
        shots = [self._render("nl2code", "example", description=desc, target_block=self.target_block(code))
                 for desc, code in examples]
        return self._render("nl2code", "prompt", start=self._start("nl2code", shots, instruct),
                            description=description)

    def feedback_prompt(self, code: str, *, description: str | None = None) -> str:
        """Self-refine's critique request; the generation task adds the problem statement."""
        if description is None:
            return self._render("feedback", "edit", code=code)
        return self._render("feedback", "nl2code", code=code, description=description)

    def refine_prompt(self, code: str, feedback: str) -> str:
        """The refinement request of every method; `feedback` is NL feedback, exec feedback or a reflection."""
        return self._render("refine", "prompt", code=code, feedback=feedback)

    # -- fine-tuning layouts (ECCO section 4.3; `ecco export-training`) -----------------------------------------
    def vanilla_edit_prompt(self, code: str) -> str:
        """Vanilla fine-tuning, editing: the instruct prompt with no examples; the target is `target_block`."""
        return self.edit_prompt(code)

    def vanilla_nl2code_prompt(self, description: str) -> str:
        """Vanilla fine-tuning, NL generation: the instruct prompt with no examples."""
        return self.nl2code_prompt(description)

    def completion(self, task: str, code: str) -> str:
        """The fine-tuning target after a prompt: what follows the prompt's last line in an in-context example
        (`edit.example` / `nl2code.example`: the editing example puts the code block on the next line, the
        NL one right after "## Solution:"), so prompt + completion reads as ECCO's examples do."""
        table = "edit" if task == "edit" else "nl2code"
        marker = "\x00"
        example = self._render(table, "example", input=marker, description=marker, target_block=marker)
        tail = example.rsplit(marker, 1)[0]
        before = tail[tail.rfind(":") + 1:] if ":" in tail else ""  # what separates the header and the block
        return before + self.target_block(code)

    def exec_edit_prompt(self, code: str, feedback: str) -> str:
        """Execution-conditioned fine-tuning: the program and its public tests' execution feedback."""
        return self._render("finetune", "exec_prompt", start=self._start("edit", [], True), code=code,
                            feedback=feedback)

    def trajectory_prompt(self, attempts: Sequence[tuple[str, str]]) -> str:
        """Trajectory-conditioned fine-tuning: earlier programs of one user as (rank, code), slowest first."""
        shown = self._render("few_shot", "separator").join(
            self._render("finetune", "trajectory_attempt", rank=rank, code=code) for rank, code in attempts)
        return self._render("finetune", "trajectory_prompt", start=self._start("edit", [], True), attempts=shown)

    def reflect_prompt(self, code: str, exec_feedback: str) -> str:
        """NL+exec refine: ask for a reflection on the execution feedback before refining."""
        return self._render("reflect", "prompt", code=code, exec_feedback=exec_feedback)


def _lookup(doc: dict[str, Any], table: str, key: str) -> Any:
    section = doc.get(table)
    return section.get(key) if isinstance(section, dict) else None
