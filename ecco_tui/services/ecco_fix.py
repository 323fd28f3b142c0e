"""ECCO-FIX: almost-correct model outputs, and the fixed programs researchers write for them.

A *candidate* is a final-round model output whose stored executions pass every public test of its problem
and fail at least one private test. The executions follow `ecco report`'s rules: the newest execution per
test and repeat, one engine per run (`judging.Measurements`, engine policy ONLY: the one engine with
results, or the one asked for), row-bound imported results before content-addressed ones. A test passes
when every one of its latest repeats was Accepted. An output whose public tests were not all executed is
not a candidate: nothing says it passes them (`ecco eval` runs private tests only unless asked for public ones too).

The link between an output and its fix needs no schema change: it is an annotation on the output, label
`ecco-fix-candidate`, whose note is JSON::

    {"fixed_program_id": "<programs.program_id>", "code_sha256": "<sha of the fixed code>"}

The fixed program itself is a row of `programs` (id `program_id_for(problem_id, code)`, like an imported
program). `confirm_candidate` writes the same label with no note: confirmed, not fixed yet. Every live
(non-retracted) ecco-fix-candidate annotation counts, whoever wrote it and whatever was labelled since, so
relabelling an output does not lose its fix; the newest fix wins.
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from dataclasses import dataclass, field, replace

import pyarrow as pa

from ecco_tui.engines.base import Engine, Limits, code_sha256
from ecco_tui.ingest.release import program_id_for
from ecco_tui.model import Annotation, Execution, StoredTest
from ecco_tui.services.annotations import label
from ecco_tui.services.evaluation import execute_plan, plan_evaluation
from ecco_tui.services.report import RunMeasurements
from ecco_tui.store.store import Store, StoreError

log = logging.getLogger(__name__)

FIX_LABEL = "ecco-fix-candidate"
ACCEPTED = 3
EXCERPT = 2000


@dataclass(frozen=True, slots=True)
class FailingTest:
    """One private test a candidate fails: what it was given, what was expected, what it printed."""

    visibility: str
    idx: int
    status: str
    input_excerpt: str
    expected: str
    actual: str
    stderr: str = ""

    @property
    def label(self) -> str:
        return f"{self.visibility}:{self.idx}"


@dataclass(frozen=True, slots=True)
class FixCandidate:
    output_id: str
    run_id: str
    problem_id: str
    row_idx: int
    sample_idx: int
    code: str
    engine: str | None
    n_public: int
    n_private: int
    failing: tuple[FailingTest, ...]
    confirmed: bool = False  # a live ecco-fix-candidate label exists
    fixed_program_id: str | None = None

    @property
    def has_fix(self) -> bool:
        return self.fixed_program_id is not None


@dataclass(frozen=True, slots=True)
class FixTestResult:
    visibility: str
    idx: int
    status: str
    passed: bool
    expected: str
    actual: str

    @property
    def label(self) -> str:
        return f"{self.visibility}:{self.idx}"


@dataclass(frozen=True, slots=True)
class FixRun:
    """A candidate fix run on every test of its problem (public and private)."""

    problem_id: str
    code_sha256: str
    engine: str
    results: tuple[FixTestResult, ...]
    errors: tuple[str, ...] = field(default=())

    @property
    def n_passed(self) -> int:
        return sum(r.passed for r in self.results)

    @property
    def all_passed(self) -> bool:
        return bool(self.results) and not self.errors and all(r.passed for r in self.results)


# -- the queue ------------------------------------------------------------------------------------
def _fix_links(store: Store, output_ids: set[str]) -> dict[str, tuple[bool, str | None]]:
    """output_id -> (confirmed, newest fixed_program_id) from every live ecco-fix-candidate annotation."""
    links: dict[str, tuple[bool, str | None]] = {}
    for ann in sorted(_fix_annotations(store), key=lambda a: (a.created_at, a.annotation_id)):
        if ann.target_id not in output_ids:
            continue
        fixed = parse_fix_note(ann.note)
        _, previous = links.get(ann.target_id, (True, None))
        links[ann.target_id] = (True, fixed["fixed_program_id"] if fixed else previous)
    return links


def _fix_annotations(store: Store) -> list[Annotation]:
    return [a for a in store.all_annotations() if a.label == FIX_LABEL and a.target_kind == "output"
            and not a.retracted]


def parse_fix_note(note: str | None) -> dict[str, str] | None:
    """The link stored in an ecco-fix-candidate note, or None for a plain confirmation (or a free-text note)."""
    if not note:
        return None
    try:
        value = json.loads(note)
    except ValueError:
        return None
    if isinstance(value, dict) and isinstance(value.get("fixed_program_id"), str):
        return {"fixed_program_id": value["fixed_program_id"], "code_sha256": str(value.get("code_sha256", ""))}
    return None


def _by_test(executions: list[Execution]) -> dict[tuple[str, int], list[Execution]]:
    grouped: dict[tuple[str, int], list[Execution]] = defaultdict(list)
    for ex in executions:
        grouped[(ex.visibility, ex.test_idx)].append(ex)
    return grouped


def _excerpt(text: str | None) -> str:
    text = text or ""
    return text if len(text) <= EXCERPT else text[:EXCERPT] + "…"


def _failing(ex: Execution, test: StoredTest | None) -> FailingTest:
    return FailingTest(ex.visibility, ex.test_idx, ex.status_description,
                       _excerpt(test.input if test else ""), _excerpt(test.expected_output if test else ""),
                       _excerpt(ex.stdout_excerpt), _excerpt(ex.stderr_excerpt))


def fix_candidates(store: Store, *, run_id: str | None = None, engine: str | None = None) -> list[FixCandidate]:
    """Final-round outputs passing every public test and failing at least one private one (see the module doc).

    Scanning every run, a run whose results come from several engines (and no `engine` asked for) is skipped
    with a log warning; with `run_id` given it raises, as `ecco report` does.
    """
    runs = store.runs()
    if run_id is not None:
        runs = [r for r in runs if r.run_id == run_id]
        if not runs:
            raise StoreError(f"no run named {run_id!r}")
    tests: dict[str, dict[tuple[str, int], StoredTest]] = {}
    found: list[FixCandidate] = []
    for run in runs:
        try:
            data = RunMeasurements(store, run, engine=engine, visibility=None, detail=True)
        except StoreError:
            if run_id is not None:
                raise
            log.warning("ecco-fix: skipping run %s (results from several engines)", run.run_id)
            continue
        for row, outs in data.rows.items():
            for out in outs:
                if not out.code or not out.code.strip():
                    continue
                if out.problem_id not in tests:
                    tests[out.problem_id] = {(t.visibility, t.idx): t for t in store.tests_for(out.problem_id)}
                problem_tests = tests[out.problem_id]
                public = [k for k in problem_tests if k[0] == "public"]
                private = [k for k in problem_tests if k[0] == "private"]
                by_test = _by_test(data.detailed(out.code, out.problem_id, row, "output"))
                if not public or any(k not in by_test for k in public):
                    continue
                if not all(e.status_id == ACCEPTED for k in public for e in by_test[k]):
                    continue
                failing = [
                    _failing(next(e for e in by_test[k] if e.status_id != ACCEPTED), problem_tests.get(k))
                    for k in sorted(by_test) if k[0] == "private"
                    and any(e.status_id != ACCEPTED for e in by_test[k])
                ]
                if not failing:
                    continue
                found.append(FixCandidate(
                    output_id=out.output_id, run_id=run.run_id, problem_id=out.problem_id, row_idx=row,
                    sample_idx=out.sample_idx, code=out.code, engine=data.engine, n_public=len(public),
                    n_private=len(private), failing=tuple(failing),
                ))
    links = _fix_links(store, {c.output_id for c in found})
    return [replace(c, confirmed=links[c.output_id][0], fixed_program_id=links[c.output_id][1])
            if c.output_id in links else c for c in found]


# -- running and saving a fix ---------------------------------------------------------------------
async def run_fix(store: Store, engine: Engine, problem_id: str, code: str, limits: Limits) -> FixRun:
    """Run `code` on every stored test of the problem (public and private); results are stored like any
    evaluation's (content-addressed, so an unchanged fix is not run twice) and returned per test."""
    info = await engine.info()
    programs = [("output", problem_id, code)]
    plan = plan_evaluation(store, programs, info, limits, run_id="", visibility=None)
    stats = await execute_plan(store, engine, plan, limits, source="ecco-fix")
    sha = code_sha256(code)
    latest = [e for e in store.latest_executions([sha], engine=info.name) if e.problem_id == problem_id
              and e.context is None]
    by_test = _by_test(latest)
    results = []
    for test in store.tests_for(problem_id):
        runs = by_test.get((test.visibility, test.idx), [])
        bad = next((e for e in runs if e.status_id != ACCEPTED), None)
        shown = bad or (runs[0] if runs else None)
        results.append(FixTestResult(
            test.visibility, test.idx, shown.status_description if shown else "not run",
            bool(runs) and bad is None, _excerpt(test.expected_output), _excerpt(shown.stdout_excerpt if shown else ""),
        ))
    errors = tuple(stats.errors) + ((f"{problem_id} has no stored tests",) if plan.missing_tests else ())
    return FixRun(problem_id, sha, info.name, tuple(results), errors)


def can_save(run: FixRun | None, problem_id: str, code: str) -> str | None:
    """Why this code cannot be saved as a fix yet, or None: it must have been run, unchanged since, on
    this problem, and passed every test."""
    if not code.strip():
        return "The fix is empty."
    if run is None:
        return "Run the fix first (ctrl+r): only a fix that passes every test can be saved."
    if run.problem_id != problem_id or run.code_sha256 != code_sha256(code):
        return "The code changed since the last run: run it again (ctrl+r) before saving."
    if not run.all_passed:
        return f"The last run passed {run.n_passed}/{len(run.results)} tests: only a fix passing all can be saved."
    return None


def save_fix(store: Store, output_id: str, code: str, author: str) -> str:
    """Store `code` as a program of the output's problem and link it to the output (an ecco-fix-candidate
    annotation with a JSON note, see the module doc). Returns the fixed program's id."""
    output = store.get_output(output_id)
    if output is None:
        raise StoreError(f"no model output {output_id!r}")
    if not code.strip():
        raise ValueError("an empty program cannot be a fix")
    program_id = program_id_for(output.problem_id, code)
    sha = code_sha256(code)
    row = {"program_id": program_id, "problem_id": output.problem_id, "code": code, "code_sha256": sha,
           "language": "Python"}
    with store.transaction() as tx:
        tx.upsert("programs", pa.Table.from_pylist([row]))
    label(store, "output", output_id, FIX_LABEL, author,
          note=json.dumps({"fixed_program_id": program_id, "code_sha256": sha}, sort_keys=True))
    return program_id


def confirm_candidate(store: Store, output_id: str, author: str) -> Annotation:
    """Mark an output as an ECCO-FIX candidate without a fix (yet)."""
    if store.get_output(output_id) is None:
        raise StoreError(f"no model output {output_id!r}")
    return label(store, "output", output_id, FIX_LABEL, author)
