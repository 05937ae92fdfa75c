"""The entry-point plugin: sends e-mail with the configuration from environment variables.

It also adds ``magcore send-invitations``, which e-mails the calendar invitation of every planned
conversation (or, with ``--cancelled``, the cancellation of every cancelled one).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import click

from magcore.hookspecs import hookimpl

from .config import EmailConfig

__all__ = ["magcore_register_commands", "magcore_send_notification"]


@hookimpl
def magcore_send_notification(notification: Any) -> str | None:
    """Deliver *notification* by e-mail, configured by ``MAGCORE_EMAIL_*`` variables."""
    # smtplib, ssl and the MIME classes load when something is sent, not with every command
    from .notifier import EmailNotifier

    return EmailNotifier(EmailConfig.from_env()).send(notification)


@hookimpl
def magcore_register_commands(cli: click.Group) -> None:
    """Add ``magcore send-invitations``."""
    from magcore.cli.context import CommandContext, pass_magcore

    @cli.command("send-invitations")
    @click.option("--person", default=None, help="Only conversations this person is in.")
    @click.option("--from", "start", type=click.DateTime(["%Y-%m-%d"]), default=None)
    @click.option("--to", "end", type=click.DateTime(["%Y-%m-%d"]), default=None)
    @click.option("--cancelled", is_flag=True, help="Send the cancellations of cancelled ones.")
    @click.option(
        "--language",
        default="nl",
        show_default=True,
        help="A language tag; one without e-mail texts falls back (fy → nl).",
    )
    @click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
    @pass_magcore
    def send_invitations(
        magcore: CommandContext,
        person: str | None,
        start: Any,
        end: Any,
        cancelled: bool,
        language: str,
        as_json: bool,
    ) -> None:
        """E-mail calendar invitations (text/calendar) for the planned conversations."""
        from magcore.app.invitations import invitations_for

        from .notifier import EmailNotifier

        try:
            notifier = EmailNotifier(EmailConfig.from_env())
        except (LookupError, ValueError, OSError) as exc:
            raise click.ClickException(str(exc)) from None
        found = invitations_for(
            magcore.service(),
            magcore.organisation_id,
            person=person,
            start=_day(start),
            end=_day(end),
            cancelled=cancelled,
        )
        sent: list[str] = []
        for invitation in found:
            try:
                notifier.send_invitation(invitation, language=language)
            except (LookupError, OSError) as exc:
                raise click.ClickException(
                    f"{invitation.conversation}: {exc} ({len(sent)} sent before it)"
                ) from None
            sent.append(invitation.conversation)
        if as_json:
            magcore.emit_json({"sent": sent, "method": "CANCEL" if cancelled else "REQUEST"})
        else:
            noun = "cancellation" if cancelled else "invitation"
            magcore.echo(f"Sent {len(sent)} {noun}{'' if len(sent) == 1 else 's'}.")


def _day(value: Any) -> date | None:
    return value.date() if value is not None else None
