"""``python -m ecco_tui.serve``: run the Judge0-compatible server without the ``ecco`` CLI.

Kept for benchmarks and for machines where only the package is installed; ``ecco serve`` calls the same
:func:`ecco_tui.serve.app.serve`.
"""

from __future__ import annotations

import argparse
import os
import sys

from ecco_tui.serve.app import DEFAULT_PORT, serve


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
    args = parser.parse_args(argv)
    serve(args.host, args.port, args.workers, args.auth_token, args.max_queue,
          auth_header=args.auth_header, log_level=args.log_level, db=args.db, force=args.force)
    return 0


if __name__ == "__main__":
    sys.exit(main())
