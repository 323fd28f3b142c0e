#!/usr/bin/env bash
# System packages the local sandbox and the tests use: bubblewrap (sandbox), tmux (terminal tests),
# valgrind (deterministic instruction counts). Installed with apt-get when running as root; otherwise
# say what is missing (the local engine then falls back to rlimits only, and those tests skip).
set -euo pipefail
missing=()
command -v bwrap >/dev/null 2>&1 || missing+=(bubblewrap)
command -v tmux >/dev/null 2>&1 || missing+=(tmux)
command -v valgrind >/dev/null 2>&1 || missing+=(valgrind)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing system packages: ${missing[*]}"
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
else
  echo "note: missing system packages (install them for the full sandbox and test suite): ${missing[*]}" >&2
fi
