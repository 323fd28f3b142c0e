"""The `ecco` command as users script it: exit codes, one-line errors, and the public flags."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from ecco_tui.cli.main import app
from ecco_tui.store.store import Store

runner = CliRunner()


def ecco(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_import_then_stats_shows_counts(tiny_release: Path, store_path: Path) -> None:
    code, out, _ = ecco("import", str(tiny_release), "--db", str(store_path))
    assert code == 0
    assert "3 pairs" in out
    code, out, _ = ecco("stats", "--db", str(store_path))
    assert code == 0
    assert "pairs" in out and "test_cases" in out


def test_import_twice_gives_identical_counts(tiny_release: Path, store_path: Path) -> None:
    ecco("import", str(tiny_release), "--db", str(store_path))
    with Store.open(store_path, read_only=True) as s:
        first = s.counts()
    ecco("import", str(tiny_release), "--db", str(store_path))
    with Store.open(store_path, read_only=True) as s:
        assert s.counts() == first


def test_malformed_file_exits_1_with_one_line_naming_it(tiny_release: Path, store_path: Path) -> None:
    ecco("import", str(tiny_release), "--db", str(store_path))
    (tiny_release / "edit" / "test.jsonl").write_text('{"problem_id": "p1", "input": "x"}\n')
    code, _, err = ecco("import", str(tiny_release), "--db", str(store_path))
    assert code == 1
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1
    assert "edit/test.jsonl:1: target: missing required column" in lines[0].replace("\n", "")
    with Store.open(store_path, read_only=True) as s:
        assert s.counts().tables["pairs"] == 3


def test_unknown_split_flag_is_refused(tiny_release: Path, store_path: Path) -> None:
    code, _, err = ecco("import", str(tiny_release / "edit" / "test.jsonl"), "--split", "dev2", "--db",
                        str(store_path))
    assert code == 1
    assert "--split: unknown split 'dev2'" in err


def test_store_from_a_newer_version_is_refused_in_one_line(store_path: Path) -> None:
    import duckdb

    Store.open(store_path).close()
    con = duckdb.connect(str(store_path))
    con.execute("INSERT INTO schema_version (version, name) VALUES (99, 'future')")
    con.close()
    code, _, err = ecco("stats", "--db", str(store_path))
    assert code == 1
    assert "newer ecco-tui" in err


def test_demo_no_open_builds_the_sample_store() -> None:
    code, out, _ = ecco("demo", "--no-open")
    assert code == 0
    assert "sample.duckdb" in out.replace("\n", "")


def test_report_json_lists_each_run(tiny_release: Path, store_path: Path, tmp_path: Path) -> None:
    from tests.factories import EDIT_ROWS, FAST_SUM, edit_output_record, write_records

    ecco("import", str(tiny_release), "--db", str(store_path))
    rows = [edit_output_record(r, FAST_SUM) for r in EDIT_ROWS["test"]]
    out_file = write_records(tmp_path / "edit_m_instruct_nrowsNone_samples1.jsonl", rows)
    code, out, _ = ecco("import-outputs", str(out_file), "--db", str(store_path), "--run", "r1")
    assert code == 0 and "run r1" in out
    code, out, _ = ecco("report", "--db", str(store_path), "--format", "json")
    assert code == 0
    (line,) = json.loads(out)
    assert (line["run_id"], line["task"], line["n"]) == ("r1", "edit", 2)
    assert line["outcomes"]["not-run"] == 2


def _store_with_unrun_outputs(tiny_release: Path, store_path: Path, tmp_path: Path) -> None:
    from tests.factories import EDIT_ROWS, FAST_SUM, edit_output_record, write_records

    ecco("import", str(tiny_release), "--db", str(store_path))
    rows = [edit_output_record(r, FAST_SUM) for r in EDIT_ROWS["test"]]
    out_file = write_records(tmp_path / "edit_m_instruct_nrowsNone_samples1.jsonl", rows)
    assert ecco("import-outputs", str(out_file), "--db", str(store_path), "--run", "r1")[0] == 0


def test_report_markdown_shows_the_outcome_counts(tiny_release: Path, store_path: Path, tmp_path: Path) -> None:
    _store_with_unrun_outputs(tiny_release, store_path, tmp_path)
    code, out, _ = ecco("report", "--db", str(store_path), "--format", "md")
    assert code == 0
    assert "### Outcomes of editing outputs" in out
    assert ("| model | method | correct | spurious | no gain | within-noise | broken | not-run "
            "| below resolution |") in out
    assert "| 0 | 0 | 0 | 0 | 0 | 2 | 0 |" in out  # both outputs not run


def test_report_table_shows_the_outcome_counts(tiny_release: Path, store_path: Path, tmp_path: Path) -> None:
    _store_with_unrun_outputs(tiny_release, store_path, tmp_path)
    code, out, _ = ecco("report", "--db", str(store_path))
    assert code == 0
    assert "Outcomes of editing outputs" in out and "below resolution" in out


def test_report_on_unknown_run_names_the_known_ones(tiny_release: Path, store_path: Path) -> None:
    ecco("import", str(tiny_release), "--db", str(store_path))
    code, _, err = ecco("report", "--db", str(store_path), "--run", "nope")
    assert code == 1
    assert "no run named 'nope'" in err


def test_label_export_import_and_kappa_from_the_command_line(store_with_run: Path, tmp_path: Path) -> None:
    for target, a, b in (("r:0:0:0", "broken", "broken"), ("r:1:0:0", "no-gain", "broken")):
        assert ecco("label", target, a, "--author", "alice", "--db", str(store_with_run))[0] == 0
        assert ecco("label", target, b, "--author", "bob", "--db", str(store_with_run))[0] == 0
    out_file = tmp_path / "labels.csv"
    code, out, _ = ecco("export-annotations", "--out", str(out_file), "--db", str(store_with_run))
    assert code == 0 and "wrote 4 annotations" in out
    fresh = tmp_path / "fresh.duckdb"
    assert ecco("import-annotations", str(out_file), "--db", str(fresh))[0] == 0
    code, out, _ = ecco("stats", "--annotations", "--db", str(fresh))
    assert code == 0
    assert "alice" in out and "bob" in out and "0.500" in out  # 1 of 2 shared targets agree


def test_label_outside_the_label_set_is_refused(store_with_run: Path) -> None:
    code, _, err = ecco("label", "r:0:0:0", "superb", "--db", str(store_with_run))
    assert code == 1 and "unknown label 'superb'" in err


def test_import_hub_accepts_a_local_snapshot_folder(tiny_release: Path, store_path: Path) -> None:
    code, out, _ = ecco("import", "--hub", str(tiny_release), "--db", str(store_path))
    assert code == 0, out
    assert "3 pairs" in out


def test_import_without_paths_or_hub_says_what_to_give(store_path: Path) -> None:
    code, _, err = ecco("import", "--db", str(store_path))
    assert code == 1 and "--hub" in err
