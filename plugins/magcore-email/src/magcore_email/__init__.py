"""E-mail notifications for magcore: a notifier plugin built on the standard library's smtplib.

Install it next to magcore and configure it with environment variables (see
:meth:`EmailConfig.from_env`), or register an :class:`EmailNotifier` with your own
:class:`EmailConfig` when you embed magcore. Addresses come from a directory that you provide
(a mapping or a function from person id to address), never from conversation data.
"""

from __future__ import annotations

from .config import EmailConfig
from .notifier import EmailNotifier, render, render_invitation

__version__ = "0.1.0"

__all__ = ["EmailConfig", "EmailNotifier", "__version__", "render", "render_invitation"]
