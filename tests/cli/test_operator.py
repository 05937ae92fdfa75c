"""Who ran a ``magcore`` command, as its audit lines name them (``cli:<login>``)."""

from __future__ import annotations


def test_the_operator_is_the_account_not_what_the_environment_says(monkeypatch):
    """``LOGNAME`` and ``USER`` are set by whoever runs the command: the audit origin comes
    from the process's effective user id instead."""
    import os
    import pwd

    from magcore.cli._app import operator

    monkeypatch.setenv("LOGNAME", "alice")
    monkeypatch.setenv("USER", "alice")
    account = pwd.getpwuid(os.geteuid()).pw_name
    assert operator() == f"cli:{account}"
    assert account == "alice" or operator() != "cli:alice"
