"""Test cases as the release ships them: `<root>/<problem_id>/input.<k>.txt` + `output.<k>.txt`.

Roots are folders or zip files (the release's `test_cases.zip`). Which set a root holds is read from
its path — a component containing "public" means CodeNet's public tests (ECCO's `public_test_cases/`),
anything else the private (AlphaCode-generated) ones — unless the caller says otherwise.
"""

from __future__ import annotations

import os
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from ecco_tui.ingest.errors import IngestError

PROBLEM_DIR = re.compile(r"^p\d{5}$")
TEST_FILE = re.compile(r"^(input|output)\.(\d+)\.txt$")


@dataclass(frozen=True, slots=True)
class TestFile:
    __test__ = False

    problem_id: str
    visibility: str
    idx: int
    input: str
    expected_output: str


@dataclass(frozen=True, slots=True)
class TestSource:
    """A folder or zip that holds test folders, and the visibility its tests get."""

    __test__ = False

    path: Path
    visibility: str


def visibility_from_path(path: PurePosixPath | Path, override: str | None = None) -> str:
    if override:
        return override
    return "public" if any("public" in part.lower() for part in path.parts) else "private"


def is_test_root(path: Path) -> bool:
    """A folder whose children include problem folders holding input files."""
    try:
        with os.scandir(path) as entries:
            for entry in entries:
                if entry.is_dir() and PROBLEM_DIR.match(entry.name):
                    with os.scandir(entry.path) as inner:
                        if any(TEST_FILE.match(e.name) for e in inner):
                            return True
    except OSError:
        return False
    return False


def read_test_source(
    source: TestSource, progress: Callable[[int], None] | None = None
) -> Iterator[TestFile]:
    if source.path.is_file() and zipfile.is_zipfile(source.path):
        yield from _read_zip(source, progress)
    else:
        yield from _read_folder(source, progress)


def _pair_up(problem_id: str, names: dict[str, object], where: Path) -> list[tuple[int, object, object]]:
    """Match input.k with output.k, as ECCO does by replacing `input` with `output` in the name."""
    inputs: dict[int, object] = {}
    outputs: dict[int, object] = {}
    for name, ref in names.items():
        m = TEST_FILE.match(name)
        if m:
            (inputs if m.group(1) == "input" else outputs)[int(m.group(2))] = ref
    missing = sorted(set(inputs) - set(outputs))
    if missing:
        raise IngestError(where / f"input.{missing[0]}.txt", None, None, f"no matching output.{missing[0]}.txt")
    return [(k, inputs[k], outputs[k]) for k in sorted(inputs)]


def _decode(data: bytes, where: Path) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise IngestError(where, line, None, f"not valid UTF-8 (byte 0x{data[exc.start]:02x})") from None


def _read_folder(source: TestSource, progress: Callable[[int], None] | None) -> Iterator[TestFile]:
    root = source.path
    problem_dirs = [root] if PROBLEM_DIR.match(root.name) else [
        Path(e.path) for e in os.scandir(root) if e.is_dir() and PROBLEM_DIR.match(e.name)
    ]
    for pdir in sorted(problem_dirs):
        names: dict[str, object] = {e.name: Path(e.path) for e in os.scandir(pdir) if e.is_file()}
        for k, inp, out in _pair_up(pdir.name, names, pdir):
            assert isinstance(inp, Path) and isinstance(out, Path)
            yield TestFile(
                pdir.name,
                source.visibility,
                k,
                _decode(inp.read_bytes(), inp),
                _decode(out.read_bytes(), out),
            )
        if progress:
            progress(1)


def _read_zip(source: TestSource, progress: Callable[[int], None] | None) -> Iterator[TestFile]:
    try:
        zf = zipfile.ZipFile(source.path)
    except zipfile.BadZipFile as exc:
        raise IngestError(source.path, None, None, f"not a readable zip file ({exc})") from None
    with zf:
        groups: dict[tuple[str, str], dict[str, object]] = {}
        for info in zf.infolist():
            if info.is_dir():
                continue
            path = PurePosixPath(info.filename)
            if len(path.parts) < 2 or not PROBLEM_DIR.match(path.parts[-2]) or not TEST_FILE.match(path.name):
                continue
            vis = visibility_from_path(path.parent.parent, None) if source.visibility == "auto" else source.visibility
            groups.setdefault((vis, path.parts[-2]), {})[path.name] = info
        for (vis, problem_id), names in sorted(groups.items()):
            where = source.path / problem_id
            for k, inp, out in _pair_up(problem_id, names, where):
                try:
                    stdin, expected = zf.read(inp), zf.read(out)  # type: ignore[arg-type]
                except (zipfile.BadZipFile, OSError, EOFError) as exc:
                    raise IngestError(source.path, None, None, f"corrupt zip member ({exc})") from None
                yield TestFile(problem_id, vis, k, _decode(stdin, where / f"input.{k}.txt"),
                               _decode(expected, where / f"output.{k}.txt"))
            if progress:
                progress(1)
