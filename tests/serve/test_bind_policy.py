"""``ecco serve`` is safe by default: off loopback it wants an auth token (or ``--insecure-no-auth``) and the
sandbox, and it refuses before anything starts.

The policy is a pure function (``ecco_tui.serve.policy.check_bind``), tested directly; the command and
``serve()`` are tested only where they refuse before binding, or with ``uvicorn.run`` replaced, so no test
ever listens beyond loopback.
"""

from __future__ import annotations

import logging
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from ecco_tui.serve.policy import BindRefused, check_bind, is_loopback
from tests.serve.harness import ServeServer

LOOPBACK = ["localhost", "LOCALHOST", "127.0.0.1", "127.1.2.3", "::1", "[::1]", "::ffff:127.0.0.1"]
NOT_LOOPBACK = ["0.0.0.0", "::", "[::]", "192.168.1.10", "10.0.0.1", "fe80::1", "example.com", "localhost.evil.com",
                "128.0.0.1", ""]


def never(*args: Any, **kwargs: Any) -> None:
    raise AssertionError("ecco serve must refuse before anything starts")


@pytest.fixture
def no_env_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ECCO_SERVE_TOKEN", raising=False)


@pytest.fixture
def no_probe(monkeypatch: pytest.MonkeyPatch) -> None:
    """The command probes its sandbox before serving; these tests are about the bind, not the engine."""
    from ecco_tui.cli import serve

    monkeypatch.setattr(serve, "probe_engine_or_fail", lambda *args, **kwargs: None)


# ------------------------------------------------------------------------------------------ the policy


@pytest.mark.parametrize("host", LOOPBACK)
def test_loopback_hosts_are_127_slash_8_ipv6_localhost_and_the_name_localhost(host: str) -> None:
    assert is_loopback(host)


@pytest.mark.parametrize("host", NOT_LOOPBACK)
def test_wildcard_addresses_other_addresses_and_other_names_are_not_loopback(host: str) -> None:
    assert not is_loopback(host)


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.10"])
def test_non_loopback_without_a_token_is_refused_with_one_line_naming_the_way_out(host: str) -> None:
    with pytest.raises(BindRefused) as refused:
        check_bind(host, None, insecure_no_auth=False, sandboxed=True)
    message = str(refused.value)
    assert "\n" not in message
    assert f"on {host} without an auth token" in message
    assert "--auth-token" in message and "--insecure-no-auth" in message


def test_a_blank_token_counts_as_no_token() -> None:
    with pytest.raises(BindRefused, match="without an auth token"):
        check_bind("0.0.0.0", "  ", insecure_no_auth=False, sandboxed=True)


def test_non_loopback_with_a_token_is_allowed_without_warning() -> None:
    assert check_bind("0.0.0.0", "secret", insecure_no_auth=False, sandboxed=True) is None


def test_insecure_no_auth_allows_non_loopback_without_a_token_with_a_one_line_warning() -> None:
    warning = check_bind("0.0.0.0", None, insecure_no_auth=True, sandboxed=True)
    assert warning is not None and "\n" not in warning
    assert "0.0.0.0 without an auth token" in warning and "--insecure-no-auth" in warning


@pytest.mark.parametrize("sandboxed", [True, False])
def test_loopback_without_a_token_is_allowed_without_warning(sandboxed: bool) -> None:
    assert check_bind("127.0.0.1", None, insecure_no_auth=False, sandboxed=sandboxed) is None


@pytest.mark.parametrize(("token", "insecure_no_auth"), [(None, True), ("secret", False), ("secret", True)])
def test_unsandboxed_non_loopback_is_refused_even_with_a_token_or_insecure_no_auth(
    token: str | None, insecure_no_auth: bool
) -> None:
    with pytest.raises(BindRefused) as refused:
        check_bind("0.0.0.0", token, insecure_no_auth=insecure_no_auth, sandboxed=False)
    message = str(refused.value)
    assert "\n" not in message
    assert "unsandboxed" in message and "0.0.0.0" in message


# ------------------------------------------------------------------------------------ the command


def test_ecco_serve_refuses_non_loopback_without_token_with_one_line_and_exit_1(
    monkeypatch: pytest.MonkeyPatch, no_env_token: None
) -> None:
    import uvicorn

    from ecco_tui.cli import main, serve
    from ecco_tui.serve import app as serve_app

    for target, name in ((serve_app, "serve"), (uvicorn, "run"), (serve, "probe_engine_or_fail")):
        monkeypatch.setattr(target, name, never)
    result = CliRunner().invoke(main.app, ["serve", "--host", "0.0.0.0", "--port", "0"])
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("error: refusing to listen on 0.0.0.0 without an auth token")
    assert "Traceback" not in result.output


def test_ecco_serve_refuses_no_sandbox_off_loopback_even_with_insecure_no_auth(
    monkeypatch: pytest.MonkeyPatch, no_env_token: None
) -> None:
    import uvicorn

    from ecco_tui.cli import main, serve
    from ecco_tui.serve import app as serve_app

    for target, name in ((serve_app, "serve"), (uvicorn, "run"), (serve, "probe_engine_or_fail")):
        monkeypatch.setattr(target, name, never)
    result = CliRunner().invoke(main.app, ["serve", "--host", "0.0.0.0", "--port", "0", "--no-sandbox",
                                           "--insecure-no-auth", "--auth-token", "secret"])
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("error: refusing to serve unsandboxed runs on 0.0.0.0")


def test_ecco_serve_takes_the_token_from_ecco_serve_token_off_loopback(
    monkeypatch: pytest.MonkeyPatch, no_probe: None
) -> None:
    from ecco_tui.cli.main import app
    from ecco_tui.serve import app as serve_app

    seen: dict[str, Any] = {}
    monkeypatch.setattr(serve_app, "serve", lambda **kw: seen.update(kw))
    monkeypatch.setenv("ECCO_SERVE_TOKEN", "secret")
    result = CliRunner().invoke(app, ["serve", "--host", "0.0.0.0", "--port", "0"])
    assert result.exit_code == 0, result.output
    assert (seen["host"], seen["auth_token"], seen["insecure_no_auth"]) == ("0.0.0.0", "secret", False)


def test_ecco_serve_insecure_no_auth_starts_off_loopback_with_a_warning(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, no_env_token: None, no_probe: None
) -> None:
    import uvicorn

    from ecco_tui.cli.main import app

    started: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: started.update(kw))  # nothing is bound
    with caplog.at_level(logging.WARNING, logger="ecco.serve"):
        result = CliRunner().invoke(app, ["serve", "--host", "0.0.0.0", "--port", "0", "--insecure-no-auth"])
    assert result.exit_code == 0, result.output
    assert started["host"] == "0.0.0.0"
    warnings = [r.getMessage() for r in caplog.records if r.name == "ecco.serve" and r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "\n" not in warnings[0]
    assert "0.0.0.0 without an auth token" in warnings[0]


# ------------------------------------------------------------------------------ serve() called directly


def test_serve_refuses_non_loopback_without_token_before_starting(monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn

    from ecco_tui.serve.app import serve

    monkeypatch.setattr(uvicorn, "run", never)
    with pytest.raises(BindRefused, match="without an auth token"):
        serve(host="0.0.0.0", port=0)


def test_serve_refuses_unsandboxed_non_loopback_even_with_insecure_no_auth(monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn

    from ecco_tui.serve.app import serve

    monkeypatch.setattr(uvicorn, "run", never)
    with pytest.raises(BindRefused, match="unsandboxed"):
        serve(host="::", port=0, insecure_no_auth=True, use_bwrap=False)


def test_loopback_without_token_still_serves_requests(serve_server: ServeServer) -> None:
    assert serve_server.state.settings.auth_token is None
    assert httpx.get(f"{serve_server.url}/about").status_code == 200
