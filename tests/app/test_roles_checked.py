"""The functional roles a service decides access with are checked where they are given, by the
library itself (``use_roles``, ``use_organisation``), not only by the command line's settings
file: a typo in a role name, a person id that is no id, a role given as one string are each
refused with a ``DefinitionError`` that names the person, and the roles in use stay as they
were."""

from __future__ import annotations

import pytest

from magcore.errors import AccessDenied, DefinitionError

from ..access.mix_world import agreed
from ..access.test_carried_origin import _service


@pytest.mark.parametrize(
    ("roles", "pointer", "words"),
    [
        ({"po": ["privacy_oficer"]}, "/roles/po", "roles.po: unknown role 'privacy_oficer'"),
        ({"not an id!": ["privacy_officer"]}, "/roles", "is not a person id"),
        ({"po": "privacy_officer"}, "/roles/po", "roles.po must be a list of role names"),
        ({"po": ["privacy officer"]}, "/roles/po", "is no role name"),
        ({"po": [7]}, "/roles/po", "is no role name"),
    ],
)
def test_a_bad_role_table_is_refused_by_name_and_changes_nothing(roles, pointer, words):
    service = _service()
    try:
        service.use_roles({"extern": ["privacy_officer"]})
        with pytest.raises(DefinitionError) as refused:
            service.use_roles(roles)
        assert refused.value.pointer == pointer
        assert words in str(refused.value)
        service.due_destructions("extern")  # the roles before are still the ones in use
        with pytest.raises(DefinitionError):
            service.use_organisation("gemeente", roles)
        service.due_destructions("extern")
    finally:
        service.close()


def test_the_known_roles_are_listed_in_the_refusal():
    service = _service()
    try:
        with pytest.raises(DefinitionError) as refused:
            service.use_roles({"po": ["hr_advisor"]})
        assert "hr_adviser" in str(refused.value)
        assert "privacy_officer" in str(refused.value)
    finally:
        service.close()


def test_good_roles_are_taken_up_as_before():
    service = _service()
    try:
        agreed(service, "yearly", employee="anna", manager="bram")
        with pytest.raises(AccessDenied):
            service.due_destructions("extern")
        service.use_organisation("gemeente", {"extern": ("privacy_officer",)})
        assert service.due_destructions("extern").items == ()  # nothing due yet, but allowed
    finally:
        service.close()
