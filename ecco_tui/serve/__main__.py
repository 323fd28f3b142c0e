"""``python -m ecco_tui.serve``: run the Judge0-compatible server without the ``ecco`` CLI.

Kept for benchmarks and for machines where only the package is installed; ``ecco serve`` calls the same
:func:`ecco_tui.serve.app.serve`.
"""

from __future__ import annotations

import argparse
import os
import sys

from ecco_tui.serve.app import DEFAULT_PORT, serve
from ecco_tui.serve.policy import BindRefused


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ecco_tui.serve", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument("--workers", type=int, default=None, help="worker tasks and engine slots (default: cores)")
    parser.add_argument("--auth-token", default=os.environ.get("ECCO_SERVE_TOKEN"),
                        help="required X-Auth-Token value (default: $ECCO_SERVE_TOKEN; none = open)")
    parser.add_argument("--auth-header", default="X-Auth-Token")
    parser.add_argument("--max-queue", type=int, default=100)
    parser.add_argument("--log-level", default="info")
    parser.add_argument("--db", default=None, help="record runs in this store and answer repeated ones from it")
    parser.add_argument("--force", action="store_true", help="with --db: run every submission, still record it")
    parser.add_argument("--insecure-no-auth", action="store_true",
                        help="allow a --host beyond loopback without an auth token")
    parser.add_argument("--no-sandbox", action="store_true",
                        help="run programs without bubblewrap (loopback only; results are marked UNSANDBOXED)")
    args = parser.parse_args(argv)
    try:
        serve(args.host, args.port, args.workers, args.auth_token, args.max_queue,
              auth_header=args.auth_header, log_level=args.log_level, db=args.db, force=args.force,
              insecure_no_auth=args.insecure_no_auth, use_bwrap=not args.no_sandbox)
    except BindRefused as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
