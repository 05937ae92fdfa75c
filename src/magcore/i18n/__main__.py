"""``python -m magcore.i18n``: gettext chores for magcore and its plugins.

* ``texts FOLDER``: print a ``.pot`` template of every text in the JSON files under FOLDER (a
  plugin's package: cycle, forms, workflows), for translating a plugin into another language;
* ``compile FOLDER [DOMAIN]``: compile every ``.po`` under FOLDER (``locale/``) to ``.mo``;
* ``check FOLDER [DOMAIN]``: exit 1 and name the ``.mo`` files that do not match their ``.po``.
"""

from __future__ import annotations

import sys
from pathlib import Path

from .files import compile_folder, stale_catalogues, texts_template


def main(argv: list[str]) -> int:
    if len(argv) < 2 or argv[0] not in ("texts", "compile", "check"):
        print(__doc__, file=sys.stderr)
        return 2
    folder = Path(argv[1])
    domain = argv[2] if len(argv) > 2 else "messages"
    if argv[0] == "texts":
        sys.stdout.buffer.write(texts_template(folder))
        return 0
    if argv[0] == "compile":
        for path in compile_folder(folder, domain):
            print(f"wrote {path}")
        return 0
    stale = stale_catalogues(folder, domain)
    for path in stale:
        print(f"out of date: {path} (run: python -m magcore.i18n compile {folder} {domain})")
    return 1 if stale else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
