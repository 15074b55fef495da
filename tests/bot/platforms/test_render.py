"""The shared renderer: one Outgoing, degraded per app capability, nothing dropped."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.platforms.render import (
    fit_utf16,
    render,
    reply_code_line,
    split_message,
    text_size,
    to_html,
    utf16_len,
)
from handlers.messages import Button, Image, Outgoing, PlatformCaps

QQ = PlatformCaps(buttons="command", max_text=4500, image_mode="base64", push="always")
WECOM = PlatformCaps(
    buttons="native", max_text=2048, image_mode="upload", push="always", text_unit="bytes"
)
ROBOT = PlatformCaps(buttons="none", max_text=2048, image_mode="none", push="always")

CONFIRM = [
    Button("c:7F3K", "✅ 确认", reply_code="确认 7F3K"),
    Button("x:7F3K", "❌ 取消", reply_code="取消 7F3K"),
]


def test_confirmation_on_app_without_buttons_ends_with_both_reply_codes() -> None:
    r = render(Outgoing("买入 XAUUSD 0.01 手 @ 2350.10", buttons=CONFIRM, kind="preview"), QQ)
    assert r.buttons == []
    assert r.reply_codes == ["确认 7F3K", "取消 7F3K"]
    assert r.texts[-1].splitlines()[-1] == "回复「确认 7F3K」✅ 确认 /「取消 7F3K」❌ 取消"


def test_english_reply_line_quotes_codes() -> None:
    buttons = [
        Button("c:1", "✅ Confirm", "confirm 1A2B"),
        Button("x:1", "❌ Cancel", "cancel 1A2B"),
    ]
    assert (
        reply_code_line(buttons, "en")
        == 'Reply "confirm 1A2B" ✅ Confirm / "cancel 1A2B" ❌ Cancel'
    )


def test_native_buttons_are_kept_and_no_code_is_printed() -> None:
    r = render(Outgoing("preview", buttons=CONFIRM), WECOM)
    assert r.buttons == CONFIRM
    assert r.texts == ["preview"]
    assert r.reply_codes == []


def test_button_without_reply_code_is_named_not_dropped() -> None:
    r = render(Outgoing("menu", buttons=[Button("m:pos", "持仓")]), QQ)
    assert "持仓" in r.texts[-1]


def test_app_with_no_buttons_and_no_images_says_what_it_cannot_show() -> None:
    img = Image(b"\x89PNG", name="equity.png", caption="净值曲线")
    r = render(Outgoing("日报", buttons=CONFIRM, images=[img]), ROBOT)
    assert r.images == []
    joined = "\n".join(r.texts)
    assert "净值曲线" in joined
    assert "✅ 确认" in joined


def test_images_are_handed_over_when_the_app_can_show_them() -> None:
    img = Image(b"\x89PNG", caption="盈亏")
    assert render(Outgoing("report", images=[img]), QQ).images == [img]


def test_long_report_is_split_at_line_boundaries_within_limit() -> None:
    lines = [f"EURUSD #{i:05d}  +12.34" for i in range(600)]
    r = render(Outgoing("\n".join(lines), buttons=CONFIRM), QQ)
    assert len(r.texts) > 1
    assert all(len(t) <= QQ.max_text for t in r.texts)
    rejoined = "\n".join(r.texts).splitlines()
    assert rejoined[:-1] == lines
    assert rejoined[-1].startswith("回复")


def test_wecom_limit_counts_utf8_bytes() -> None:
    text = "\n".join(["黄金多单盈亏汇总" * 10] * 30)  # 240 bytes a line, ~7 KB
    r = render(Outgoing(text), WECOM)
    assert len(r.texts) >= 4
    assert all(len(t.encode()) <= 2048 for t in r.texts)
    assert "\n".join(r.texts) == text


def test_single_overlong_chinese_line_is_cut_between_characters() -> None:
    line = "盈" * 1000  # 3000 bytes
    chunks = split_message(line, 2048, "bytes")
    assert "".join(chunks) == line
    assert all(text_size(c, "bytes") <= 2048 for c in chunks)


def test_empty_text_with_image_renders_no_text_message() -> None:
    img = Image(b"\x89PNG")
    r = render(Outgoing("", images=[img]), QQ)
    assert r.texts == []
    assert r.images == [img]


@given(
    st.lists(st.text(alphabet="ab盈€😀 ", max_size=120), min_size=1, max_size=40),
    st.integers(min_value=8, max_value=300),
)
def test_byte_split_never_loses_or_overflows(lines: list[str], limit: int) -> None:
    text = "\n".join(lines)
    chunks = split_message(text, limit, "bytes")
    assert all(text_size(c, "bytes") <= limit for c in chunks)
    # content survives: same characters in the same order, line breaks aside
    assert "".join(chunks).replace("\n", "") == text.replace("\n", "")


def test_blank_line_at_a_chunk_boundary_never_becomes_an_empty_message() -> None:
    caps = PlatformCaps(buttons="command", max_text=10, image_mode="base64", push="always")
    r = render(Outgoing("abcdefghij\n\n0123456789"), caps)
    assert r.texts == ["abcdefghij", "0123456789"]


# ---- Telegram HTML (to_html, fit_utf16)


def test_to_html_escapes_everything_and_keeps_prose_out_of_pre() -> None:
    assert to_html("a <b> & c") == "a &lt;b&gt; &amp; c"
    assert to_html("one  two") == "one  two"  # a single padded line is not a table
    text = "标题\nA   1\nBB  22\n\n说明 <x>"
    assert to_html(text) == "标题\n<pre>A   1\nBB  22</pre>\n\n说明 &lt;x&gt;"


def test_fit_utf16_resplits_emoji_heavy_chunks() -> None:
    text = "\n".join(["😀" * 100] * 40)  # 4039 characters, 8039 UTF-16 units
    pieces = fit_utf16(text)
    assert all(utf16_len(p) <= 4096 for p in pieces)
    assert "\n".join(pieces) == text
