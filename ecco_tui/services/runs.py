"""Which runs a command names: a run's full name, a unique prefix of one, or all of them.

Run names are long (`deepseek-instruct-20241110-065438`); scripts and people type the start. A prefix that
matches one run names it; one that matches several is refused with the matches listed (never a guess), and
one that matches none with the runs there are.
"""

from __future__ import annotations

from collections.abc import Sequence

from ecco_tui.model import Run
from ecco_tui.store.store import Store, StoreError


def named_runs(store: Store, run_ids: Sequence[str] | None) -> list[Run]:
    """The runs named in full, in that order (every run when none is named); raises StoreError naming the
    first unknown one and the runs there are (`ecco report` and its `--metrics` tables)."""
    runs = store.runs()
    if not run_ids:
        return runs
    known = {r.run_id: r for r in runs}
    missing = [r for r in run_ids if r not in known]
    if missing:
        raise StoreError(f"no run named {missing[0]!r} (runs: {', '.join(known) or 'none'})")
    return [known[r] for r in run_ids]


def resolve_runs(store: Store, names: Sequence[str], *, every: bool = False, split: str | None = None) -> list[Run]:
    """The runs `names` name (each a full name or a unique prefix, in the order given, each once), or with
    `every` all runs (of `split`, when given). Raises StoreError naming the problem."""
    runs = store.runs()
    if every:
        if names:
            raise StoreError("--all and --run name runs two ways: give one of them")
        chosen = [r for r in runs if split is None or r.split == split]
        if not chosen:
            raise StoreError(f"no runs{f' of the {split} split' if split else ''} in this store")
        return chosen
    if not names:
        raise StoreError("name the runs: --run NAME (or a unique prefix of it), or --all")
    by_name = {r.run_id: r for r in runs}
    found: list[Run] = []
    for name in names:
        run = by_name.get(name)
        if run is None:
            matches = [r for r in runs if r.run_id.startswith(name)]
            if len(matches) > 1:
                listed = ", ".join(r.run_id for r in matches)
                raise StoreError(f"--run {name!r} matches {len(matches)} runs: {listed} (give more of the name)")
            if not matches:
                raise StoreError(f"--run: no run named {name!r} (runs: {', '.join(by_name) or 'none'})")
            run = matches[0]
        if split and run.split != split:
            raise StoreError(f"--run {run.run_id}: made from the {run.split} split, not {split}")
        if run not in found:
            found.append(run)
    return found


__all__ = ["resolve_runs"]
