"""The typed facade over the plugins: the only code that spells hook names.

:class:`Hooks` adds to the contribution hooks (:class:`~magcore.contributions.ContributionHooks`)
the hooks that choose (a store, a key provider), check (a record) and observe (committed
batches, notifications). Reach it as :attr:`magcore.plugins.PluginHost.hooks`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import attrs

from .contributions import ContributionHooks, _reason, _WrongReturn
from .errors import MagcoreError, PluginError, StorageError, StorePluginError
from .events import CommittedBatch
from .storage.base import Store, StoreSettings

if TYPE_CHECKING:
    import click

    from .domain.conversation import Conversation
    from .domain.workflows import Notification
    from .errors import Problem
    from .forms import FormDefinition

__all__ = ["Hooks"]


@attrs.frozen
class Hooks(ContributionHooks):
    """Typed calls into the plugins; the only code that spells hook names."""

    def register_commands(self, cli: click.Group) -> list[PluginError]:
        failures: list[PluginError] = []
        caller = self._pm.hook.magcore_register_commands
        for impl in reversed(caller.get_hookimpls()):
            try:
                returned = impl.function(cli)
                if returned is not None:
                    raise _WrongReturn(
                        f"returned {type(returned).__name__} instead of None; add commands "
                        "with cli.add_command(...)"
                    )
            except Exception as exc:
                failure = PluginError(
                    distribution=self._plugin_name(impl),
                    hook="magcore_register_commands",
                    reason=_reason(exc),
                )
                failure.__cause__ = exc
                failures.append(failure)
        return failures

    # -- choice ----------------------------------------------------------------------------

    def open_store(self, url: str, settings: StoreSettings | None = None) -> Store:
        """The store the first willing plugin opens for *url*."""
        settings = settings or StoreSettings()
        kwargs = {"url": url, "settings": settings}
        # In pluggy's calling order (tryfirst ... trylast), so the answering plugin is known.
        for impl in reversed(self._pm.hook.magcore_open_store.get_hookimpls()):
            name = self._plugin_name(impl)
            try:
                store = impl.function(*[kwargs[arg] for arg in impl.argnames])
            except MagcoreError:
                raise  # the store's own, deliberate error (a damaged file, a refused login)
            except Exception as exc:
                raise StorePluginError(
                    distribution=name,
                    hook="magcore_open_store",
                    reason=f"cannot open {url!r}: {type(exc).__name__}: {exc}",
                ) from exc
            if store is None:
                continue
            if not isinstance(store, Store):
                raise StorePluginError(
                    distribution=name,
                    hook="magcore_open_store",
                    reason=f"returned {type(store).__name__}, which is not a Store",
                )
            return store
        scheme = url.partition(":")[0] or url
        raise StorageError(
            f"no installed plugin opens {url!r} (unknown scheme {scheme!r}; "
            "built in: memory://, sqlite:///path)"
        )

    def key_provider(self, url: str, settings: StoreSettings | None = None) -> Any:
        """The :class:`~magcore.crypto.KeyProvider` the first willing plugin gives for *url*."""
        from .crypto.provider import KeyProvider

        kwargs = {"url": url, "settings": settings or StoreSettings()}
        for impl in reversed(self._pm.hook.magcore_key_provider.get_hookimpls()):
            name = self._plugin_name(impl)
            try:
                provider = impl.function(*[kwargs[arg] for arg in impl.argnames])
            except MagcoreError:
                raise
            except Exception as exc:
                raise PluginError(
                    distribution=name, hook="magcore_key_provider", reason=repr(exc)
                ) from exc
            if provider is None:
                continue
            if not isinstance(provider, KeyProvider):
                raise PluginError(
                    distribution=name,
                    hook="magcore_key_provider",
                    reason=f"returned {type(provider).__name__}, which is not a KeyProvider",
                )
            return provider
        raise StorageError(
            f"no key provider for {url!r}: set MAGCORE_KEY_FOLDER to a folder for the key file, "
            "or install a key-provider plugin (HSM, cloud KMS)"
        )

    # -- checks ----------------------------------------------------------------------------

    def record_checkers(self) -> list[str]:
        """The names of the plugins that check records (``magcore_check_record``)."""
        caller = self._pm.hook.magcore_check_record
        return [self._plugin_name(impl) for impl in reversed(caller.get_hookimpls())]

    def check_record(
        self,
        record: Mapping[str, Any],
        form: FormDefinition | None,
        conversation: Conversation,
        *,
        actor: str = "",
        language: str = "nl",
    ) -> list[Problem]:
        """Problems every check plugin finds with *record* (a plugin's crash is a PluginError)."""
        from .errors import Problem

        problems: list[Problem] = []
        caller = self._pm.hook.magcore_check_record
        kwargs = {
            "record": record,
            "form": form,
            "conversation": conversation,
            "actor": actor,
            "language": language,
        }
        for impl in reversed(caller.get_hookimpls()):
            name = self._plugin_name(impl)
            try:
                found = impl.function(*[kwargs[arg] for arg in impl.argnames])
            except Exception as exc:
                # The message may quote the record the hook saw (content, which is encrypted
                # and erasable where it is stored): it stays on the cause, in memory.
                raise PluginError(
                    distribution=name,
                    hook="magcore_check_record",
                    reason=f"{type(exc).__name__} (its message is not repeated: it may quote "
                    "the record)",
                ) from exc
            if found is None:
                continue
            if not isinstance(found, Sequence) or not all(isinstance(p, Problem) for p in found):
                raise PluginError(
                    distribution=name,
                    hook="magcore_check_record",
                    reason="must return a list of magcore.errors.Problem or None",
                )
            problems.extend(found)
        return problems

    # -- observers -------------------------------------------------------------------------

    def _call_each(
        self, hook: str, returns: tuple[type, ...], expected: str, **kwargs: Any
    ) -> tuple[list[Any], list[PluginError]]:
        """Call every implementation; a raise or a return not of *returns* is a PluginError."""
        results: list[Any] = []
        failures: list[PluginError] = []
        caller = getattr(self._pm.hook, hook)
        for impl in reversed(caller.get_hookimpls()):
            try:
                result = impl.function(*[kwargs[arg] for arg in impl.argnames])
                if not isinstance(result, returns):
                    raise _WrongReturn(f"returned {type(result).__name__}, expected {expected}")
                results.append(result)
            except Exception as exc:
                failure = PluginError(
                    distribution=self._plugin_name(impl),
                    hook=hook,
                    reason=_reason(exc),
                )
                failure.__cause__ = exc
                failures.append(failure)
        return results, failures

    def events_committed(self, batch: CommittedBatch) -> list[PluginError]:
        """Tell every observer about *batch* now, as envelopes (no content, outbox number 0).

        The service delivers through the outbox instead (:mod:`magcore.app.dispatcher`); this
        direct call is for tools and benchmarks. One failure cannot silence the rest.
        """
        from .access.observers import Delivery, ObservedEvent

        delivery = Delivery(
            0,
            batch.position,
            tuple(ObservedEvent(e.stream, e.version, e.type, e.at, e.actor) for e in batch.events),
        )
        return self._call_each("magcore_events_committed", (type(None),), "None", batch=delivery)[1]

    def send_notification(self, notification: Notification) -> tuple[list[str], list[PluginError]]:
        """Hand *notification* to every notifier; returns delivery references and failures."""
        results, failures = self._call_each(
            "magcore_send_notification",
            (str, type(None)),
            "a delivery reference (str) or None",
            notification=notification,
        )
        return [r for r in results if isinstance(r, str)], failures

    def observers(self) -> list[tuple[str, Callable[[Any], Any]]]:
        """Every observer (``magcore_events_committed``) as ``(plugin name, call)``, in order."""
        found: list[tuple[str, Callable[[Any], Any]]] = []
        for impl in reversed(self._pm.hook.magcore_events_committed.get_hookimpls()):
            function = impl.function
            argnames = impl.argnames

            def call(batch: Any, _f: Callable[..., Any] = function, _a: Any = argnames) -> Any:
                return _f(*[{"batch": batch}[arg] for arg in _a])

            found.append((self._plugin_name(impl), call))
        return found
