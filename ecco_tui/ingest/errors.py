"""Import errors that say exactly where the input is wrong: `file:row: field: what is wrong`."""

from __future__ import annotations

from pathlib import Path


class IngestError(Exception):
    """A malformed input file. The import that raised it has written nothing."""

    def __init__(self, path: str | Path, row: int | str | None, field: str | None, problem: str) -> None:
        self.path = str(path)
        self.row = row
        self.field = field
        self.problem = problem
        super().__init__(self.one_line())

    def one_line(self) -> str:
        place = self.path if self.row is None else f"{self.path}:{self.row}"
        where = f"{place}: {self.field}" if self.field else place
        return f"{where}: {self.problem}"
