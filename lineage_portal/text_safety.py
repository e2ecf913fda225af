"""Characters that must not reach the database or a page as they are.

* NUL and lone surrogates cannot be stored (Postgres refuses NUL in text, and a lone
  surrogate cannot be encoded): requests carrying them are refused with 400.
* Control characters and bidirectional overrides (U+202E…) make a name display as
  something else (``exe.jpg`` that is really ``gpj.exe``). Names typed by people are
  refused; names that came from producers are shown escaped as ``[U+202E]``.
"""

from __future__ import annotations

import re
import unicodedata

from django.core.exceptions import ValidationError

# Bidirectional embeddings, overrides, isolates and marks.
BIDI_CONTROLS = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_SHOWN_ESCAPED = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f" + BIDI_CONTROLS + "\ud800-\udfff]"
)
_LINE_BREAKS = "\t\n\r"


def unstorable(text: str) -> str | None:
    """The first character no database column can hold (NUL, a lone surrogate), if any."""
    for char in text:
        if char == "\x00" or "\ud800" <= char <= "\udfff":
            return char
    return None


def char_name(char: str) -> str:
    """``U+202E (RIGHT-TO-LEFT OVERRIDE)``: how an error message names a character."""
    return f"U+{ord(char):04X} ({unicodedata.name(char, 'control character')})"


def text_refusal(text: str, *, multiline: bool = False) -> str | None:
    """Why ``text`` may not be stored as typed, or None: controls and bidi overrides refused."""
    for char in text:
        if multiline and char in _LINE_BREAKS:
            continue
        if _SHOWN_ESCAPED.match(char):
            return f"it contains {char_name(char)}, which would make it display as something else"
    return None


def text_validate(text: str, what: str, *, multiline: bool = False) -> str:
    """``text`` unchanged, or a ValidationError naming ``what`` and the character."""
    refusal = text_refusal(text, multiline=multiline)
    if refusal:
        raise ValidationError(f"{what} is refused: {refusal}.", code="unsafe_characters")
    return text


def visible(text: str) -> str:
    """``text`` with controls and bidi overrides shown as ``[U+202E]``, for display."""
    return _SHOWN_ESCAPED.sub(lambda match: f"[U+{ord(match.group()):04X}]", text)


def contains_hidden(text: str) -> bool:
    return _SHOWN_ESCAPED.search(text) is not None
