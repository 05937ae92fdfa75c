"""``magcore new-plugin NAME``: a working municipality plugin to start from.

The template (``template/`` beside this module, shipped as package data) holds a distribution
``magcore-NAME`` with its entry point, one cycle and one extra theme as data files (registered by
:class:`~magcore.packaged.PackagedPlugin`, so ``plugin.py`` is one line), and tests that pass as
generated: they run magcore's cycle conformance suite
(:class:`magcore.testing.CycleDefinitionContract`) against the cycle. Placeholders are
``{{name}}`` (``demo-town``), ``{{module}}`` (``demo_town``), ``{{title}}`` (``Demo Town``) and
``{{magcore_version}}``; in file names, ``__module__`` stands for the module name.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

from ..errors import MagcoreError

__all__ = ["TEMPLATE_SUFFIX", "ScaffoldError", "create_plugin", "cycle_id", "plugin_name"]

TEMPLATE_SUFFIX = ".tmpl"
_NAME = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")


class ScaffoldError(MagcoreError):
    """The plugin cannot be created: a bad name, or the folder exists already."""


def plugin_name(name: str) -> str:
    """The short name of a plugin (``demo-town``), from ``demo-town`` or ``magcore-demo-town``."""
    short = name.strip().lower().removeprefix("magcore-")
    if not _NAME.match(short) or len(short) > 40:
        raise ScaffoldError(
            f"plugin name {name!r} must be lower-case letters and digits joined by hyphens, "
            "e.g. demo-town"
        )
    return short


def _walk(node: Traversable, prefix: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], str]]:
    found: list[tuple[tuple[str, ...], str]] = []
    for child in sorted(node.iterdir(), key=lambda c: c.name):
        if child.is_dir():
            if child.name != "__pycache__":
                found.extend(_walk(child, (*prefix, child.name)))
        elif child.name.endswith(TEMPLATE_SUFFIX):
            found.append(((*prefix, child.name), child.read_text(encoding="utf-8")))
    return found


def cycle_id(name: str) -> str:
    """The id of the cycle ``magcore new-plugin NAME`` writes (``demo_town`` for ``demo-town``)."""
    return plugin_name(name).replace("-", "_")


def create_plugin(
    name: str, parent: str | Path = ".", *, installed: Mapping[str, str] | None = None
) -> Path:
    """Write ``magcore-NAME/`` under *parent* and return its path; never overwrites anything.

    *installed* maps the ids of the cycles installed already to the plugin that registers
    each: a NAME whose cycle id is among them is refused, as two plugins registering one
    ``id@version`` are a fault and neither cycle is used (*installed* added in 0.2).
    """
    from .. import __version__

    short = plugin_name(name)
    module = cycle_id(short)
    target = Path(parent) / f"magcore-{short}"
    if target.exists():
        raise ScaffoldError(f"{target} exists already: choose another name or folder")
    if installed and module in installed:
        raise ScaffoldError(
            f"a cycle with id {module!r} is installed already (from {installed[module]}): two "
            "plugins with one cycle id@version are a fault and neither is used; choose another name"
        )
    major, minor = __version__.split(".")[:2]
    values = {
        "{{name}}": short,
        "{{module}}": module,
        "{{title}}": " ".join(part.capitalize() for part in short.split("-")),
        "{{magcore_version}}": f">={major}.{minor},<{major}.{int(minor) + 1}",
    }
    written: list[tuple[Path, str]] = []
    for parts, text in _walk(files(__name__) / "template"):
        for key, value in values.items():
            text = text.replace(key, value)
        path = target.joinpath(*(p.replace("__module__", module) for p in parts))
        written.append((path.with_name(path.name.removesuffix(TEMPLATE_SUFFIX)), text))
    _check_cycle(name, written)
    for path, text in written:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return target


def _check_cycle(name: str, written: Sequence[tuple[Path, str]]) -> None:
    """Refuse a NAME whose cycle magcore itself would refuse (before anything is written): a
    name such as ``score-town`` becomes the cycle id ``score_town``, which names a score."""
    import json

    from ..errors import DefinitionError
    from ..model.cycle import CycleDefinition

    for path, text in written:
        if path.name == "cycle.json":
            try:
                CycleDefinition.from_json(json.loads(text))
            except DefinitionError as exc:
                raise ScaffoldError(
                    f"plugin name {name!r} makes a cycle magcore refuses ({exc}): choose "
                    "another name"
                ) from None
