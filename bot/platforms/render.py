"""Render one platform-neutral `Outgoing` for an app's `PlatformCaps`, shared by every adapter.

- text is split at line boundaries into chunks that fit `max_text` (characters or UTF-8 bytes),
  keeping a line together with the indented lines under it (a preview's ticket and its entry
  price and P&L);
- buttons stay buttons on apps that have them; elsewhere each button's `reply_code` becomes a
  line to type ("回复「确认 7F3K」✅ 确认 /「取消 7F3K」❌ 取消");
- images are handed to the adapter when the app can show them, otherwise named in the text;
- Telegram's HTML (`to_html`: everything escaped, aligned tables in `<pre>`) and its length in
  UTF-16 code units (`fit_utf16`), pure text work kept out of the adapter.

Nothing is dropped silently: whatever cannot be shown is said in words.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import Literal

from handlers.messages import Button, Image, Lang, Outgoing, PlatformCaps, split_text

TextUnit = Literal["chars", "bytes"]


@dataclass(frozen=True, slots=True)
class Rendered:
    texts: list[str]  # in order, each within the app's limit; may be empty for image-only
    images: list[Image] = field(default_factory=list)  # for the adapter to send (captions too)
    buttons: list[Button] = field(default_factory=list)  # native buttons to attach
    reply_codes: list[str] = field(default_factory=list)  # codes shown as text lines


def text_size(text: str, unit: TextUnit = "chars") -> int:
    return len(text.encode("utf-8")) if unit == "bytes" else len(text)


def _hard_cut_bytes(line: str, limit: int) -> list[str]:
    """Cut one over-long line into pieces of at most `limit` UTF-8 bytes, never inside a
    character."""
    out: list[str] = []
    data = line.encode("utf-8")
    while len(data) > limit:
        cut = limit
        while cut > 0 and (data[cut] & 0xC0) == 0x80:  # continuation byte: step back
            cut -= 1
        out.append(data[:cut].decode("utf-8"))
        data = data[cut:]
    if data:
        out.append(data.decode("utf-8"))
    return out


def _cut(line: str, limit: int, unit: TextUnit) -> list[str]:
    """One line as pieces within `limit`: itself when it fits, else cut hard (never inside a
    character)."""
    if text_size(line, unit) <= limit:
        return [line]
    if unit == "bytes":
        return _hard_cut_bytes(line, limit)
    return [line[k : k + limit] for k in range(0, len(line), limit)]


def _blocks(lines: list[str]) -> list[list[str]]:
    """Lines grouped into blocks: a line with the indented lines under it (a ticket of a
    preview and its details), which are best read together."""
    blocks: list[list[str]] = []
    for line in lines:
        if blocks and line[:1].isspace() and line.strip():
            blocks[-1].append(line)
        else:
            blocks.append([line])
    return blocks


def split_message(text: str, limit: int, unit: TextUnit = "chars") -> list[str]:
    """Split at line boundaries so that no chunk exceeds `limit` (in `unit`), and never between
    a line and the indented lines under it unless that block alone is over the limit; a single
    line longer than the limit is cut hard. Joining the chunks with newlines gives the text
    back."""
    if limit < 4:
        raise ValueError("limit too small")
    if text_size(text, unit) <= limit:
        return [text]
    chunks: list[str] = []
    cur: str | None = None
    for block in _blocks(text.split("\n")):
        whole = "\n".join(block)
        if text_size(whole, unit) <= limit:
            pieces = [whole]
        else:
            pieces = [piece for line in block for piece in _cut(line, limit, unit)]
        for piece in pieces:
            if cur is None:
                cur = piece
            elif text_size(cur, unit) + 1 + text_size(piece, unit) <= limit:
                cur = cur + "\n" + piece
            else:
                chunks.append(cur)
                cur = piece
    if cur:
        chunks.append(cur)
    return chunks


def reply_code_line(buttons: list[Button], lang: Lang) -> str:
    """What to type instead of pressing: 回复「确认 7F3K」✅ 确认 /「取消 7F3K」❌ 取消.
    Buttons without a reply code are named, so that nothing disappears."""
    lines: list[str] = []
    coded = [b for b in buttons if b.reply_code]
    if coded:
        if lang == "zh":
            lines.append("回复" + " /".join(f"「{b.reply_code}」{b.label}" for b in coded))
        else:
            lines.append("Reply " + " / ".join(f'"{b.reply_code}" {b.label}' for b in coded))
    plain = [b.label for b in buttons if not b.reply_code]
    if plain:
        if lang == "zh":
            lines.append("（此处无法点按：" + " / ".join(plain) + "）")
        else:
            lines.append("(cannot be pressed here: " + " / ".join(plain) + ")")
    return "\n".join(lines)


def _unshown_buttons_line(buttons: list[Button], lang: Lang) -> str:
    labels = " / ".join(b.label for b in buttons)
    if lang == "zh":
        return f"（{labels}：本渠道无法回复，请在可回复的聊天中操作）"
    return f"({labels}: this channel cannot take replies; use a chat that can)"


def _unshown_image_line(image: Image, lang: Lang) -> str:
    name = image.caption or image.name
    return f"（图表未能显示：{name}）" if lang == "zh" else f"(chart not shown here: {name})"


def render(out: Outgoing, caps: PlatformCaps) -> Rendered:
    """The one rendering every adapter uses; the adapter only speaks its app's protocol."""
    body = out.text
    extra: list[str] = []
    buttons: list[Button] = []
    codes: list[str] = []
    if out.buttons:
        if caps.buttons == "native":
            buttons = list(out.buttons)
        elif caps.buttons == "command":
            extra.append(reply_code_line(out.buttons, out.lang))
            codes = [b.reply_code for b in out.buttons if b.reply_code]
        else:
            extra.append(_unshown_buttons_line(out.buttons, out.lang))
    images: list[Image] = []
    if caps.image_mode == "none":
        extra.extend(_unshown_image_line(img, out.lang) for img in out.images)
    else:
        images = list(out.images)
    full = "\n".join(x for x in [body, *extra] if x)
    chunks = split_message(full, caps.max_text, caps.text_unit) if full else []
    texts = [c for c in chunks if c.strip()]  # apps refuse empty messages
    return Rendered(texts=texts, images=images, buttons=buttons, reply_codes=codes)


# ---- Telegram HTML -----------------------------------------------------------------------

_TABLE_LINE = re.compile(r"\S {2,}\S|[│┃|─━┼]")


def to_html(text: str) -> str:
    """Plain text → Telegram HTML: everything escaped; each run of aligned table lines (two or
    more lines with column padding) wrapped in <pre> so the columns line up in monospace."""
    lines = text.split("\n")
    out: list[str] = []
    i = 0
    while i < len(lines):
        # a paragraph: consecutive non-empty lines
        if not lines[i].strip():
            out.append(html.escape(lines[i], quote=False))
            i += 1
            continue
        j = i
        while j < len(lines) and lines[j].strip():
            j += 1
        para = lines[i:j]
        tabular = [k for k, line in enumerate(para) if _TABLE_LINE.search(line.strip())]
        if len(tabular) >= 2 and len(tabular) * 2 >= len(para):
            first, last = tabular[0], tabular[-1]
            out.extend(html.escape(line, quote=False) for line in para[:first])
            block = "\n".join(html.escape(line, quote=False) for line in para[first : last + 1])
            out.append(f"<pre>{block}</pre>")
            out.extend(html.escape(line, quote=False) for line in para[last + 1 :])
        else:
            out.extend(html.escape(line, quote=False) for line in para)
        i = j
    return "\n".join(out)


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def fit_utf16(text: str, limit: int = 4096) -> list[str]:
    """Telegram counts UTF-16 code units: re-split a chunk that fits in characters but not in
    code units (emoji count twice)."""
    if utf16_len(text) <= limit:
        return [text]
    pieces: list[str] = []
    for part in split_text(text, limit // 2):
        pieces.extend(fit_utf16(part, limit) if utf16_len(part) > limit else [part])
    return pieces
