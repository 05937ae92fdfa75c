"""Every text an operator can type into a ``magcore`` command meets the input policy.

Most options take an id (``ID``) or a text (``TEXT``): their click types apply the input policy
before the command runs, so a hostile value is refused with the option's name and nothing is
opened. The test below walks the whole command tree, so a command added later with a plain
string option fails here until that option is either given one of those types or listed in
:data:`FREE` with a hostile invocation, which must then be refused: a named error, no
traceback, and the store unchanged.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import click
import pytest

from magcore.cli import cli
from magcore.cli._common import ID, TEXT

from ..app.test_input_policy_hostile import _cli, _db_dump, folder  # noqa: F401 (a fixture)

#: The hostile values every free option is fed: a direction override, a terminal escape, a
#: lone surrogate, a NUL, and 70,000 characters.
HOSTILE = ["a\u202eb", "a\x1b[2Jb", "a\ud800b", "a\x00b", "x" * 70_000]

#: Options and arguments that take any string, each with a whole command line that puts a
#: value *h* into it (the conversation *c* of the folder is there to name).
FREE: dict[tuple[str, str], Callable[[str, str], list[str]]] = {
    ("export person", "language"): lambda c, h: [
        "export",
        "person",
        "e1",
        "--as",
        "e1",
        "--language",
        h,
    ],
    ("init", "store"): lambda c, h: ["init", "--store", h],
    ("init", "cycle"): lambda c, h: ["init", "--cycle", h],
    ("measure answer", "token"): lambda c, h: [
        "measure",
        "answer",
        "r1",
        "--token",
        h,
        "--answers",
        "{}",
    ],
    ("measure answer", "answers"): lambda c, h: [
        "measure",
        "answer",
        "r1",
        "--token",
        "t",
        "--answers",
        h,
    ],
    ("measure compare", "language"): lambda c, h: [
        "measure",
        "compare",
        "s1",
        "--as",
        "hr",
        "--language",
        h,
    ],
    ("measure open", "label"): lambda c, h: [
        "measure",
        "open",
        "--series",
        "s1",
        "--unit",
        "t1",
        "--questionnaire",
        "werkdruk",
        "--label",
        h,
        "--as",
        "hr",
    ],
    ("new-plugin", "name"): lambda c, h: ["new-plugin", h, "--dir", "new-plugins"],
    ("plan", "kind"): lambda c, h: [
        "plan",
        "--from",
        "2025-01-01",
        "--to",
        "2025-02-01",
        "--kind",
        h,
    ],
    ("policy approve", "hash"): lambda c, h: [
        "policy",
        "approve",
        "--body",
        "works_council",
        "--reference",
        "OR-9",
        "--hash",
        h,
        "--as",
        "hr",
    ],
    ("policy approve", "cycle"): lambda c, h: [
        "policy",
        "approve",
        "--body",
        "works_council",
        "--reference",
        "OR-9",
        "--hash",
        "0" * 64,
        "--cycle",
        h,
        "--as",
        "hr",
    ],
    ("policy render", "language"): lambda c, h: ["policy", "render", "--language", h],
    ("policy render", "cycle"): lambda c, h: ["policy", "render", "--cycle", h],
    ("store copy", "source"): lambda c, h: ["store", "copy", h, "sqlite:///copy.db"],
    ("store copy", "target"): lambda c, h: ["store", "copy", "sqlite:///magcore.db", h],
}


def _commands(
    command: click.Command, path: tuple[str, ...], ctx: click.Context
) -> Iterator[tuple[str, click.Command]]:
    if isinstance(command, click.Group):
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            assert sub is not None
            yield from _commands(sub, (*path, name), click.Context(sub, parent=ctx))
    else:
        yield " ".join(path), command


def _free_params() -> set[tuple[str, str]]:
    """Each (command, parameter) that takes a string without the input policy's types.

    Walking the tree loads every lazy command; they are unloaded again afterwards, so that a
    test of how a command says its extra is missing still finds it unloaded."""
    loaded = dict(cli.commands)
    try:
        return _params_of(_commands(cli, (), click.Context(cli)))
    finally:
        cli.commands.clear()
        cli.commands.update(loaded)


def _params_of(commands: Iterator[tuple[str, click.Command]]) -> set[tuple[str, str]]:
    found = set()
    for path, command in commands:
        for param in command.params:
            if isinstance(param, click.Option) and (param.is_flag or param.count):
                continue
            if type(param.type) is click.types.StringParamType:
                name = param.opts[0].lstrip("-") if isinstance(param, click.Option) else param.name
                found.add((path, str(name)))
    return found


def test_every_string_option_is_checked_or_fed_hostile_input_here():
    """A new plain string option fails this test: give it the ``ID`` or ``TEXT`` type (the
    input policy at parse time), or list it in :data:`FREE`."""
    assert _free_params() == set(FREE)


def test_the_checked_types_refuse_what_the_policy_refuses():
    for value in HOSTILE:
        for kind in (ID, TEXT):
            with pytest.raises(click.BadParameter):
                kind.convert(value, None, None)


def _cases() -> Iterator[Any]:
    for (command, name), argv in sorted(FREE.items()):
        for number, value in enumerate(HOSTILE):
            yield pytest.param(argv, value, id=f"{command}-{name}-{number}")


@pytest.mark.parametrize(("argv", "value"), list(_cases()))
def test_every_free_option_refuses_hostile_input(folder, argv, value):  # noqa: F811
    """A named error (exit code 1 or 2 with a message), never a traceback, and nothing in the
    store changed: no event, no audit line."""
    workdir, conv = folder
    before = _db_dump(workdir)
    files = set(Path(workdir).rglob("*"))
    result = _cli(workdir, *argv(conv, value))
    assert isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code in (1, 2), result.output
    assert "Traceback" not in result.output
    assert result.output.strip()
    assert _db_dump(workdir) == before
    assert {p for p in Path(workdir).rglob("*") if p not in files} <= {
        p for p in Path(workdir).rglob("*") if p.name.startswith("magcore.db")
    }
