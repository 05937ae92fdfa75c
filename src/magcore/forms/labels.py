"""The scoring guard reads what people read: every label, legend and option text of a form's
UI hints, in every language the form carries (not only Dutch and English)."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from ..errors import ScoringNotAllowedError
from ..model.scoring import grade_reason, label_reason

__all__ = ["check_ui_labels"]


#: A key that holds one language's text ("nl", "en", "fy", "pap", "nl-BE").
_LANGUAGE_KEY = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")


def check_ui_labels(ui: Any, source: str | None) -> None:
    """Labels, legends and option texts may not name a score either, in any language; and the
    texts of a choice's options may not be grades ("Boven verwachting", "Voldoende", "3 sterren")
    whatever their ids say."""

    def walk(value: Any, pointer: str) -> Iterator[tuple[str, str]]:
        if isinstance(value, Mapping):
            options = value.get("options")
            if isinstance(options, Mapping):
                yield from option_texts(options, f"{pointer}/options")
            for key, sub in value.items():
                here = f"{pointer}/{key}"
                if _LANGUAGE_KEY.match(str(key)) and isinstance(sub, str):
                    reason = label_reason(sub, what="text")
                    if reason:
                        yield pointer, reason
                else:
                    yield from walk(sub, here)
        elif isinstance(value, list):
            for index, sub in enumerate(value):
                yield from walk(sub, f"{pointer}/{index}")

    def option_texts(options: Mapping[str, Any], pointer: str) -> Iterator[tuple[str, str]]:
        by_language: dict[str, list[str]] = {}
        for label in options.values():
            for language, text in label.items() if isinstance(label, Mapping) else ():
                if isinstance(text, str):
                    by_language.setdefault(str(language), []).append(text)
        for language, texts in sorted(by_language.items()):
            reason = grade_reason(texts)
            if reason:
                yield pointer, f"{reason} in its {language} texts"

    for pointer, reason in walk(ui, "/ui"):
        raise ScoringNotAllowedError(pointer, reason, source=source)
