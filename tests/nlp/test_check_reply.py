"""The typed "check again" ("查询 7F3K" / "check 7F3K"): read as a `CheckReply`, never as a
confirmation, in either width and case."""

from __future__ import annotations

import pytest

from nlp.commands import CheckReply, CodeReply, read_check_reply, read_command


@pytest.mark.parametrize(
    "text",
    [
        "查询 7F3K",
        "查询7F3K",
        "check 7f3k",
        "CHECK 7F3K",
        "recheck 7F3K",
        "核实 7F3K",
        "查询　７Ｆ３Ｋ",
    ],
)
def test_a_check_code_reads_as_a_check(text: str) -> None:
    assert read_check_reply(text) == CheckReply("7F3K")
    assert read_command(text) == CheckReply("7F3K")


def test_a_confirm_code_is_still_a_confirmation_and_never_a_check() -> None:
    assert read_command("确认 7F3K") == CodeReply(yes=True, code="7F3K")
    assert read_check_reply("确认 7F3K") is None


@pytest.mark.parametrize("text", ["查询", "check", "查询 黄金", "check the price", "查询 7F3K5"])
def test_other_texts_are_no_check(text: str) -> None:
    assert read_check_reply(text) is None
