"""How the ``magcore`` command shows results: JSON for scripts, tables for people.

rich is optional (``magcore[cli]``) and imported only when something is shown, so that
``magcore --help`` stays fast; without it, tables are printed as plain aligned text.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from .._private_files import write_private

__all__ = [
    "DATE",
    "Steps",
    "emit_json",
    "print_table",
    "say",
    "spreadsheet_cell",
    "to_jsonable",
    "write_private",
]

T = TypeVar("T")


def to_jsonable(value: Any) -> Any:
    """*value* as plain JSON data (dates as ISO strings, attrs classes as dicts)."""
    import attrs

    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    if attrs.has(type(value)):
        return {
            field.name.lstrip("_"): to_jsonable(getattr(value, field.name))
            for field in attrs.fields(type(value))
        }
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [to_jsonable(v) for v in value]
    return value


def emit_json(value: Any) -> None:
    """Print *value* as indented JSON on standard output.

    Plain values go straight to the encoder; only what JSON does not know (dates, enums, attrs
    values, paths) is converted, as the encoder meets it, so large outputs stay quick.
    """
    click.echo(json.dumps(value, indent=2, ensure_ascii=False, sort_keys=False, default=_jsonable))


def _jsonable(value: Any) -> Any:
    converted = to_jsonable(value)
    if converted is value:
        raise TypeError(f"{type(value).__name__} is not JSON serialisable")
    return converted


#: How a cell starts that a spreadsheet reads as a formula (OWASP's list for CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_cell(value: Any) -> Any:
    """*value* for a CSV cell: a text that starts like a formula gets a ``'`` in front, so a
    spreadsheet shows it instead of running it (what one person typed, opened by another)."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def say(text: str) -> None:
    """Print one line for people."""
    click.echo(text)


def _rich_console() -> Any | None:
    try:
        from rich.console import Console
    except ImportError:  # the optional extra magcore[cli] is not installed
        return None
    return Console(soft_wrap=True, highlight=False)


def print_table(
    title: str,
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    limit: int | None = None,
) -> None:
    """Show *rows* under *columns* as a table (rich if installed, plain text otherwise).

    With *limit*, only the first *limit* rows are shown, then a line saying how many more
    there are (``--json`` gives them all): a screen of 16,000 rows helps nobody.
    """
    everything = list(rows)
    shown = everything if limit is None else everything[:limit]
    _print_table(title, columns, shown)
    if len(shown) < len(everything):
        click.echo(f"... and {len(everything) - len(shown)} more (--json lists them all)")


def _print_table(title: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    cells = [["" if cell is None else str(to_jsonable(cell)) for cell in row] for row in rows]
    console = _rich_console()
    if console is not None:
        from rich.table import Table

        table = Table(title=title, title_justify="left")
        for column in columns:
            table.add_column(column)
        for row in cells:
            table.add_row(*row)
        console.print(table)
        return
    widths = [len(c) for c in columns]
    for row in cells:
        widths = [max(w, len(cell)) for w, cell in zip(widths, row, strict=True)]
    click.echo(title)
    click.echo("  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip())
    for row in cells:
        click.echo("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())


class Steps:
    """A progress bar that appears only once work has taken more than a second.

    It draws on standard error and only on a terminal, so scripts, ``--json`` output and tests
    see nothing of it.
    """

    def __init__(self, label: str, total: int, *, enabled: bool = True) -> None:
        self.label = label
        self.total = total
        self.done = 0
        self._started = time.monotonic()
        self._enabled = enabled and sys.stderr.isatty()
        self._progress: Any = None
        self._task: Any = None

    def __enter__(self) -> Steps:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.stop()

    def advance(self, steps: int = 1) -> None:
        """Count *steps* more as done; show the bar if the work is taking a while."""
        self.done += steps
        if not self._enabled:
            return
        if self._progress is None and time.monotonic() - self._started > 1.0:
            try:
                from rich.console import Console
                from rich.progress import Progress
            except ImportError:
                self._enabled = False
                return
            self._progress = Progress(console=Console(stderr=True), transient=True)
            self._task = self._progress.add_task(self.label, total=self.total)
            self._progress.start()
        if self._progress is not None:
            self._progress.update(self._task, completed=self.done)

    def track(self, items: Iterable[T]) -> Iterator[T]:
        """Yield each of *items*, advancing after each one."""
        for item in items:
            yield item
            self.advance()


if TYPE_CHECKING:
    _DateParam = click.ParamType[date]
else:  # click before 8.3 has no type parameters here
    _DateParam = click.ParamType


class _DateType(_DateParam):
    """A calendar date written as YYYY-MM-DD, from 1900-01-01 to 9000-12-31 (the input
    policy's :data:`~magcore.model.input_policy.MIN_DATE` to
    :data:`~magcore.model.input_policy.MAX_DATE`)."""

    name = "date"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> date:
        if isinstance(value, date):
            return value
        from ..model.input_policy import date_problem

        try:
            day = date.fromisoformat(str(value))
        except ValueError:
            self.fail(f"{value!r} is not a date: write it as YYYY-MM-DD", param, ctx)
        problem = date_problem(day, pointer="")
        if problem is not None:
            self.fail(problem.message, param, ctx)
        return day


#: The click parameter type for dates.
DATE = _DateType()
