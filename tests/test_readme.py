"""The README's Python example runs as written (in an empty folder)."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"


def test_readme_python_example_runs(tmp_path, monkeypatch, capsys):
    """Every ```python block in the README runs, in order, in a fresh folder."""
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    assert blocks
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {}
    for block in blocks:
        exec(compile(block, str(README), "exec"), namespace)
    assert "conversations due in 2026" in capsys.readouterr().out
    namespace["service"].close()
    assert (tmp_path / "magcore.db").exists()
