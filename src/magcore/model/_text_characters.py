"""The characters no text may hold, and why each is refused: the text rule of
:mod:`magcore.model.input_policy` (which gives these names), as a regular expression for
Python and as a JSON Schema ``pattern``."""

from __future__ import annotations

import re

__all__ = [
    "BIDI_CONTROLS",
    "FORBIDDEN",
    "SURROGATE",
    "TAG_CHARACTERS",
    "TEXT_PATTERN",
    "TEXT_PATTERN_PORTABLE",
    "forbidden_reason",
]

TEXT_PATTERN = (
    "^[^\\u0000-\\u0008\\u000b-\\u001f\\u007f-\\u009f\\u061c\\u200e\\u200f"
    "\\u202a-\\u202e\\u2066-\\u2069\\u2028\\u2029\\u206a-\\u206f\\ufdd0-\\ufdef"
    "\\ufff9-\\ufffb\\ufffe\\uffff\U000e0000-\U000e007f]*$"
)
"""The text rule's characters as a JSON Schema ``pattern`` (lone surrogates aside: they never
reach a JSON Schema engine, which takes UTF-8). The tag characters are written as themselves
(a range beyond U+FFFF), which JSON Schema's regular expressions read as code points (the
ECMA-262 ``u`` flag, as Ajv, jsonschema-rs and Python's ``re`` do)."""

TEXT_PATTERN_PORTABLE = TEXT_PATTERN.replace("\U000e0000-\U000e007f", "")
""":data:`TEXT_PATTERN` without the tag characters: valid in every reading of ECMA-262, also
without the ``u`` flag (where a range beyond U+FFFF is an error). For documents that others
compile, such as an OpenAPI description; magcore itself still refuses the tag characters."""

TAG_CHARACTERS = (0xE0000, 0xE007F)
"""The first and last of the invisible tag characters no text may hold."""

BIDI_CONTROLS = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
"""The bidirectional marks, embeddings, overrides and isolates no text may hold."""

#: Characters no text may hold, each with the reason given when it is found.
FORBIDDEN = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069\ud800-\udfff"
    "\u2028\u2029\u206a-\u206f\ufdd0-\ufdef\ufff9-\ufffb\ufffe\uffff\U000e0000-\U000e007f]"
)

#: A lone surrogate: reported before any other forbidden character, because a text holding one
#: cannot be encoded at all (no engine downstream may see it, whatever else it holds).
SURROGATE = re.compile("[\ud800-\udfff]")


def forbidden_reason(char: str, position: int) -> str:
    """Why the forbidden *char* at *position* is refused (a problem's message)."""
    code = ord(char)
    name = f"U+{code:04X}"
    why = ""
    if code < 0x20 or code == 0x7F:
        what = "a control character"
    elif 0x80 <= code <= 0x9F:
        what = "a C1 control character"
    elif 0xD800 <= code <= 0xDFFF:
        what = "a lone surrogate"
        why = " (not valid Unicode text)"
    elif TAG_CHARACTERS[0] <= code <= TAG_CHARACTERS[1]:
        what = "an invisible tag character"
        why = " (hidden text that no screen shows)"
    elif code in (0x2028, 0x2029):
        what = "a line or paragraph separator"
        why = " (write a newline instead)"
    elif 0xFFF9 <= code <= 0xFFFB:
        what = "an interlinear annotation character"
        why = " (hidden text that no screen shows)"
    elif 0x206A <= code <= 0x206F:
        what = "a deprecated format character"
        why = " (it changes how other characters are shown)"
    elif 0xFDD0 <= code <= 0xFDEF or code in (0xFFFE, 0xFFFF):
        what = "a noncharacter"
        why = " (not meant for text)"
    else:
        what = "a bidirectional control character"
        why = " (the text would read differently than it is stored)"
    return f"holds {what} {name} at position {position}{why}"
