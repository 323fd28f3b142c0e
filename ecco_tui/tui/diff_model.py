"""Line diff of two programs, highlighted: difflib for the alignment, pygments (via Textual) for colour.

Built once per compare view, off the UI thread. The side-by-side form pads the shorter side of each
change block with filler rows, so row *i* of the left pane is always row *i* of the right pane: that is
what lets the two panes scroll in lockstep by sharing one scroll offset. Paired changed lines also get
their changed characters marked (a second, character-level difflib pass).

Every line of each program is shown under its own number in the text as stored (1-based, blank lines at
either end included), so a number in the diff is the number an editor or a traceback gives. Blank lines at
either end are never a change (shown unmarked: ECCO's extracted code starts with a newline, model outputs do
not). With `ignore_whitespace` (the `w` key), lines that differ only in trailing spaces or in runs of spaces
after the indentation align as unchanged, and no blank line counts as a change (each is still shown, unmarked,
under its real number). Indentation always counts: in Python it is the program.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
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
    #: Rows of every change block, as half-open [start, end) ranges: side-by-side rows and unified lines.
    split_blocks: list[tuple[int, int]] = field(default_factory=list)
    unified_blocks: list[tuple[int, int]] = field(default_factory=list)
    #: Whether whitespace-only and blank-line changes were aligned as unchanged (`w`).
    ignore_whitespace: bool = False
    #: Every line of each program, highlighted (what `with_whitespace` re-aligns without highlighting again).
    left_lines: list[Content] = field(default_factory=list, repr=False)
    right_lines: list[Content] = field(default_factory=list, repr=False)
    context: int = 3

    @property
    def identical(self) -> bool:
        return self.added == 0 and self.removed == 0

    @property
    def split_changes(self) -> list[int]:
        """First side-by-side row of every change block."""
        return [start for start, _ in self.split_blocks]

    @property
    def unified_changes(self) -> list[int]:
        """First unified line of every change block."""
        return [start for start, _ in self.unified_blocks]

    def with_whitespace(self, ignore: bool) -> CodeDiff:
        """This diff aligned again with whitespace-only changes ignored or not (the highlighting is reused)."""
        if ignore == self.ignore_whitespace:
            return self
        return align(self.left_lines, self.right_lines, context=self.context, ignore_whitespace=ignore)


def source_lines(code: str) -> list[str]:
    """The program's lines as stored, tabs expanded: element i is line i + 1 of the text.

    Only "\\n", "\\r\\n" and "\\r" end a line (as for Python and editors; a form feed inside a line does
    not), and a final newline does not start another line, so "a\\n\\n" is two lines: "a" and "".
    """
    text = code.replace("\r\n", "\n").replace("\r", "\n").expandtabs(4)
    if not text:
        return []
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    return lines


def highlight_lines(code: str, language: str = "python") -> list[Content]:
    """Highlight a whole program once (so multi-line strings colour right) and cut it into lines."""
    lines = source_lines(code)
    if not lines:
        return []
    joined = "\n".join(lines)
    highlighted = highlight(joined, language=language)
    if highlighted.plain != joined:  # characters the highlighter splits lines on: keep the lines, plain
        return [Content(line) for line in lines]
    parts = list(highlighted.split("\n"))
    if len(parts) != len(lines):
        return [Content(line) for line in lines]
    return parts


#: Below this similarity two paired lines are different statements, and marking characters is just noise.
SIMILAR_LINES = 0.5

_SPACE_RUN = re.compile(r"[ \t\f\v]+")


def whitespace_key(line: str) -> str:
    """What a line is compared by when whitespace is ignored: its indentation as is, then the rest with runs
    of spaces made one and trailing spaces dropped ("" for a blank line)."""
    body = line.lstrip()
    if not body:
        return ""
    indent = line[: len(line) - len(body)]
    return indent + _SPACE_RUN.sub(" ", body.rstrip())


def _mark_changed_chars(old: Content, new: Content, *, ignore_whitespace: bool) -> tuple[Content, Content]:
    matcher = difflib.SequenceMatcher(None, old.plain, new.plain, autojunk=False)
    if matcher.ratio() < SIMILAR_LINES:
        return old, new
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        if ignore_whitespace and not old.plain[i1:i2].strip() and not new.plain[j1:j2].strip():
            continue
        if i2 > i1:
            old = old.stylize(DELETED_CHARS, i1, i2)
        if j2 > j1:
            new = new.stylize(INSERTED_CHARS, j1, j2)
    return old, new


@dataclass(frozen=True, slots=True)
class _Block:
    """A run of rows: paired unchanged lines (`changed` False) or one change block, by 0-based line index."""

    changed: bool
    left: list[int]
    right: list[int]


def _anchors(lines: list[str], ignore_whitespace: bool) -> list[int]:
    """The lines that take part in the alignment. Blank lines at either end never do (they are no part of a
    program's identity either, see `model.normalize_code`: ECCO's extracted code starts with a newline that
    model outputs lack); with `ignore_whitespace` no blank line does."""
    filled = [i for i, line in enumerate(lines) if line.strip()]
    if ignore_whitespace or not filled:
        return filled
    return list(range(filled[0], filled[-1] + 1))


def _blocks(left: list[str], right: list[str], ignore_whitespace: bool) -> Iterator[_Block]:
    """The alignment as blocks covering every line of both sides, in order.

    The lines that are not anchors (blank lines) fill the gaps between the ones that are, as unchanged rows.
    """
    key = whitespace_key if ignore_whitespace else str
    left_at = _anchors(left, ignore_whitespace)
    right_at = _anchors(right, ignore_whitespace)
    matcher = difflib.SequenceMatcher(None, [key(left[i]) for i in left_at], [key(right[j]) for j in right_at],
                                      autojunk=False)
    i_next = j_next = 0  # the first line of each side not yet in a block

    def gap(i_end: int, j_end: int) -> Iterator[_Block]:
        nonlocal i_next, j_next
        if i_end > i_next or j_end > j_next:
            yield _Block(False, list(range(i_next, i_end)), list(range(j_next, j_end)))
        i_next, j_next = max(i_next, i_end), max(j_next, j_end)

    for tag, a1, a2, b1, b2 in matcher.get_opcodes():
        if tag == "equal":
            for a, b in zip(range(a1, a2), range(b1, b2), strict=True):
                yield from gap(left_at[a], right_at[b])
                yield _Block(False, [left_at[a]], [right_at[b]])
                i_next, j_next = left_at[a] + 1, right_at[b] + 1
            continue
        i_start = left_at[a1] if a2 > a1 else i_next
        j_start = right_at[b1] if b2 > b1 else j_next
        yield from gap(i_start, j_start)
        i_end = left_at[a2 - 1] + 1 if a2 > a1 else i_next
        j_end = right_at[b2 - 1] + 1 if b2 > b1 else j_next
        # The blank lines inside a removed or added stretch belong to it.
        yield _Block(True, list(range(i_start, i_end)), list(range(j_start, j_end)))
        i_next, j_next = i_end, j_end
    yield from gap(len(left), len(right))


def build_diff(left_code: str, right_code: str, *, language: str = "python", context: int = 3,
               ignore_whitespace: bool = False) -> CodeDiff:
    """Align two programs line by line; `context` is how many unchanged lines unified mode keeps around a change."""
    return align(highlight_lines(left_code, language), highlight_lines(right_code, language), context=context,
                 ignore_whitespace=ignore_whitespace)


def align(left_hl: list[Content], right_hl: list[Content], *, context: int = 3,
          ignore_whitespace: bool = False) -> CodeDiff:
    """The diff of two highlighted programs (see `build_diff`)."""
    left: list[SideLine] = []
    right: list[SideLine] = []
    full: list[UnifiedLine] = []  # every line, before unified mode keeps only the context around changes
    split_blocks: list[tuple[int, int]] = []
    full_blocks: list[tuple[int, int]] = []
    added = removed = 0
    blank = Content("")

    blocks = _blocks([c.plain for c in left_hl], [c.plain for c in right_hl], ignore_whitespace)
    for block in blocks:
        if not block.changed:
            for k in range(max(len(block.left), len(block.right))):
                i = block.left[k] if k < len(block.left) else None
                j = block.right[k] if k < len(block.right) else None
                left.append(SideLine("filler", None, blank) if i is None else SideLine("equal", i + 1, left_hl[i]))
                right.append(SideLine("filler", None, blank) if j is None else SideLine("equal", j + 1, right_hl[j]))
                if i is not None:
                    full.append(UnifiedLine("equal", i + 1, None if j is None else j + 1, left_hl[i]))
                elif j is not None:
                    full.append(UnifiedLine("equal", None, j + 1, right_hl[j]))
            continue
        removed += len(block.left)
        added += len(block.right)
        old = [left_hl[i] for i in block.left]
        new = [right_hl[j] for j in block.right]
        for k in range(min(len(old), len(new))):
            old[k], new[k] = _mark_changed_chars(old[k], new[k], ignore_whitespace=ignore_whitespace)
        start = len(left)
        for k in range(max(len(old), len(new))):
            if k < len(old):
                left.append(SideLine("delete", block.left[k] + 1, old[k]))
            else:
                left.append(SideLine("filler", None, blank))
            if k < len(new):
                right.append(SideLine("insert", block.right[k] + 1, new[k]))
            else:
                right.append(SideLine("filler", None, blank))
        split_blocks.append((start, len(left)))
        start = len(full)
        full.extend(UnifiedLine("delete", i + 1, None, line) for i, line in zip(block.left, old, strict=True))
        full.extend(UnifiedLine("insert", None, j + 1, line) for j, line in zip(block.right, new, strict=True))
        full_blocks.append((start, len(full)))

    unified, unified_blocks = _hunks(full, full_blocks, context)
    return CodeDiff(left, right, unified, added, removed, split_blocks, unified_blocks, ignore_whitespace,
                    list(left_hl), list(right_hl), context)


def _hunks(full: list[UnifiedLine], blocks: list[tuple[int, int]],
           context: int) -> tuple[list[UnifiedLine], list[tuple[int, int]]]:
    """Unified mode: each group of changes with `context` unchanged lines around it, under an @@ header.

    Identical programs show the program itself rather than an empty pane.
    """
    if not blocks:
        return full, []
    keep = [False] * len(full)
    for start, end in blocks:
        for k in range(max(start - context, 0), min(end + context, len(full))):
            keep[k] = True
    # Where each line sits in either program: the number of lines of that side before it.
    left_pos: list[int] = []
    right_pos: list[int] = []
    lefts = rights = 0
    for line in full:
        left_pos.append(lefts)
        right_pos.append(rights)
        lefts += line.left_number is not None
        rights += line.right_number is not None
    unified: list[UnifiedLine] = []
    unified_blocks: list[tuple[int, int]] = []
    block_starts = {start: end for start, end in blocks}
    k = 0
    while k < len(full):
        if not keep[k]:
            k += 1
            continue
        end = k
        while end < len(full) and keep[end]:
            end += 1
        group = full[k:end]
        n_left = sum(line.left_number is not None for line in group)
        n_right = sum(line.right_number is not None for line in group)
        first_left = next((line.left_number for line in group if line.left_number is not None), left_pos[k])
        first_right = next((line.right_number for line in group if line.right_number is not None), right_pos[k])
        header = f"@@ -{first_left},{n_left} +{first_right},{n_right} @@"
        unified.append(UnifiedLine("hunk", None, None, Content(header)))
        for index in range(k, end):
            if index in block_starts:
                offset = len(unified) - index
                unified_blocks.append((index + offset, block_starts[index] + offset))
            unified.append(full[index])
        k = end
    return unified, unified_blocks
