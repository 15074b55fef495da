"""Text hygiene at the edge: what a chat app hands us, made safe once, before anything stores,
parses, prompts or echoes it.

Chat apps deliver text that Python holds but cannot write anywhere: a lone UTF-16 surrogate
(half an emoji, as QQ nicknames and texts truncated by a client carry, or `"\\ud83d"` in a
JSON event) raises `UnicodeEncodeError` in the database driver, in an HTTP client and in a
console; a NUL is refused by PostgreSQL; control characters and bidi overrides make a log or
an echoed name lie about what was sent. `handlers.messages.Incoming` runs every field through
these functions when it is built, so every platform gets them without doing anything.

What each function does, and why:
- lone surrogates → U+FFFD (a proper surrogate pair becomes the character it encodes): the
  user sees that something was there, nothing downstream can fail on it;
- line breaks of every kind (CR LF, CR, VT, FF, NEL, U+2028/2029) → "\\n"; other control
  characters (C0 except tab and newline, DEL, C1) → U+FFFD rather than a space, so garbage
  inside a number ("0.\\x015 手") stays garbage instead of becoming "0. 5";
- invisible format characters that carry no meaning in a chat message (zero-width space,
  word joiner, BOM, directional marks, embeddings, overrides and isolates) are dropped: they
  split words the parser should see whole and let a name display reversed. ZWJ and ZWNJ stay
  (emoji sequences and the spelling of several scripts need them);
- texts and names are NFC-normalised (one spelling per character; full-width → half-width
  and similar folds are the parser's business, `nlp/` does NFKC where it wants it);
- ids are only made safe, never otherwise changed, so that an id still equals the one in the
  allow-list.
"""

from __future__ import annotations

import re
import unicodedata

REPLACEMENT = "\ufffd"

# Longest message the conversation reads, in characters after cleaning. Trade requests and
# questions are tens of characters; 2,000 leaves room for a pasted multi-line note and is
# under every app's own limit we serve (Telegram 4,096). Longer text is answered with
# "message too long" (`Incoming.too_long`) instead of being cut: a cut trade request could
# lose the stop loss it ended with, or leave half a number, and still parse as a trade.
MAX_TEXT_CHARS = 2000
# A display name is shown and audited, never parsed: longer ones are simply cut (Telegram's
# first + last name is at most 128 characters).
MAX_NAME_CHARS = 128
# Callback data is ≤ 64 bytes on Telegram; WeCom event keys are short too. Anything longer was
# not made by us and is unrecognisable anyway; cutting it only bounds what gets stored.
MAX_BUTTON_CHARS = 256

_SURROGATE = re.compile("[\ud800-\udfff]")
_LINE_BREAK = re.compile("\r\n|[\r\x0b\x0c\x85\u2028\u2029]")
_NAME_BREAK = re.compile("\r\n|[\t\n\r\x0b\x0c\x85\u2028\u2029]")  # names are one line
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")  # C0, DEL, C1
_TEXT_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # the same but \t and \n
_INVISIBLE = re.compile("[\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff]")
_SPACES = re.compile(r"\s+")


def without_surrogates(value: str) -> str:
    """`value` with every lone surrogate replaced by U+FFFD; a surrogate pair (two code
    points that Python keeps apart after a UTF-16 mix-up) becomes the character it encodes."""
    if value.isascii() or not _SURROGATE.search(value):
        return value
    # UTF-16 with surrogatepass writes the code points as they are; decoding joins the pairs
    # and turns every unpaired half into U+FFFD.
    return value.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


def _visible(value: str) -> str:
    value = _INVISIBLE.sub("", value)
    return value if unicodedata.is_normalized("NFC", value) else unicodedata.normalize("NFC", value)


def clean_text(text: str | None) -> str | None:
    """A message text as the conversation reads it: safe characters, one kind of line
    break, NFC, no surrounding whitespace. Capped at `MAX_TEXT_CHARS + 1` characters: the one
    character past the cap keeps a cut text recognisable as too long (`is_too_long`), also
    when the message is built again from it."""
    if text is None:
        return None
    value = without_surrogates(text)
    value = _LINE_BREAK.sub("\n", value)
    value = _TEXT_CONTROL.sub(REPLACEMENT, value)
    value = _visible(value).strip()
    return value[: MAX_TEXT_CHARS + 1]


def is_too_long(text: str | None) -> bool:
    return text is not None and len(text) > MAX_TEXT_CHARS


def clean_name(name: str) -> str:
    """A display name: safe characters on one line (every run of whitespace one space), NFC,
    at most `MAX_NAME_CHARS` characters."""
    value = _NAME_BREAK.sub(" ", without_surrogates(name))
    value = _CONTROL.sub(REPLACEMENT, value)
    value = _SPACES.sub(" ", _visible(value)).strip()
    return value[:MAX_NAME_CHARS]


def clean_id(value: str) -> str:
    """An id (platform, chat, user, message, button): lone surrogates and control characters
    replaced by U+FFFD, nothing else touched — a clean id stays byte for byte the same, and a
    dirty one can never become equal to a clean id from the allow-list."""
    if value.isascii() and value.isprintable():
        return value
    return _CONTROL.sub(REPLACEMENT, without_surrogates(value))


def clean_button(value: str | None) -> str | None:
    """Callback data of a pressed button: an id, at most `MAX_BUTTON_CHARS` characters."""
    return None if value is None else clean_id(value)[:MAX_BUTTON_CHARS]
