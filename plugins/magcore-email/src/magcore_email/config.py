"""How magcore-email reaches the SMTP server, and where it finds people's addresses."""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Callable, Mapping
from pathlib import Path

import attrs

__all__ = ["Directory", "EmailConfig"]

#: Person id → e-mail address: a mapping, or a function that returns ``None`` if unknown.
Directory = Mapping[str, str] | Callable[[str], str | None]


def _load_directory(path: Path) -> dict[str, str]:
    """A JSON object ``{"person id": "address"}`` or a CSV file with columns person,email."""
    text = path.read_text(encoding="utf-8")
    if path.suffix.lower() == ".json":
        data = json.loads(text)
        if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
            raise ValueError(f"{path}: the directory must be a JSON object of person id: address")
        return {str(k): v for k, v in data.items()}
    rows = csv.DictReader(text.splitlines())
    if rows.fieldnames is None or not {"person", "email"} <= set(rows.fieldnames):
        raise ValueError(f"{path}: the CSV directory needs the columns person,email")
    return {row["person"]: row["email"] for row in rows}


@attrs.frozen(kw_only=True)
class EmailConfig:
    """Where to send from and through, and the directory of addresses."""

    sender: str
    directory: Directory = attrs.field(hash=False, repr=False)
    host: str = "localhost"
    port: int = 25
    starttls: bool = False
    username: str | None = None
    password: str | None = attrs.field(default=None, repr=False)
    timeout: float = 10.0

    def address_of(self, person: str) -> str | None:
        """The e-mail address of *person*, or ``None`` if the directory does not know it."""
        if isinstance(self.directory, Mapping):
            return self.directory.get(person)
        return self.directory(person)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> EmailConfig:
        """Read the configuration from environment variables.

        ``MAGCORE_EMAIL_SENDER`` (required), ``MAGCORE_EMAIL_DIRECTORY`` (required: a ``.json``
        or ``.csv`` file), ``MAGCORE_EMAIL_HOST`` (``localhost``), ``MAGCORE_EMAIL_PORT`` (25),
        ``MAGCORE_EMAIL_STARTTLS`` (``1`` to use STARTTLS), ``MAGCORE_EMAIL_USERNAME`` and
        ``MAGCORE_EMAIL_PASSWORD`` (optional).
        """
        env = os.environ if environ is None else environ
        missing = [
            name
            for name in ("MAGCORE_EMAIL_SENDER", "MAGCORE_EMAIL_DIRECTORY")
            if not env.get(name)
        ]
        if missing:
            raise LookupError(
                "magcore-email is installed but not configured: set " + ", ".join(missing)
            )
        try:
            port = int(env.get("MAGCORE_EMAIL_PORT", "25"))
        except ValueError:
            raise ValueError("MAGCORE_EMAIL_PORT must be a whole number") from None
        return cls(
            sender=env["MAGCORE_EMAIL_SENDER"],
            directory=_load_directory(Path(env["MAGCORE_EMAIL_DIRECTORY"])),
            host=env.get("MAGCORE_EMAIL_HOST", "localhost"),
            port=port,
            starttls=env.get("MAGCORE_EMAIL_STARTTLS", "") in ("1", "true", "yes"),
            username=env.get("MAGCORE_EMAIL_USERNAME") or None,
            password=env.get("MAGCORE_EMAIL_PASSWORD") or None,
        )
