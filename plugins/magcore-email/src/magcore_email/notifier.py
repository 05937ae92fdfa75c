"""Turn a magcore Notification into a plain-text e-mail (Dutch or English) and send it."""

from __future__ import annotations

import smtplib
import string
from datetime import date
from email.message import EmailMessage
from email.utils import make_msgid
from importlib import resources
from typing import Any

import attrs

from magcore.hookspecs import hookimpl

from .config import EmailConfig

__all__ = ["EmailNotifier", "render"]

_MONTHS = {
    "nl": (
        "januari",
        "februari",
        "maart",
        "april",
        "mei",
        "juni",
        "juli",
        "augustus",
        "september",
        "oktober",
        "november",
        "december",
    ),
    "en": (
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ),
}

_NO_LINK = {
    "nl": "Je vindt dit in de app of op de website voor de gesprekken.",
    "en": "You can find this in the app or on the website for the conversations.",
}


def _template(language: str, message: str) -> str:
    folder = resources.files(__package__).joinpath("templates", language)
    for name in (f"{message}.txt", "default.txt"):
        candidate = folder.joinpath(name)
        if candidate.is_file():
            return candidate.read_text(encoding="utf-8")
    raise LookupError(f"no template for {message!r} in {language!r}")  # pragma: no cover


def _date(day: date | None, language: str) -> str:
    if day is None:
        return ""
    return f"{day.day} {_MONTHS[language][day.month - 1]} {day.year}"


def render(notification: Any, *, sender: str, to: str) -> EmailMessage:
    """The e-mail for *notification*: subject and body from the template of its message key.

    Only the notification's own fields are used (message key, link, date, count): there is no
    conversation content to put in, so none can leak.
    """
    language = notification.language if notification.language in _MONTHS else "nl"
    subject_line, _, body = _template(language, notification.message).partition("\n\n")
    values = {
        "link": notification.link or _NO_LINK[language],
        "due": _date(notification.due, language),
        "count": "" if notification.count is None else str(notification.count),
    }
    message = EmailMessage()
    message["Subject"] = string.Template(subject_line.removeprefix("Subject:").strip()).substitute(
        values
    )
    message["From"] = sender
    message["To"] = to
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    message["X-Magcore-Notification"] = notification.key
    message.set_content(string.Template(body).substitute(values))
    message["Content-Language"] = language  # after set_content, which resets Content-* headers
    return message


@attrs.frozen
class EmailNotifier:
    """A notifier plugin object with its own configuration (for embedding applications).

    Register it as ``get_plugin_manager(extra=[("magcore-email", EmailNotifier(config))])``;
    the installed entry point of the same name then stays unloaded.
    """

    config: EmailConfig

    def send(self, notification: Any) -> str:
        """Send one e-mail and return its Message-ID."""
        address = self.config.address_of(notification.recipient)
        if not address:
            raise LookupError(f"the directory has no e-mail address for {notification.recipient}")
        message = render(notification, sender=self.config.sender, to=address)
        with smtplib.SMTP(self.config.host, self.config.port, timeout=self.config.timeout) as smtp:
            if self.config.starttls:
                smtp.starttls()
            if self.config.username:
                smtp.login(self.config.username, self.config.password or "")
            smtp.send_message(message)
        return str(message["Message-ID"])

    @hookimpl
    def magcore_send_notification(self, notification: Any) -> str | None:
        """Deliver *notification* by e-mail; return the Message-ID."""
        return self.send(notification)
