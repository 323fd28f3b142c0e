"""Training examples on disk: one Hugging Face parquet file per split, JSONL, and a dataset card.

`datasets.load_dataset("parquet", data_dir=OUT)` loads the parquet files as splits (`train`, `validation`,
named so the library's split detection finds them). The JSONL copy is one file, `jsonl/examples.jsonl`, with
a `split` field: a file per split named after it would also match that detection and be read as parquet.
Every example carries its provenance (problem, source, verdict engine and accounting, speedup with interval).
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from ecco_tui.services.training.options import Candidate, Counts, ExportOptions

#: File names of the splits, as the `datasets` library detects splits in a data directory.
SPLIT_FILES = {"train": "train", "val": "validation"}


@dataclass(frozen=True, slots=True)
class Example:
    """One row of the exported dataset. SFT formats fill prompt/completion/messages; preference fills
    prompt/chosen/rejected (and their chat forms) and `reason`."""

    format: str
    task: str
    split: str
    problem_id: str
    source: str
    source_id: str
    prompt: str
    completion: str | None
    chosen: str | None
    rejected: str | None
    reason: str | None
    rejected_source_id: str | None
    engine: str | None
    accounting: str | None
    speedup: float | None
    speedup_lo: float | None
    speedup_hi: float | None

    @classmethod
    def single(cls, c: Candidate, format_: str, prompt: str, completion: str) -> Example:
        return cls(format_, c.task, c.split, c.problem_id, c.source, c.source_id, prompt, completion, None, None,
                   None, None, c.engine, c.accounting, c.speedup, c.speedup_lo, c.speedup_hi)

    @classmethod
    def preference(cls, chosen: Candidate, rejected: Candidate, prompt: str, chosen_text: str, rejected_text: str,
                   reason: str) -> Example:
        return cls("preference", chosen.task, chosen.split, chosen.problem_id, chosen.source, chosen.source_id,
                   prompt, None, chosen_text, rejected_text, reason, rejected.source_id, chosen.engine,
                   chosen.accounting, chosen.speedup, chosen.speedup_lo, chosen.speedup_hi)

    def record(self) -> dict[str, Any]:
        """The row as written: the SFT or preference columns, chat `messages` beside the plain text."""
        provenance = {k: v for k, v in asdict(self).items()
                      if k not in ("prompt", "completion", "chosen", "rejected", "format")}
        user = {"role": "user", "content": self.prompt}
        if self.format == "preference":
            return {"prompt": self.prompt, "chosen": self.chosen, "rejected": self.rejected,
                    "prompt_messages": [user],
                    "chosen_messages": [{"role": "assistant", "content": self.chosen}],
                    "rejected_messages": [{"role": "assistant", "content": self.rejected}], **provenance}
        for key in ("reason", "rejected_source_id"):
            provenance.pop(key, None)
        return {"prompt": self.prompt, "completion": self.completion,
                "messages": [user, {"role": "assistant", "content": self.completion}], **provenance}


@dataclass(frozen=True, slots=True)
class WrittenDataset:
    directory: Path
    files: tuple[Path, ...]


def _messages_type() -> pa.DataType:
    return pa.list_(pa.struct([("role", pa.string()), ("content", pa.string())]))


def _schema(preference: bool) -> pa.Schema:
    text = [("prompt", pa.string())]
    text += ([("chosen", pa.string()), ("rejected", pa.string()), ("prompt_messages", _messages_type()),
              ("chosen_messages", _messages_type()), ("rejected_messages", _messages_type())] if preference
             else [("completion", pa.string()), ("messages", _messages_type())])
    provenance = [("task", pa.string()), ("split", pa.string()), ("problem_id", pa.string()),
                  ("source", pa.string()), ("source_id", pa.string())]
    if preference:
        provenance += [("reason", pa.string()), ("rejected_source_id", pa.string())]
    provenance += [("engine", pa.string()), ("accounting", pa.string()), ("speedup", pa.float64()),
                   ("speedup_lo", pa.float64()), ("speedup_hi", pa.float64())]
    return pa.schema(text + provenance)


def _card(examples: Sequence[Example], options: ExportOptions, counts: Counts, skipped: dict[str, int],
          prompts: str, files: Sequence[str]) -> str:
    per_split: dict[str, dict[str, int]] = {}
    for e in examples:
        per_split.setdefault(SPLIT_FILES[e.split], {}).setdefault(e.source, 0)
        per_split[SPLIT_FILES[e.split]][e.source] += 1
    sources = sorted({s for by in counts.stages.values() for s in by})
    configs = "\n".join(f"  - split: {name}\n    path: {name}.parquet" for name in sorted(per_split))
    lines = [
        "---",
        "configs:",
        "- config_name: default",
        "  data_files:",
        configs,
        "---",
        "",
        f"# ECCO fine-tuning data: {options.format} ({options.task})",
        "",
        "Exported by `ecco export-training` (ecco-tui) from a workbench store. Formats follow the ECCO paper's",
        "section 4.3 (vanilla, execution-conditioned, trajectory-conditioned); `preference` pairs a verified",
        "correct optimization (chosen) with a spurious or no-gain output of the same input (rejected).",
        f"Prompt layouts: `{prompts}` (ecco-tui's `refine/prompts/ecco.toml` or the file given).",
        "",
        "## Counts",
        "",
        "| split | source | examples |",
        "|---|---|---|",
        *(f"| {split} | {source} | {n} |" for split, by in sorted(per_split.items())
          for source, n in sorted(by.items())),
        "",
        "## Filters",
        "",
        f"- splits: {', '.join(options.splits)} (the test split is never exported)",
        f"- target verdicts of model outputs: {', '.join(options.verdicts)}",
        f"- labels: {', '.join(options.labels) or 'any'}",
        f"- minimum speedup: {options.min_speedup if options.min_speedup is not None else 'none'}",
        f"- ECCO-FIX fixes as targets: {'yes' if options.include_fixes else 'no'}",
        "",
        "| filter | " + " | ".join(sources) + " |",
        "|---|" + "---|" * len(sources),
        *(f"| {stage} | " + " | ".join(str(by.get(s, 0)) for s in sources) + " |"
          for stage, by in counts.stages.items()),
        "",
        *(f"- left out: {n} ({why})" for why, n in sorted(skipped.items())),
        "",
        "## Columns",
        "",
        "`prompt`/`completion` and chat `messages` (SFT), or `prompt`/`chosen`/`rejected` with their chat forms and",
        "`reason` (preference); provenance: `problem_id`, `split`, `source` (codenet-pair, codenet-trajectory,",
        "codenet-fastest, model-run, ecco-fix), `source_id` (pair, trajectory, problem or output id), `engine` and",
        "`accounting` of the verdict that verified the target, `speedup` with its 95% interval (`speedup_lo`,",
        "`speedup_hi`; CodeNet examples: the ratio of the release's reference runtimes, no interval).",
        "",
        "## Licences",
        "",
        "Check the terms of every source before redistributing: the programs are IBM Project CodeNet submissions",
        "(see the CodeNet release's terms), the problem selection and splits are ECCO's (EfficientCode/ECCO on",
        "the Hugging Face Hub), and model outputs are subject to the terms of the model that produced them.",
        "",
        f"Files: {', '.join(files)}",
        "",
    ]
    return "\n".join(lines)


def _atomic_write(path: Path, write: Any) -> None:
    """Write through a temporary file in the same directory, renamed into place: no half-written file."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_dataset(out: Path, examples: Sequence[Example], options: ExportOptions, counts: Counts,
                  skipped: dict[str, int], prompts: str) -> WrittenDataset:
    """Parquet per split, `jsonl/examples.jsonl` and `README.md` under `out` (created; files replaced)."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "jsonl").mkdir(exist_ok=True)
    schema = _schema(options.format == "preference")
    files: list[Path] = []
    for split in sorted({e.split for e in examples}):
        rows = [e.record() for e in examples if e.split == split]
        table = pa.Table.from_pylist(rows, schema=schema)
        path = out / f"{SPLIT_FILES[split]}.parquet"
        _atomic_write(path, lambda tmp, table=table: pq.write_table(table, tmp))
        files.append(path)
    for stale in (out / f"{name}.parquet" for name in SPLIT_FILES.values()):
        if stale not in files:
            stale.unlink(missing_ok=True)  # a split this export has not: the directory holds one dataset
    jsonl = out / "jsonl" / "examples.jsonl"

    def dump(tmp: Path) -> None:
        with tmp.open("w", encoding="utf-8") as fh:
            for e in examples:
                fh.write(json.dumps(e.record(), ensure_ascii=False) + "\n")

    _atomic_write(jsonl, dump)
    files.append(jsonl)
    card = out / "README.md"
    text = _card(examples, options, counts, skipped, prompts, [str(f.relative_to(out)) for f in files])
    _atomic_write(card, lambda tmp: tmp.write_text(text, encoding="utf-8"))
    files.append(card)
    return WrittenDataset(out, tuple(files))
