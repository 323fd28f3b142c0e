"""Settings come from flags, then environment, then the config file, then defaults."""

from __future__ import annotations

from pathlib import Path

import pytest

from ecco_tui import config
from ecco_tui.config import ConfigError, load_settings


def _write_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(text)
    monkeypatch.setenv("ECCO_CONFIG", str(path))


def test_defaults_put_the_store_under_xdg_data_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    settings = load_settings()
    assert settings.db_path == tmp_path / "ecco-tui" / "ecco.duckdb"
    assert not settings.db_configured
    assert settings.engine == "local"


def test_config_file_values_are_read(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    _write_config(tmp_path, monkeypatch, 'db = "/data/e.duckdb"\nengine = "judge0"\n[judge0]\nurl = "http://j:2358"\n'
                  '[limits]\nwall_time_s = 7\n[local]\npython = "/usr/bin/python3"\n')
    s = load_settings()
    assert (str(s.db_path), s.engine, s.judge0.url, s.limits.wall_time_s) == ("/data/e.duckdb", "judge0",
                                                                              "http://j:2358", 7)
    assert s.local_python == "/usr/bin/python3"


def test_environment_beats_the_file_and_flags_beat_both(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    _write_config(tmp_path, monkeypatch, 'db = "/file.duckdb"\n')
    monkeypatch.setenv("ECCO_DB", "/env.duckdb")
    assert str(load_settings().db_path) == "/env.duckdb"
    assert str(load_settings(db=Path("/flag.duckdb")).db_path) == "/flag.duckdb"


def test_token_is_read_from_the_named_env_var(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    _write_config(tmp_path, monkeypatch, '[judge0]\nauth_token_env = "MY_TOKEN"\n')
    monkeypatch.setenv("MY_TOKEN", "s3cret")
    assert load_settings().judge0.auth_token == "s3cret"


def test_broken_config_file_is_named(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    _write_config(tmp_path, monkeypatch, "db = \n")
    with pytest.raises(ConfigError, match=r"config\.toml: not valid TOML"):
        load_settings()


def test_unknown_engine_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ECCO_ENGINE", "docker")
    with pytest.raises(ConfigError, match="unknown engine 'docker'"):
        load_settings()


def test_a_configured_label_set_replaces_the_default(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    _write_config(tmp_path, monkeypatch, 'labels = ["real-gain", "fake-gain", "unclear"]\n')
    assert load_settings().labels == ("real-gain", "fake-gain", "unclear")


def test_a_label_set_with_duplicates_is_refused(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    _write_config(tmp_path, monkeypatch, 'labels = ["a", "a"]\n')
    with pytest.raises(ConfigError, match="labels: at most 9 distinct names"):
        load_settings()


# -- the sandbox: on unless something explicitly turns it off ------------------------------------------------


def test_the_local_engine_sandboxes_by_default() -> None:
    assert load_settings().local_sandbox is True


def test_local_sandbox_false_in_the_file_turns_the_sandbox_off(monkeypatch: pytest.MonkeyPatch,
                                                                 tmp_path: Path) -> None:
    _write_config(tmp_path, monkeypatch, "[local]\nsandbox = false\n")
    assert load_settings().local_sandbox is False


def test_ecco_no_sandbox_beats_the_file_both_ways(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    _write_config(tmp_path, monkeypatch, "[local]\nsandbox = false\n")
    monkeypatch.setenv("ECCO_NO_SANDBOX", "0")
    assert load_settings().local_sandbox is True
    monkeypatch.setenv("ECCO_NO_SANDBOX", "1")
    _write_config(tmp_path, monkeypatch, "[local]\nsandbox = true\n")
    assert load_settings().local_sandbox is False


def test_the_no_sandbox_flag_beats_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ECCO_NO_SANDBOX", "0")
    assert load_settings(no_sandbox=True).local_sandbox is False


@pytest.mark.parametrize("text", ['[local]\nsandbox = "no"\n', "[local]\nsandbox = 0\n"])
def test_a_sandbox_key_that_is_not_a_boolean_is_refused(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                        text: str) -> None:
    _write_config(tmp_path, monkeypatch, text)
    with pytest.raises(ConfigError, match=r"\[local\] sandbox: expected true or false"):
        load_settings()


def test_an_unclear_ecco_no_sandbox_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ECCO_NO_SANDBOX", "maybe")
    with pytest.raises(ConfigError, match="ECCO_NO_SANDBOX"):
        load_settings()


# -- the file's keys are checked: a typo is refused, naming the key and the file -------------------------------


def test_an_unknown_top_level_key_is_refused_naming_the_key_and_the_file(monkeypatch: pytest.MonkeyPatch,
                                                                         tmp_path: Path) -> None:
    _write_config(tmp_path, monkeypatch, 'dbb = "/data/e.duckdb"\n')
    with pytest.raises(ConfigError) as caught:
        load_settings()
    message = str(caught.value)
    assert message.startswith(f"{tmp_path / 'config.toml'}: dbb: unknown key (known: db, engine, author, labels")
    assert "\n" not in message


def test_an_unknown_table_is_refused(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    _write_config(tmp_path, monkeypatch, '[judg0]\nurl = "http://j:2358"\n')
    with pytest.raises(ConfigError, match=r"config\.toml: \[judg0\]: unknown table \(known: \[judge0\], \[local\], "
                                          r"\[limits\], \[model\]\)$"):
        load_settings()


def test_a_typo_in_a_nested_table_is_refused(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    _write_config(tmp_path, monkeypatch, '[judge0]\nurll = "http://j:2358"\n')
    with pytest.raises(ConfigError, match=r"config\.toml: \[judge0\] urll: unknown key \(known: url, auth_token_env, "
                                          r"auth_header, language_id\)$"):
        load_settings()


def test_a_table_inside_a_known_table_is_refused(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    _write_config(tmp_path, monkeypatch, "[limits.cpu]\nseconds = 5\n")
    with pytest.raises(ConfigError, match=r"config\.toml: \[limits\.cpu\]: unknown table"):
        load_settings()


def test_a_typo_in_a_table_no_command_reads_is_still_refused(monkeypatch: pytest.MonkeyPatch,
                                                              tmp_path: Path) -> None:
    _write_config(tmp_path, monkeypatch, '[model]\nurl = "http://gpu:8000"\ntemprature = 0\n')
    with pytest.raises(ConfigError, match=r"\[model\] temprature: unknown key"):
        load_settings(db=tmp_path / "s.duckdb")


def test_a_value_of_the_wrong_type_is_refused_naming_the_key(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    _write_config(tmp_path, monkeypatch, '[limits]\nwall_time_s = "7"\n')
    with pytest.raises(ConfigError, match=r"config\.toml: \[limits\] wall_time_s: expected a number"):
        load_settings()


def test_the_documented_example_file_loads(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Every key config.py documents is one the file accepts (the example is read from the module's docstring)."""
    doc = config.__doc__ or ""
    example = doc[doc.index("config.toml`):") :].split("\n\n")[1:]
    text = "\n".join(line[4:] for block in example if block.startswith("    ") for line in block.splitlines())
    assert "[judge0]" in text and "[model]" in text
    _write_config(tmp_path, monkeypatch, text)
    s = load_settings()
    assert (str(s.db_path), s.engine, s.author, s.judge0.language_id, s.local_sandbox, s.limits.memory_kb) == (
        str(Path("~/ecco/ecco.duckdb").expanduser()), "local", "alice", 71, True, 512_000)
    assert (s.model.base_url, s.model.model, s.model.max_tries, s.refine_method) == (
        "http://127.0.0.1:8000/v1", "deepseek-coder-6.7b-instruct", 4, "exec-refine")
