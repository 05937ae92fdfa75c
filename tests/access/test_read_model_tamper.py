"""Edited read-model rows decide no erasure, and ``store check`` names every one of them.

A database writer without keys sets ``conversations.subject`` of Anna's conversation to
``nobody`` before her erasure: the erasure finds her conversations from their events anyway.
And ``check_store`` (``magcore store check``) rebuilds the read models from the events and
names each row that differs, by table and key.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from magcore.access.erasure import ErasureReason, erase_person
from magcore.app.maintenance import check_store

from .test_carried_origin import _agreed, _service, _tamper


def _sql(path: Path, statement: str, *params: str) -> None:
    db = sqlite3.connect(path)
    db.execute(statement, params)
    db.commit()
    db.close()


def test_an_edited_subject_does_not_keep_a_conversation_from_the_erasure(tmp_path: Path) -> None:
    path = tmp_path / "magcore.db"
    service = _service(f"sqlite:///{path}")
    annas = _agreed(service, "yearly", "anna", "bram", "ANNA-BURNOUT")
    eriks = _agreed(service, "yearly", "erik", "carla", "ERIK")
    service.close()
    _sql(path, "UPDATE conversations SET subject = 'nobody' WHERE id = ?", annas)
    # and one of Erik's made to look like Anna's: it must not be erased with her
    _sql(path, "UPDATE conversations SET subject = 'anna' WHERE id = ?", eriks)
    service = _service(f"sqlite:///{path}", fresh=False)
    erased = erase_person(
        service.store, "anna", clock=service.clock, actor="po", reason=ErasureReason("request")
    )
    assert erased.streams == (f"conversation:{annas}",)
    service.close()
    _sql(path, "UPDATE conversations SET subject = 'anna' WHERE id = ?", annas)
    _sql(path, "UPDATE conversations SET subject = 'erik' WHERE id = ?", eriks)
    service = _service(f"sqlite:///{path}", fresh=False)
    view = service.view(annas, actor="bram")
    assert view.destroyed
    assert not view.has_content
    assert [a.text for a in service.view(eriks, actor="carla").agreements] == ["ERIK"]
    service.close()


def test_store_check_names_every_edited_row(tmp_path: Path) -> None:
    path = tmp_path / "magcore.db"
    service = _service(f"sqlite:///{path}")
    annas = _agreed(service, "yearly", "anna", "bram", "ANNA-PRIVATE")
    assert check_store(service.store.inner).problems == ()
    service.close()
    _tamper(path, annas, "erik", ["erik", "carla"])
    service = _service(f"sqlite:///{path}", fresh=False)
    problems = check_store(service.store.inner).problems
    service.close()
    row = f"read model table conversations, row {annas}"
    assert f"{row}: subject, participants do not match the events" in problems
    assert f"read model table agreements, row {annas}#a1: missing (the events hold it)" in problems
    assert f"read model table agreements, row {annas}#a1: the events hold no such row" in problems
    assert len(problems) == 3


def test_store_check_finds_an_agreement_moved_to_a_name_nobody_has(tmp_path: Path) -> None:
    path = tmp_path / "magcore.db"
    service = _service(f"sqlite:///{path}")
    annas = _agreed(service, "yearly", "anna", "bram", "ANNA-PRIVATE")
    service.close()
    _sql(path, "UPDATE agreements SET subject = 'nobody' WHERE conversation = ?", annas)
    _sql(
        path, "UPDATE conversations SET participants = ? WHERE id = ?", json.dumps(["anna"]), annas
    )
    service = _service(f"sqlite:///{path}", fresh=False)
    problems = check_store(service.store.inner).problems
    service.close()
    assert any(
        p.startswith(f"read model table agreements, row {annas}#a1: the events") for p in problems
    )
    assert any(
        p.startswith(f"read model table conversations, row {annas}: participants") for p in problems
    )
