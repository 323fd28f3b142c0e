"""Line diff of two programs, highlighted: difflib for the alignment, pygments (via Textual) for colour.

Built once per compare view, off the UI thread. The side-by-side form pads the shorter side of each
change block with filler rows, so row *i* of the left pane is always row *i* of the right pane: that is
what lets the two panes scroll in lockstep by sharing one scroll offset. Paired changed lines also get
their changed characters marked (a second, character-level difflib pass).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Literal

from textual.content import Content
from textual.highlight import highlight

Tag = Literal["equal", "delete", "insert", "replace", "filler", "hunk"]

#: Style added to the characters that differ inside a changed line (on top of the line's own background).
DELETED_CHARS = "on $error 35%"
INSERTED_CHARS = "on $success 35%"


@dataclass(frozen=True, slots=True)
class SideLine:
    """One visible line of one pane: its number in the program (None for filler) and highlighted text."""

    tag: Tag
    number: int | None
    text: Content


@dataclass(frozen=True, slots=True)
class UnifiedLine:
    tag: Tag
    left_number: int | None
    right_number: int | None
    text: Content


@dataclass(frozen=True)
class CodeDiff:
    left: list[SideLine]
    right: list[SideLine]
    unified: list[UnifiedLine]
    added: int = 0
    removed: int = 0
    #: First row of every change block, in side-by-side rows and in unified lines.
    split_changes: list[int] = field(default_factory=list)
    unified_changes: list[int] = field(default_factory=list)

    @property
    def identical(self) -> bool:
        return self.added == 0 and self.removed == 0


def source_lines(code: str) -> list[str]:
    """The program's lines as the engines run it: tabs expanded, blank lines at either end dropped.

    ECCO's extracted code starts with a newline and the engines strip it before running, so dropping
    the ends keeps line numbers equal to those in a traceback, and keeps "\n"-only noise out of the diff.
    """
    return code.expandtabs(4).strip("\n").splitlines()


def highlight_lines(code: str, language: str = "python") -> list[Content]:
    """Highlight a whole program once (so multi-line strings colour right) and cut it into lines."""
    lines = source_lines(code)
    if not lines:
        return []
    parts = highlight("\n".join(lines), language=language).split("\n")
    parts = list(parts[: len(lines)])
    while len(parts) < len(lines):
        parts.append(Content(lines[len(parts)]))
    return parts


#: Below this similarity two paired lines are different statements, and marking characters is just noise.
SIMILAR_LINES = 0.5


def _mark_changed_chars(old: Content, new: Content) -> tuple[Content, Content]:
    matcher = difflib.SequenceMatcher(None, old.plain, new.plain, autojunk=False)
    if matcher.ratio() < SIMILAR_LINES:
        return old, new
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        if i2 > i1:
            old = old.stylize(DELETED_CHARS, i1, i2)
        if j2 > j1:
            new = new.stylize(INSERTED_CHARS, j1, j2)
    return old, new


def build_diff(left_code: str, right_code: str, *, language: str = "python", context: int = 3) -> CodeDiff:
    """Align two programs line by line; `context` is how many unchanged lines unified mode keeps around a change."""
    left_src = source_lines(left_code)
    right_src = source_lines(right_code)
    left_hl = highlight_lines(left_code, language)
    right_hl = highlight_lines(right_code, language)
    matcher = difflib.SequenceMatcher(None, left_src, right_src, autojunk=False)
    left: list[SideLine] = []
    right: list[SideLine] = []
    unified: list[UnifiedLine] = []
    split_changes: list[int] = []
    unified_changes: list[int] = []
    added = removed = 0
    blank = Content("")

    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            for i, j in zip(range(i1, i2), range(j1, j2), strict=True):
                left.append(SideLine("equal", i + 1, left_hl[i]))
                right.append(SideLine("equal", j + 1, right_hl[j]))
            continue
        split_changes.append(len(left))
        removed += i2 - i1
        added += j2 - j1
        old = list(left_hl[i1:i2])
        new = list(right_hl[j1:j2])
        if tag == "replace":
            for k in range(min(len(old), len(new))):
                old[k], new[k] = _mark_changed_chars(old[k], new[k])
        for k in range(max(len(old), len(new))):
            if k < len(old):
                left.append(SideLine("delete", i1 + k + 1, old[k]))
            else:
                left.append(SideLine("filler", None, blank))
            if k < len(new):
                right.append(SideLine("insert", j1 + k + 1, new[k]))
            else:
                right.append(SideLine("filler", None, blank))

    for group in matcher.get_grouped_opcodes(context):
        first, last = group[0], group[-1]
        header = f"@@ -{first[1] + 1},{last[2] - first[1]} +{first[3] + 1},{last[4] - first[3]} @@"
        unified.append(UnifiedLine("hunk", None, None, Content(header)))
        for op, i1, i2, j1, j2 in group:
            if op == "equal":
                for i, j in zip(range(i1, i2), range(j1, j2), strict=True):
                    unified.append(UnifiedLine("equal", i + 1, j + 1, left_hl[i]))
                continue
            unified_changes.append(len(unified))
            old = list(left_hl[i1:i2])
            new = list(right_hl[j1:j2])
            if op == "replace":
                for k in range(min(len(old), len(new))):
                    old[k], new[k] = _mark_changed_chars(old[k], new[k])
            unified.extend(UnifiedLine("delete", i1 + k + 1, None, line) for k, line in enumerate(old))
            unified.extend(UnifiedLine("insert", None, j1 + k + 1, line) for k, line in enumerate(new))

    if not unified and left_src:
        # Identical programs: unified mode shows the program itself rather than an empty pane.
        unified = [UnifiedLine("equal", i + 1, i + 1, line) for i, line in enumerate(left_hl)]
    return CodeDiff(left, right, unified, added, removed, split_changes, unified_changes)
