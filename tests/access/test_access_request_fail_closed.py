"""What makes a read special-category has no default: forgetting it is impossible.

Found by a review: :class:`~magcore.access.decision.AccessRequest` had ``special_category=False``,
``special_kind=False`` and ``special_themes=frozenset()`` as defaults. A caller that left them
out got the answer for ordinary content: a legal basis opened an agreement of a vitality
conversation, and an ``agreements`` choice read for an HR overview showed that a vitality
conversation exists (fail-open for health data, AVG art. 9). Now ``special_category`` is a
required keyword for every part and ``special_kind`` and ``special_themes`` for
:attr:`~magcore.access.decision.Part.METADATA`: a request without them cannot be made
(``TypeError``; mypy names the first), and a metadata request whose answers are unknown opens no
sharing choice. :func:`~magcore.access.decision.choice_opens` takes ``special_themes`` without
a default too. Every place that builds a request states them (checked on the source).
"""

from __future__ import annotations

import ast
from datetime import UTC, datetime
from pathlib import Path

import pytest

from magcore.access.decision import (
    HR_OVERVIEW,
    AccessContext,
    AccessRequest,
    Directory,
    LegalBasis,
    Part,
    choice_covers,
    choice_opens,
    decide_access,
)
from magcore.domain.sharing import SharingChoice, SharingState

ROOT = Path(__file__).resolve().parents[2]
AT = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
HR = Directory(roles_of=lambda person, day: frozenset({"hr_adviser"} if person == "hr1" else ()))


def _request(**given: object) -> AccessRequest:
    base: dict[str, object] = {"viewer": "hr1", "purpose": HR_OVERVIEW, "at": AT, "subject": "e1"}
    return AccessRequest(**{**base, **given})  # type: ignore[arg-type]


def test_a_request_that_does_not_say_whether_it_is_special_cannot_be_made() -> None:
    """Without ``special_category`` no request is made, for any part; a metadata request
    needs ``special_kind`` and ``special_themes`` too."""
    for part in Part:
        with pytest.raises(TypeError, match="special_category"):
            _request(part=part)
    with pytest.raises(TypeError, match="special_kind and special_themes"):
        _request(part=Part.METADATA, special_category=False, special_themes=frozenset())
    with pytest.raises(TypeError, match="special_kind and special_themes"):
        _request(part=Part.METADATA, special_category=False, special_kind=False)
    made = _request(
        part=Part.METADATA, special_category=False, special_kind=False, special_themes=frozenset()
    )
    assert made.special_kind is False
    # content parts need only special_category: what makes them special is said there
    assert _request(part=Part.AGREEMENT, special_category=True).special_kind is None


def test_a_legal_basis_opens_no_agreement_of_a_vitality_conversation() -> None:
    """The HR adviser's legal basis for agreements: an agreement of a vitality conversation,
    said to be special-category, is refused; an ordinary one is opened. The answer a caller
    that forgot would have got (the ordinary one) can no longer be asked for."""
    basis = LegalBasis(
        name="reintegration",
        article="Wet verbetering poortwachter art. 25",
        roles={"hr_adviser"},
        parts={Part.AGREEMENT},
        purpose=HR_OVERVIEW,
    )
    context = AccessContext(directory=HR, legal_bases=(basis,))
    special = _request(part=Part.AGREEMENT, conversation="c1", special_category=True)
    assert not decide_access(special, context).allowed
    ordinary = _request(part=Part.AGREEMENT, conversation="c1", special_category=False)
    assert decide_access(ordinary, context).allowed
    with pytest.raises(TypeError):
        _request(part=Part.AGREEMENT, conversation="c1")


def test_an_hr_overview_choice_shows_no_vitality_conversation_and_unknown_opens_nothing() -> None:
    """An ``agreements`` choice to the HR adviser for HR overviews: the metadata of a
    conversation of a special-category kind is refused, of an ordinary one allowed. A request
    whose answers are unknown (made around the constructor) is covered by no choice."""
    choice = SharingChoice(
        id=1, person="e1", to="hr_adviser", what="agreements", purpose=HR_OVERVIEW, granted_at=AT
    )
    context = AccessContext(sharing=SharingState(person="e1", choices={1: choice}), directory=HR)

    def metadata(special_kind: bool) -> AccessRequest:
        return _request(
            part=Part.METADATA,
            conversation="c1",
            special_category=False,
            special_kind=special_kind,
            special_themes=frozenset(),
        )

    assert not decide_access(metadata(True), context).allowed
    assert decide_access(metadata(False), context).allowed
    unknown = metadata(False)
    object.__setattr__(unknown, "special_kind", None)  # what no caller can build
    assert not choice_covers(choice, unknown)
    assert not decide_access(unknown, context).allowed


def test_choice_opens_needs_the_special_themes() -> None:
    """A theme choice read for an HR overview opens nothing for a special theme; the themes
    have no default to forget."""
    assert not choice_opens(
        "theme:health",
        special_kind=False,
        purpose=HR_OVERVIEW,
        special_themes=frozenset({"health"}),
    )
    assert choice_opens(
        "theme:work", special_kind=False, purpose=HR_OVERVIEW, special_themes=frozenset({"health"})
    )
    with pytest.raises(TypeError):
        choice_opens("theme:health", special_kind=False, purpose=HR_OVERVIEW)  # type: ignore[call-arg]


def _calls(name: str) -> list[tuple[Path, ast.Call]]:
    found = []
    for folder in (ROOT / "src", ROOT / "plugins"):
        for path in folder.rglob("*.py"):
            if "node_modules" in path.parts or "tests" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Name)
                    and node.func.id == name
                ):
                    found.append((path, node))
    return found


def test_every_request_in_the_library_and_the_plugins_says_what_is_special() -> None:
    """Every ``AccessRequest(...)`` in ``src/`` and ``plugins/`` passes ``special_category``;
    one whose part may be metadata (not a literal content part) passes ``special_kind`` and
    ``special_themes`` too; every ``choice_opens(...)`` passes ``special_themes``."""
    requests = _calls("AccessRequest")
    assert len(requests) >= 4  # reading (2), profiles, told
    for path, call in requests:
        given = {k.arg for k in call.keywords}
        where = f"{path.relative_to(ROOT)}:{call.lineno}"
        assert "special_category" in given, where
        part = next((k.value for k in call.keywords if k.arg == "part"), None)
        content = isinstance(part, ast.Attribute) and part.attr != "METADATA"
        if not content:
            assert {"special_kind", "special_themes"} <= given, where
    for path, call in _calls("choice_opens"):
        assert "special_themes" in {k.arg for k in call.keywords}, path
