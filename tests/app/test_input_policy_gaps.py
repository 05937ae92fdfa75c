"""Input that once slipped past the input policy: refused at the boundary, nothing stored.

Each test feeds one kind of input that used to be accepted (or refused only by the store, after
an audit line or a key was written, or with a ``TypeError``) and checks that it is now a named
:class:`~magcore.errors.MagcoreError` and that the store is as it was: every event, every audit
line and the key table.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from magcore import get_plugin_manager, open_service
from magcore.app.service import Service
from magcore.cli.orgcsv import OrgCsvError, read_organisation_csv
from magcore.clock import FixedClock
from magcore.errors import DefinitionError, MagcoreError
from magcore.model import input_policy as ip
from magcore.model.organisation import Organisation, Person
from magcore.model.orgtables import PeopleTable
from magcore.testing import approve_cycle

from ..cli.conftest import ORG_CSV
from ..sharing.support import MAG_CYCLE, T0, small_org


def _contents(service: Service) -> tuple[Any, ...]:
    """Everything the store holds: events, audit lines and the key table."""
    store: Any = service.store
    keys = [repr(k) for k in store.list_keys()] if hasattr(store, "list_keys") else None
    return list(store.read_all()), list(store.read_audit()), keys


@pytest.fixture
def world() -> Iterator[tuple[Service, str]]:
    """A service with an organisation and one requested conversation of e1 (id returned)."""
    service = open_service(
        "memory://",
        clock=FixedClock(T0),
        host=get_plugin_manager(load_entry_points=False),
        organisation="org",
    )
    approve_cycle(service, service.add_cycle(MAG_CYCLE))
    service.import_organisation(small_org(), actor="hr")
    cycle = service.cycle("mag@1")
    people = service.participants_for("org", cycle, "mag", "e1", on=T0.date())
    conv = service.request(cycle=cycle, kind="mag", participants=people, actor="e1")
    yield service, conv.id
    service.close()


def _refused(
    service: Service, call: Callable[[], object], error: type[Exception] = MagcoreError
) -> Exception:
    """*call* raises *error* and leaves the store as it was; the error is returned."""
    before = _contents(service)
    with pytest.raises(error) as raised:
        call()
    assert _contents(service) == before
    return raised.value


# -- e-mail addresses ---------------------------------------------------------------------------

HOSTILE_EMAILS = {
    "escape": "a\x1b[31m@example.nl",
    "rlo": "a\u202e@example.nl",
    "del": "a\x7f@example.nl",
    "lri": "a\u2066@example.nl",
    "c1": "a\x9b@example.nl",
    "nel": "a\x85@example.nl",
    "nul": "a\x00@example.nl",
    "lone-surrogate": "a\ud800@example.nl",
    "lrm": "a\u200e@example.nl",
    "over-the-cap": "a" * 100_000 + "@example.nl",
    "over-254": "a" * 250 + "@example.nl",
    "trailing-newline": "a@example.nl\n",
}


def _org_with(email: str) -> Organisation:
    data = small_org().to_json()
    data["people"] = [*data["people"], {"id": "x1", "email": email}]
    return Organisation.from_json(data)


@pytest.mark.parametrize("email", HOSTILE_EMAILS.values(), ids=HOSTILE_EMAILS.keys())
def test_an_email_address_follows_the_text_policy(world, email):
    service, _ = world
    error = _refused(service, lambda: service.import_organisation(_org_with(email), actor="hr"))
    assert isinstance(error, DefinitionError)
    assert error.pointer == "/people/11/email"
    with pytest.raises(DefinitionError) as raised:
        Person(id="x1", email=email)
    assert raised.value.pointer == "/email"
    with pytest.raises(DefinitionError) as raised:
        PeopleTable(["x1", "x2"], email=["ok@example.nl", email])
    assert raised.value.pointer == "/email/1"


@pytest.mark.parametrize("email", HOSTILE_EMAILS.values(), ids=HOSTILE_EMAILS.keys())
def test_an_email_address_in_the_organisation_csv_follows_the_text_policy(world, email):
    if email.endswith("\n") or "\x85" in email:
        pytest.skip("a line break: not a value in one CSV line")
    service, _ = world
    header, *rows = ORG_CSV.splitlines()
    lines = [f"{header},email", *(f"{row}," for row in rows[:-1]), f"{rows[-1]},{email}"]
    text = "\n".join(lines) + "\n"

    def read_and_import() -> None:
        org = read_organisation_csv("org.csv", org_id="org", text=text)
        service.import_organisation(org, actor="hr")

    error = _refused(service, read_and_import, OrgCsvError)
    assert isinstance(error, OrgCsvError)
    assert any("email" in p.message for p in error.problems), error.problems


def test_a_good_email_address_is_kept_in_nfc():
    assert Person(id="x1", email="jose\u0301@example.nl").email == "jos\u00e9@example.nl"
    table = PeopleTable(["x1"], email=["jose\u0301@example.nl"])
    assert table["x1"].email == "jos\u00e9@example.nl"
    assert ip.is_email("a" * 243 + "@example.nl")  # 254 characters
    assert ip.email_problem("a" * 244 + "@example.nl", pointer="/email") is not None
