"""`ecco report --metrics`: every efficiency metric of the field per run, in every format, with --agreement the
tau-b matrix; without --metrics the report is what it was (tests/services/test_report*.py check its bytes)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ecco_tui.cli.main import app
from ecco_tui.store.store import Store
from tests.services.field_fixtures import build_field_store


@pytest.fixture
def db(store_path: Path, tmp_path: Path) -> Path:
    with Store.open(store_path) as store:
        build_field_store(store, tmp_path / "files", generation=True)
    return store_path


def report(db: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["report", "--db", str(db), *args])
    return result.exit_code, result.output


def test_json_lists_every_metric_for_every_run_or_its_na_reason(db: Path) -> None:
    code, out = report(db, "--metrics", "all", "--format", "json")
    assert code == 0, out
    tables = json.loads(out)
    assert [(t["task"], [r["run_id"] for r in t["runs"]]) for t in tables] == [("edit", ["A", "B"]),
                                                                              ("generate", ["G"])]
    for table in tables:
        for run in table["runs"]:
            assert len(run["metrics"]) == 11
            for cell in run["metrics"].values():
                assert cell["value"] is not None or cell["note"].startswith("n/a: needs")
    g = tables[1]["runs"][0]["metrics"]
    assert g["speedup@1"] == {"value": None, "interval": None, "note": "n/a: needs a source program (editing runs)",
                              "n": 0, "rank": None, "top_outputs": []}
    assert tables[0]["runs"][0]["metrics"]["eff@1"]["value"] == pytest.approx(1.0)


def test_a_comma_list_picks_the_columns(db: Path) -> None:
    code, out = report(db, "--metrics", "eff@1,dps_norm,pie", "--format", "json", "--run", "A")
    assert code == 0, out
    (table,) = json.loads(out)
    assert [m["key"] for m in table["metrics"]] == ["eff@1", "dps_norm", "speedup@1", "pct_opt"]


def test_agreement_adds_the_tau_matrix(db: Path) -> None:
    code, out = report(db, "--metrics", "all", "--agreement", "--format", "json")
    assert code == 0, out
    edit = json.loads(out)[0]
    assert edit["agreement"]["eff@1"]["net"] == 1.0


def test_markdown_has_a_table_per_run_set_and_says_what_the_reference_is(db: Path) -> None:
    code, out = report(db, "--metrics", "all", "--agreement", "--format", "md")
    assert code == 0, out
    assert "### History-based editing (test): every efficiency metric" in out
    assert "### NL-instructed generation (test): every efficiency metric" in out
    assert "reference: the pair's fast program" in out
    assert "EvalPerf / COFFE cost: cpu time" in out
    assert "#### Kendall's tau-b" in out
    assert "| modelA | instruct | 1.000 [0.500–1.500] |" in out


def test_csv_has_one_line_per_run_and_metric(db: Path) -> None:
    code, out = report(db, "--metrics", "eff@1,net", "--format", "csv")
    assert code == 0, out
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [(r["run_id"], r["metric"]) for r in rows] == [("A", "eff@1"), ("A", "net"), ("B", "eff@1"),
                                                          ("B", "net"), ("G", "eff@1"), ("G", "net")]
    assert rows[0]["rank"] == "1.0"


def test_the_table_format_prints_the_table_and_the_na_reasons(db: Path) -> None:
    code, out = report(db, "--metrics", "pie", "--agreement")
    assert code == 0, out
    assert "every efficiency metric" in out and "Kendall's tau-b" in out
    assert "G: speedup@1, pct_opt: n/a, needs a source program (editing runs)" in out


def test_an_unknown_metric_fails_naming_it(db: Path) -> None:
    code, out = report(db, "--metrics", "speedy")
    assert code != 0 and "unknown metric 'speedy'" in out


def test_agreement_needs_metrics(db: Path) -> None:
    code, out = report(db, "--agreement")
    assert code != 0 and "--agreement goes with --metrics" in out
