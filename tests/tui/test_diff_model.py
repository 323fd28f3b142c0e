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


def test_change_starts_point_at_each_block() -> None:
    left = "a\nb\nc\nd\ne\nf\n"
    right = "a\nB\nc\nd\nE\nf\n"
    diff = build_diff(left, right, context=0)
    assert diff.split_changes == [1, 4]
    assert len(diff.unified_changes) == 2


def test_empty_programs_give_an_empty_diff() -> None:
    diff = build_diff("", "")
    assert diff.left == [] and diff.right == [] and diff.unified == []


# -- line numbers are those of the stored text --------------------------------------------------------


def test_leading_blank_line_keeps_line_numbers() -> None:
    diff = build_diff("\n" + FAST, "\n" + FAST)
    assert [(ln.number, ln.text.plain) for ln in diff.left] == [(1, ""), (2, "n = int(input())"),
                                                                (3, "print(n * (n + 1) // 2)")]
    assert [ln.number for ln in diff.right] == [1, 2, 3]


def test_leading_blank_lines_on_one_side_number_both_sides_as_stored() -> None:
    diff = build_diff("\n\n" + SLOW, FAST)
    assert [(ln.tag, ln.number) for ln in diff.left[:3]] == [("equal", 1), ("equal", 2), ("equal", 3)]
    assert [(ln.tag, ln.number) for ln in diff.right[:3]] == [("filler", None), ("filler", None), ("equal", 1)]
    assert [ln.number for ln in diff.left if ln.tag == "delete"] == [4, 5, 6, 7]
    assert [ln.number for ln in diff.right if ln.tag == "insert"] == [2]


def test_trailing_blank_lines_are_numbered_lines() -> None:
    diff = build_diff(FAST + "\n\n", FAST)
    assert [(ln.tag, ln.number) for ln in diff.left] == [("equal", 1), ("equal", 2), ("equal", 3), ("equal", 4)]
    assert [ln.number for ln in diff.right] == [1, 2, None, None]


def test_unified_numbers_are_the_stored_line_numbers() -> None:
    diff = build_diff("\n" + SLOW, "\n" + FAST)
    numbered = [(ln.left_number, ln.right_number, ln.text.plain) for ln in diff.unified if ln.tag != "hunk"]
    assert numbered[0] == (1, 1, "")
    assert numbered[1] == (2, 2, "n = int(input())")
    assert (6, None, "print(t)") in numbered and (None, 3, "print(n * (n + 1) // 2)") in numbered
    assert diff.unified[0].text.plain == "@@ -1,6 +1,3 @@"


def test_source_lines_keep_blank_lines_at_both_ends() -> None:
    assert source_lines("\n\tx = 1\n\n") == ["", "    x = 1", ""]
    assert source_lines("a\r\nb\rc") == ["a", "b", "c"]
    assert source_lines("a\fb\n") == ["a\fb"]  # a form feed does not end a line


# -- ignoring whitespace (`w`) ----------------------------------------------------------------------------


def test_blank_lines_at_either_end_are_never_a_change() -> None:
    diff = build_diff("\n" + FAST, FAST + "\n  \n")
    assert diff.identical
    assert [ln.number for ln in diff.left] == [1, 2, 3, None, None]
    assert [ln.number for ln in diff.right] == [None, 1, 2, 3, 4]


def test_blank_lines_inside_a_program_are_changes_while_whitespace_counts() -> None:
    diff = build_diff("a = 1\nb = 2\n", "a = 1\n\nb = 2\n")
    assert (diff.removed, diff.added) == (0, 1)
    assert [(ln.tag, ln.number) for ln in diff.right] == [("equal", 1), ("insert", 2), ("equal", 3)]


def test_trailing_spaces_and_space_runs_are_not_changes_when_ignored() -> None:
    left = "n = int(input())   \nprint(n  *  2)\n"
    right = "n = int(input())\nprint(n * 2)\n"
    assert not build_diff(left, right).identical
    diff = build_diff(left, right, ignore_whitespace=True)
    assert diff.identical
    assert [ln.tag for ln in diff.left] == ["equal", "equal"]


def test_blank_line_changes_are_not_changes_when_ignored() -> None:
    left = "a = 1\nb = 2\nprint(a + b)\n"
    right = "a = 1\n\nb = 2\n\n\nprint(a + b)\n\n"
    diff = build_diff(left, right, ignore_whitespace=True)
    assert diff.identical and diff.split_blocks == [] and diff.unified_blocks == []
    assert [ln.number for ln in diff.right] == [1, 2, 3, 4, 5, 6, 7]
    assert [ln.number for ln in diff.left] == [1, None, 2, None, None, 3, None]
    assert {ln.tag for ln in diff.left} == {"equal", "filler"}


def test_indentation_changes_still_count_when_whitespace_is_ignored() -> None:
    left = "for i in range(3):\n    print(i)\n"
    right = "for i in range(3):\n        print(i)\n"
    diff = build_diff(left, right, ignore_whitespace=True)
    assert (diff.removed, diff.added) == (1, 1)


def test_ignored_whitespace_keeps_real_changes_and_their_numbers() -> None:
    left = "\nn = int(input())  \nt = 0\nfor i in range(n + 1):\n    t += i\nprint(t)\n"
    right = "n = int(input())\n\nprint(n * (n + 1) // 2)\n"
    diff = build_diff(left, right, ignore_whitespace=True)
    assert [(ln.tag, ln.number) for ln in diff.left if ln.tag == "delete"] == [
        ("delete", 3), ("delete", 4), ("delete", 5), ("delete", 6)]
    assert [(ln.tag, ln.number) for ln in diff.right if ln.tag == "insert"] == [("insert", 3)]
    assert (diff.removed, diff.added) == (4, 1)
    unified_numbers = [(ln.left_number, ln.right_number) for ln in diff.unified if ln.tag in ("delete", "insert")]
    assert unified_numbers == [(3, None), (4, None), (5, None), (6, None), (None, 3)]


def test_with_whitespace_switches_the_alignment_both_ways() -> None:
    exact = build_diff("x = 1  \n", "x = 1\n")
    ignoring = exact.with_whitespace(True)
    assert ignoring.identical and ignoring.ignore_whitespace
    assert not ignoring.with_whitespace(False).identical
    assert exact.with_whitespace(False) is exact


def test_change_blocks_cover_their_rows() -> None:
    diff = build_diff("a\nb\nc\nd\ne\nf\n", "a\nB\nc\nd\nE\nE2\nf\n", context=0)
    assert diff.split_blocks == [(1, 2), (4, 6)]
    assert [[diff.unified[k].tag for k in range(start, end)] for start, end in diff.unified_blocks] == [
        ["delete", "insert"], ["delete", "insert", "insert"]]
