"""The diff model: alignment, markers, unified hunks (no app needed)."""

from __future__ import annotations

from ecco_tui.tui.diff_model import DELETED_CHARS, INSERTED_CHARS, build_diff, source_lines

SLOW = "n = int(input())\nt = 0\nfor i in range(n + 1):\n    t += i\nprint(t)\n"
FAST = "n = int(input())\nprint(n * (n + 1) // 2)\n"


def test_sides_have_the_same_number_of_rows() -> None:
    diff = build_diff(SLOW, FAST)
    assert len(diff.left) == len(diff.right) == 5


def test_unchanged_lines_pair_up_and_changes_are_tagged() -> None:
    diff = build_diff(SLOW, FAST)
    assert [(ln.tag, ln.number) for ln in diff.left] == [
        ("equal", 1), ("delete", 2), ("delete", 3), ("delete", 4), ("delete", 5)
    ]
    assert [(ln.tag, ln.number) for ln in diff.right] == [
        ("equal", 1), ("insert", 2), ("filler", None), ("filler", None), ("filler", None)
    ]
    assert (diff.removed, diff.added) == (4, 1)


def test_changed_characters_of_a_replaced_line_are_marked() -> None:
    diff = build_diff("print(a + b)\n", "print(a - b)\n")
    left_styles = {span.style for span in diff.left[0].text.spans}
    right_styles = {span.style for span in diff.right[0].text.spans}
    assert DELETED_CHARS in left_styles and INSERTED_CHARS in right_styles


def test_unified_diff_has_a_hunk_header_and_signed_lines() -> None:
    diff = build_diff(SLOW, FAST)
    assert diff.unified[0].text.plain == "@@ -1,5 +1,2 @@"
    assert [ln.tag for ln in diff.unified[1:]] == ["equal", "delete", "delete", "delete", "delete", "insert"]


def test_identical_programs_show_the_program_in_unified_mode() -> None:
    diff = build_diff(FAST, FAST)
    assert diff.identical
    assert [ln.text.plain for ln in diff.unified] == FAST.strip().splitlines()


def test_leading_newline_from_ecco_extraction_is_not_a_change() -> None:
    assert build_diff("\n" + FAST, FAST).identical
    assert source_lines("\n\tx = 1\n\n") == ["    x = 1"]


def test_change_starts_point_at_each_block() -> None:
    left = "a\nb\nc\nd\ne\nf\n"
    right = "a\nB\nc\nd\nE\nf\n"
    diff = build_diff(left, right, context=0)
    assert diff.split_changes == [1, 4]
    assert len(diff.unified_changes) == 2


def test_empty_programs_give_an_empty_diff() -> None:
    diff = build_diff("", "")
    assert diff.left == [] and diff.right == [] and diff.unified == []
