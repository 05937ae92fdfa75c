"""Turn a magcore Notification into a plain-text e-mail (Dutch, English or Frisian) and send it."""

from __future__ import annotations

import smtplib
import string
from collections.abc import Sequence
from datetime import date
from email.message import EmailMessage
from email.utils import make_msgid
from importlib import resources
from typing import Any

import attrs

from magcore.app.invitations import NO_PLACE, PRIVATE_PLACE
from magcore.hookspecs import hookimpl
from magcore.i18n import format_date
from magcore.languages import pick

from .config import EmailConfig

__all__ = ["EmailNotifier", "render", "render_invitation"]


def _languages() -> tuple[str, ...]:
    """The languages this plugin has e-mail templates for (``templates/<tag>/``)."""
    folder = resources.files(__package__).joinpath("templates")
    return tuple(sorted(entry.name for entry in folder.iterdir() if entry.is_dir()))


_NO_LINK = {
    "nl": "Je vindt dit in de app of op de website voor de gesprekken.",
    "en": "You can find this in the app or on the website for the conversations.",
    "fy": "Do fynst dit yn de app of op de webside foar de petearen.",
}


def _template(language: str, message: str) -> str:
    folder = resources.files(__package__).joinpath("templates", language)
    for name in (f"{message}.txt", "default.txt"):
        candidate = folder.joinpath(name)
        if candidate.is_file():
            return candidate.read_text(encoding="utf-8")
    raise LookupError(f"no template for {message!r} in {language!r}")  # pragma: no cover


def _date(day: date | None, language: str) -> str:
    """The date as readers of *language* write it (Babel's CLDR data: "31 december 2025")."""
    if day is None:
        return ""
    return format_date(day, language).text


def render(notification: Any, *, sender: str, to: str) -> EmailMessage:
    """The e-mail for *notification*: subject and body from the template of its message key.

    Only the notification's own fields are used (message key, link, date, count): there is no
    conversation content to put in, so none can leak.
    """
    # A language without templates falls back along the chain (fy → nl); Content-Language
    # says which one the e-mail is really in.
    language = pick(notification.language, _languages())
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


_INVITATION = {
    "nl": {
        "REQUEST": ("Uitnodiging: {summary}", "Je bent uitgenodigd voor een gesprek."),
        "CANCEL": ("Gaat niet door: {summary}", "Dit gesprek gaat niet door."),
        "when": "Wanneer",
        "where": "Waar",
        "no_place": "Nog af te spreken",
        "private_place": "Staat in de app",
        "calendar": "De uitnodiging zit als bijlage bij deze e-mail. Je agenda kan hem openen.",
    },
    "en": {
        "REQUEST": ("Invitation: {summary}", "You are invited to a conversation."),
        "CANCEL": ("Cancelled: {summary}", "This conversation will not take place."),
        "when": "When",
        "where": "Where",
        "no_place": "To be agreed",
        "private_place": "See the app",
        "calendar": "The invitation is attached to this e-mail. Your calendar can open it.",
    },
    "fy": {
        "REQUEST": ("Útnoeging: {summary}", "Do bist útnoege foar in petear."),
        "CANCEL": ("Giet net troch: {summary}", "Dit petear giet net troch."),
        "when": "Wannear",
        "where": "Wêr",
        "no_place": "Noch ôf te praten",
        "private_place": "Stiet yn de app",
        "calendar": "De útnoeging sit as taheaksel by dizze e-mail. Dyn aginda kin him iepenje.",
    },
}


def render_invitation(
    invitation: Any, *, sender: str, to: Sequence[str], language: str = "nl"
) -> EmailMessage:
    """The e-mail for a :class:`magcore.app.invitations.Invitation`: a short text and the
    invitation as a ``text/calendar`` attachment with its ``method`` (REQUEST or CANCEL), as
    calendar programs expect (iMIP, RFC 6047). The organiser stays the person who planned the
    conversation; the sender is named as ``SENT-BY``."""
    from zoneinfo import ZoneInfo

    language = pick(language, _INVITATION)
    texts = _INVITATION[language]
    invitation = attrs.evolve(invitation, sent_by=sender)
    subject, opening = texts[invitation.method]
    start = invitation.start.astimezone(ZoneInfo("Europe/Amsterdam"))
    when = f"{_date(start.date(), language)}, {start:%H:%M}"
    # magcore's "to be agreed" is written in Dutch and English in the calendar; say it plainly
    places = {NO_PLACE: texts["no_place"], PRIVATE_PLACE: texts["private_place"]}
    place = places.get(invitation.location, invitation.location)
    message = EmailMessage()
    message["Subject"] = subject.format(summary=invitation.summary)
    message["From"] = sender
    message["To"] = ", ".join(to)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    message["X-Magcore-Invitation"] = f"{invitation.uid};{invitation.sequence}"
    message.set_content(
        f"{opening}\n\n{texts['when']}: {when}\n{texts['where']}: {place}\n\n{texts['calendar']}\n"
    )
    message.add_attachment(
        invitation.to_ical(),
        maintype="text",
        subtype="calendar",
        filename="invitation.ics",
        params={"method": invitation.method, "charset": "UTF-8"},
    )
    message["Content-Language"] = language
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
        self._deliver(message)
        return str(message["Message-ID"])

    def send_invitation(self, invitation: Any, *, language: str = "nl") -> str:
        """E-mail *invitation* to every attendee; return the Message-ID.

        Addresses come from the invitation (the organisation's email column), else from the
        directory; an attendee with neither is an error and nothing is sent.
        """
        to = []
        for attendee in invitation.attendees:
            address = attendee.email or self.config.address_of(attendee.person)
            if not address:
                raise LookupError(f"no e-mail address for {attendee.person}")
            to.append(address)
        message = render_invitation(invitation, sender=self.config.sender, to=to, language=language)
        self._deliver(message)
        return str(message["Message-ID"])

    def _deliver(self, message: EmailMessage) -> None:
        with smtplib.SMTP(self.config.host, self.config.port, timeout=self.config.timeout) as smtp:
            if self.config.starttls:
                smtp.starttls()
            if self.config.username:
                smtp.login(self.config.username, self.config.password or "")
            smtp.send_message(message)

    @hookimpl
    def magcore_send_notification(self, notification: Any) -> str | None:
        """Deliver *notification* by e-mail; return the Message-ID."""
        return self.send(notification)
