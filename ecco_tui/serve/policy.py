"""Who may reach ``ecco serve``: the bind/auth policy, pure so it can be checked before anything starts.

Anyone who can reach the port can run code on this machine, so off loopback the server wants an auth token
(or an explicit ``insecure_no_auth``), and it never serves unsandboxed runs off loopback at all.
"""

from __future__ import annotations

import ipaddress

__all__ = ["BindRefused", "check_bind", "is_loopback"]


class BindRefused(ValueError):
    """``ecco serve`` must not listen on this address with these settings; the message is one line."""


def is_loopback(host: str) -> bool:
    """True for "localhost", 127.0.0.0/8 and ::1 (also ``[::1]`` and IPv4-mapped ``::ffff:127.x.y.z``).

    Anything else is not: 0.0.0.0 and :: (every interface), other addresses and host names, which could
    resolve anywhere.
    """
    name = host.strip().lower()
    if name.startswith("[") and name.endswith("]"):
        name = name[1:-1]
    if name in ("localhost", "localhost."):
        return True
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback


def check_bind(host: str, token: str | None, insecure_no_auth: bool, sandboxed: bool) -> str | None:
    """May ``ecco serve`` listen on ``host``? Raises :class:`BindRefused` if not; returns a warning or None.

    * Loopback: always allowed, with or without a token or the sandbox.
    * Off loopback without the sandbox: refused, whatever else is set (``insecure_no_auth`` included).
    * Off loopback without a token (None or blank): refused unless ``insecure_no_auth``, which allows it
      with the returned one-line warning.
    """
    if is_loopback(host):
        return None
    if not sandboxed:
        raise BindRefused(
            f"refusing to serve unsandboxed runs on {host}, which is not loopback: without the sandbox, "
            "listen on 127.0.0.1, ::1 or localhost only (--insecure-no-auth does not change this)"
        )
    if token is not None and token.split():
        return None
    if not insecure_no_auth:
        raise BindRefused(
            f"refusing to listen on {host} without an auth token: anyone who can reach it could run code on "
            "this machine; pass --auth-token (or set ECCO_SERVE_TOKEN), or --insecure-no-auth to allow it"
        )
    return (f"ecco serve listens on {host} without an auth token (--insecure-no-auth): anyone who can reach "
            "it can run code on this machine")
