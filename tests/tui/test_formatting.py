"""Statements as the TUI shows them: CodeNet's LaTeX math read as plain text (the stored text is unchanged)."""

from __future__ import annotations

from ecco_tui.tui.formatting import readable_statement


def test_dollar_delimited_math_loses_its_dollars() -> None:
    assert readable_statement(r"$N \leq 10^5$") == "N <= 10^5"


def test_leq_and_le_read_as_less_or_equal() -> None:
    assert readable_statement(r"1 \leq N \le 100") == "1 <= N <= 100"


def test_geq_and_ge_read_as_greater_or_equal() -> None:
    assert readable_statement(r"A \geq 1, B \ge 2") == "A >= 1, B >= 2"


def test_neq_reads_as_not_equal() -> None:
    assert readable_statement(r"$A_i \neq A_j$") == "A_i != A_j"


def test_lt_and_gt_read_as_less_and_greater() -> None:
    assert readable_statement(r"$0 \lt x \gt -1$") == "0 < x > -1"


def test_times_reads_as_x() -> None:
    assert readable_statement(r"$2 \times 10^6$") == "2 x 10^6"


def test_ldots_reads_as_three_dots() -> None:
    assert readable_statement(r"$A_1, A_2, \ldots, A_N$") == "A_1, A_2, ..., A_N"


def test_longer_commands_starting_like_a_known_one_are_kept() -> None:
    assert readable_statement(r"\left( \text{x} \right)") == r"\left( \text{x} \right)"


def test_a_lone_dollar_outside_math_is_kept() -> None:
    assert readable_statement("It costs $5.") == "It costs $5."


def test_math_does_not_span_lines() -> None:
    assert readable_statement("pay $3\nand $4") == "pay $3\nand $4"


def test_plain_text_is_unchanged() -> None:
    text = "Print the sum of A and B.\nSample Input 1\n1 2"
    assert readable_statement(text) == text
