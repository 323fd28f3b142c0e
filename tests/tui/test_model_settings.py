"""`[model]` in the config: the model the app's refine key asks; ECCO_MODEL_URL / ECCO_MODEL override the file."""

from __future__ import annotations

from pathlib import Path

import pytest

from ecco_tui.config import ConfigError, ModelSettings, Settings, load_settings
from ecco_tui.services.rounds import RoundError, model_missing, model_settings


@pytest.fixture(autouse=True)
def _no_model_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("ECCO_MODEL_URL", "ECCO_MODEL"):
        monkeypatch.delenv(var, raising=False)


def _config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(text)
    monkeypatch.setenv("ECCO_CONFIG", str(path))


def test_without_a_model_section_nothing_is_configured_and_the_paper_defaults_hold() -> None:
    settings = load_settings()
    model = settings.model
    assert model == ModelSettings() and not model.configured
    assert (model.temperature, model.max_tokens, settings.refine_method, model.endpoint) == (0.4, 1024, "exec-refine",
                                                                                             "chat")
    assert "[model]" in (model_missing(Settings(db_path=Path(), db_configured=False)) or "")


def test_the_model_section_is_read_and_becomes_client_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _config(tmp_path, monkeypatch, '[model]\nurl = "http://gpu:8000/v1"\nname = "deepseek"\napi_key_env = "MY_KEY"\n'
            'endpoint = "completions"\nwrapper = "deepseek-coder"\ntemperature = 0\nmax_tokens = 512\n'
            'method = "nl-exec-refine"\ntimeout_s = 30\nmax_tries = 2\n')
    settings = load_settings()
    assert settings.model.configured and model_missing(settings) is None
    client = model_settings(settings)
    assert (client.base_url, client.model, client.api_key_env, client.endpoint, client.wrapper) == (
        "http://gpu:8000/v1", "deepseek", "MY_KEY", "completions", "deepseek-coder")
    assert (client.temperature, client.max_tokens, client.timeout_s, client.max_tries) == (0.0, 512, 30.0, 2)
    assert settings.refine_method == "nl-exec-refine"


def test_environment_overrides_url_and_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _config(tmp_path, monkeypatch, '[model]\nurl = "http://file:1"\nname = "file-model"\n')
    monkeypatch.setenv("ECCO_MODEL_URL", "http://env:2/v1")
    monkeypatch.setenv("ECCO_MODEL", "env-model")
    model = load_settings().model
    assert (model.base_url, model.model) == ("http://env:2/v1", "env-model")


def test_env_alone_configures_a_model(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ECCO_MODEL_URL", "http://env:2")
    monkeypatch.setenv("ECCO_MODEL", "m")
    assert load_settings().model.configured


@pytest.mark.parametrize(("body", "message"), [
    ('method = "magic"', "method"),
    ('endpoint = "grpc"', "endpoint"),
    ('temperature = "hot"', "temperature"),
    ("max_tokens = 1.5", "max_tokens"),
    ("max_tries = 0", "max_tries"),
    ('mdoel = "typo"', "unknown key"),
])
def test_bad_model_settings_are_config_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, body: str,
                                              message: str) -> None:
    _config(tmp_path, monkeypatch, f"[model]\n{body}\n")
    with pytest.raises(ConfigError, match=message):
        load_settings()


def test_client_settings_need_a_model() -> None:
    with pytest.raises(RoundError, match="No model configured"):
        model_settings(Settings(db_path=Path(), db_configured=False))
