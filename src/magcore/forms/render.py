"""Accessible HTML from a form definition: the web form, the filled-in record, the paper form.

All three come from the same definition, through Jinja2 templates with autoescaping on
(``magcore/templates``). The web form is a plain POST form that works without JavaScript: every
field has a ``<label>``, groups and radio/checkbox sets are ``<fieldset>`` with ``<legend>``, help,
the special-category hint and errors are tied to the field with ``aria-describedby``, and an error
summary at the top links to each field (``href="#field-..."``). Errors say "Fout:"/"Error:" in
words and carry a border, never colour alone. A print stylesheet turns any browser's print into a
usable A4 paper form; :func:`render_paper` is the paper layout the PDF is made from.

A municipality plugin may add its own stylesheet (``stylesheet``: CSS text, or
``stylesheet_href``: a link), which is loaded after magcore's own; a form definition may carry
one too (its ``stylesheet``), used when the caller gives none.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping, Sequence
from typing import Any

from ..errors import Problem
from ..extras import importing
from ..i18n import DEFAULT_CATALOGUE, Catalogue, format_list
from ..languages import Resolved
from .definition import Field, FormDefinition, FormPurpose, Widget

# Jinja2 is the optional extra magcore[html]: without it, importing this module (and so
# magcore.render_form) raises ExtraMissingError naming the extra, not ModuleNotFoundError.
with importing("html", feature="rendering a form as HTML"):
    import jinja2
    from markupsafe import Markup

__all__ = ["environment", "form_controls", "render_form", "render_paper", "render_record"]

_ROLES_SIGNING = ("employee", "manager")


@functools.cache
def environment() -> jinja2.Environment:
    """The Jinja2 environment for magcore's templates (autoescape on, strict undefined)."""
    return jinja2.Environment(
        loader=jinja2.PackageLoader("magcore", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def _css(name: str) -> str:
    loader = environment().loader
    assert loader is not None
    source, _, _ = loader.get_source(environment(), name)
    return source


def _style(css: str | None) -> Markup | None:
    """CSS for a ``<style>`` element: not HTML-escaped (quotes in selectors must survive), but
    unable to close the element early (``</`` becomes the CSS escape ``<\\/``)."""
    if css is None:
        return None
    return Markup(css.replace("</", "<\\/"))


def _count(params: Mapping[str, Any]) -> int | None:
    for name in ("count", "limit"):
        value = params.get(name)
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    return None


def _field_id(pointer: str) -> str:
    return "field-" + pointer.strip("/").replace("/", "-")


class _View:
    """Builds the plain dicts the templates render (all text already in one language)."""

    def __init__(
        self,
        form: FormDefinition,
        language: str,
        catalogue: Catalogue,
        answers: Mapping[str, Any],
        problems: Sequence[Problem],
    ) -> None:
        self.form = form
        self.language = language
        self.catalogue = catalogue
        self.answers = answers
        self.errors: dict[str, str] = {}
        for problem in problems:
            self.errors.setdefault(problem.pointer, problem.message)
        self.lang = catalogue.page_language(language)
        """The page's language: what ``<html lang>`` says; parts in another carry their own."""

    def _labelled(self, found: Resolved, text: str) -> Markup:
        """*text* (already safe), inside a ``<span lang>`` when not in the page's language."""
        if found.language == self.lang:
            return Markup(text)
        return Markup('<span lang="{}">{}</span>').format(found.language, Markup(text))

    def msg(self, key: str, **params: Any) -> Markup:
        found = self.catalogue.template(key, self.language, _count(params))
        try:
            text = Markup.escape(found.text).format(**params)
        except (KeyError, IndexError) as exc:
            raise KeyError(f"message {key!r} needs the parameter {exc}") from None
        return self._labelled(found, text)

    def plain_msg(self, key: str, **params: Any) -> str:
        return self.catalogue.message(key, self.language, **params)

    def text(self, value: Any) -> Markup | None:
        if value is None:
            return None
        found = self.catalogue.resolve(value, self.language)
        return self._labelled(found, Markup.escape(found.text))

    def plain(self, value: Any) -> str | None:
        return None if value is None else self.catalogue.localise(value, self.language)

    def unit(self, unit: str | None) -> Markup | str | None:
        if unit is None:
            return None
        key = f"unit.{unit}"
        return self.msg(key) if key in self.catalogue else unit

    def only_if(self, field: Field) -> tuple[Markup | None, dict[str, str] | None]:
        """The "only fill this in if ..." hint of a conditional question, and what the script
        needs to show and hide it (the earlier field's input name, the values, the mode)."""
        condition = field.show_if
        if condition is None:
            return None, None
        target = self.form.field(condition.field)
        answers: list[Markup | None] = []
        for value in condition.values:
            if isinstance(value, bool):
                answers.append(self.msg("form.yes" if value else "form.no"))
            else:
                option = next((o for o in target.options if o.value == value), None)
                answers.append(self.text(option.label) if option else Markup.escape(value))
        quoted = [Markup('"{}"').format(answer) for answer in answers]
        joined = (
            quoted[0]
            if len(quoted) == 1
            else Markup(
                format_list(
                    [str(q) for q in quoted],
                    self.language,
                    style="or",
                    settings=self.catalogue.languages,
                )
            )
        )
        hint = self.msg("form.only_if", question=self.text(target.label), answer=joined)
        values = [
            ("true" if v else "false") if isinstance(v, bool) else str(v) for v in condition.values
        ]
        return hint, {
            "field": condition.field,
            "values": json.dumps(values),
            "mode": condition.mode,
        }

    def control(self, field: Field, pointer: str, name: str, value: Any) -> dict[str, Any]:
        fid = _field_id(pointer)
        described: list[str] = []
        only_if, condition = self.only_if(field)
        if only_if:
            described.append(f"{fid}-only-if")
        help_text = self.text(field.help)
        if help_text:
            described.append(f"{fid}-help")
        sensitive = self.msg("form.sensitive_hint") if field.sensitive else None
        if sensitive:
            described.append(f"{fid}-sensitive")
        error = self.errors.get(pointer)
        if error is None and field.widget is Widget.CHECKBOXES:
            # an error on one of the chosen values (e.g. /themes/2) belongs to the whole set
            error = next((m for p, m in self.errors.items() if p.startswith(pointer + "/")), None)
        if error:
            described.append(f"{fid}-error")
        chosen: set[str] = set()
        if isinstance(value, list | tuple):
            chosen = {str(v) for v in value}
        elif isinstance(value, bool):
            chosen = {"true" if value else "false"}
        elif value is not None:
            chosen = {str(value)}
        options = [
            {
                "value": option.value,
                "label": self.text(option.label),
                "id": fid if index == 0 else f"{fid}-{index}",
                "checked": option.value in chosen,
            }
            for index, option in enumerate(field.options)
        ]
        schema = field.schema
        return {
            "widget": field.widget.value,
            "id": fid,
            "name": name,
            "pointer": pointer,
            "label": self.text(field.label),
            "required": field.required,
            "help": help_text,
            "sensitive": sensitive,
            "error": error,
            "describedby": " ".join(described),
            "value": "" if value is None or isinstance(value, list | tuple | dict) else str(value),
            "checked": value is True,
            "options": options,
            "rows": field.rows,
            "unit": self.unit(field.unit),
            "maxlength": schema.get("maxLength"),
            "minimum": schema.get("minimum"),
            "maximum": schema.get("maximum"),
            "display": self.display(field, value),
            "blocks": [],
            "only_if": only_if,
            "condition": condition,
        }

    def option(self, field: Field, value: Any) -> Markup | str:
        """The label of option *value* (the value itself if the form does not know it)."""
        for option in field.options:
            if option.value == value:
                return self.text(option.label) or ""
        return str(value)

    def display(self, field: Field, value: Any) -> Markup | str | None:
        """The answer as a person reads it in the record view (``None`` when not answered)."""
        if value is None or value == "" or value == []:
            return None
        if field.widget is Widget.CHECKBOXES and isinstance(value, list | tuple):
            return Markup(", ").join(self.option(field, v) for v in value)
        if field.widget in (Widget.CHOICE, Widget.SELECT) and field.options:
            if isinstance(value, bool):
                return self.msg("form.yes") if value else self.msg("form.no")
            return self.option(field, value)
        if field.widget is Widget.CHECKBOX:
            return self.msg("form.yes") if value else self.msg("form.no")
        if field.unit:
            return Markup("{} {}").format(value, self.unit(field.unit))
        return str(value)

    def repeat(self, field: Field, value: Any, *, extra_blocks: int) -> dict[str, Any]:
        pointer = f"/{field.name}"
        control = self.control(field, pointer, field.name, None)
        items = list(value) if isinstance(value, list | tuple) else []
        count = len(items) + extra_blocks
        blocks = []
        item_label = field.item_label or field.label
        for index in range(count):
            item = items[index] if index < len(items) else {}
            if not isinstance(item, Mapping):
                item = {}
            blocks.append(
                {
                    "legend": self.msg("form.item", label=self.text(item_label), number=index + 1),
                    "id": _field_id(f"{pointer}/{index}"),
                    "controls": [
                        self.control(
                            sub,
                            f"{pointer}/{index}/{sub.name}",
                            f"{field.name}.{index}.{sub.name}",
                            item.get(sub.name),
                        )
                        for sub in field.fields
                    ],
                }
            )
        control["blocks"] = blocks
        return control

    def groups(self, *, mode: str) -> list[dict[str, Any]]:
        result = []
        for group in self.form.groups:
            controls = []
            for field in group.fields:
                value = self.answers.get(field.name)
                if mode == "record" and field.show_if and not field.show_if.holds(self.answers):
                    continue  # a question that was not asked is not in the record
                if field.widget is Widget.REPEAT:
                    items = value if isinstance(value, list | tuple) else []
                    if mode == "record":
                        extra = 0
                    elif mode == "paper":
                        # A blank form gets the slots it asks for; a filled-in record on
                        # paper only what was written.
                        extra = 0 if self.answers else max(field.paper_items, 1)
                    else:
                        extra = max(field.paper_items - len(items), 1)
                    controls.append(self.repeat(field, value, extra_blocks=extra))
                else:
                    controls.append(self.control(field, f"/{field.name}", field.name, value))
            result.append(
                {
                    "id": group.id,
                    "legend": self.text(group.legend),
                    "description": self.text(group.description),
                    "controls": controls,
                }
            )
        return result

    def summary(self) -> list[dict[str, str]]:
        """Error summary entries, in form order, each linking to its field."""
        entries = []
        for pointer, message in self.errors.items():
            target = pointer
            parts = pointer.strip("/").split("/")
            if parts and parts[0]:
                try:
                    field = self.form.field(parts[0])
                except KeyError:
                    field = None
                if field is not None and field.widget is Widget.CHECKBOXES:
                    target = f"/{parts[0]}"
                elif field is None:
                    target = ""
            entries.append(
                {"href": "#" + (_field_id(target) if target else "form-start"), "message": message}
            )
        return entries

    def base(self, *, stylesheet: str | None, stylesheet_href: str | None) -> dict[str, Any]:
        msg = {
            key.partition(".")[2]: self.msg(key)
            for key in (
                "form.required",
                "form.error_summary_title",
                "form.error_summary_intro",
                "form.error_prefix",
                "form.submit",
                "form.choose_none",
                "form.yes",
                "form.paper_intro",
                "form.paper_choose",
                "form.date_hint",
                "form.signatures",
                "form.signature",
                "form.signature_date",
                "form.signature_note",
                "record.not_answered",
            )
        }
        return {
            "lang": self.lang,
            "title": self.text(self.form.title),
            "plain_title": self.plain(self.form.title),
            "description": self.text(self.form.description),
            "form_version": self.msg("form.version", id=self.form.id, version=self.form.version),
            "msg": msg,
            "css": _style(_css("form.css")),
            "extra_css": _style(stylesheet if stylesheet is not None else self.form.stylesheet),
            "stylesheet_href": stylesheet_href,
        }


def _view(
    form: FormDefinition,
    language: str,
    catalogue: Catalogue | None,
    answers: Mapping[str, Any] | None,
    problems: Sequence[Problem],
) -> _View:
    return _View(form, language, catalogue or DEFAULT_CATALOGUE, answers or {}, problems)


def form_controls(
    form: FormDefinition,
    *,
    language: str = "nl",
    answers: Mapping[str, Any] | None = None,
    problems: Sequence[Problem] = (),
    catalogue: Catalogue | None = None,
) -> dict[str, Any]:
    """The parts of the web form for a page that embeds it (``groups`` for the ``control``
    macro of ``_macros.html.j2``, the error ``summary``, the translated ``msg``, the
    ``title``), without the page around it: the page brings its own stylesheet and form."""
    view = _view(form, language, catalogue, answers, problems)
    context = view.base(stylesheet=None, stylesheet_href=None)
    return {
        "groups": view.groups(mode="form"),
        "summary": view.summary(),
        "msg": context["msg"],
        "title": context["title"],
        "description": context["description"],
    }


def render_form(
    form: FormDefinition,
    *,
    language: str = "nl",
    answers: Mapping[str, Any] | None = None,
    problems: Sequence[Problem] = (),
    action: str = "",
    catalogue: Catalogue | None = None,
    stylesheet: str | None = None,
    stylesheet_href: str | None = None,
    script_href: str | None = None,
) -> str:
    """The web form as a full HTML page: empty, or with *answers* and their *problems* shown.

    The page posts back to *action* (a plain form POST; read it with
    :func:`magcore.forms.parse_form_data`). A form with conditional questions works without
    JavaScript (each says "only fill this in if ..."); with *script_href* (where the caller
    serves :func:`magcore.forms.conditions.script_source`, never inline: CSP) the page loads
    the script that shows a conditional question only when it applies.
    """
    view = _view(form, language, catalogue, answers, problems)
    context = view.base(stylesheet=stylesheet, stylesheet_href=stylesheet_href)
    summary = view.summary()
    context.update(
        groups=view.groups(mode="form"),
        summary=summary,
        action=action,
        script_href=script_href if any(f.show_if for f in form.fields) else None,
        page_title=(f"{view.plain_msg('form.error_prefix')} " if summary else "")
        + context["plain_title"],
    )
    return environment().get_template("form.html.j2").render(context)


def render_record(
    form: FormDefinition,
    answers: Mapping[str, Any],
    *,
    language: str = "nl",
    medium: str = "digital",
    content_on_paper: bool = False,
    catalogue: Catalogue | None = None,
    stylesheet: str | None = None,
    stylesheet_href: str | None = None,
) -> str:
    """A filled-in record (or preparation) as a read-only HTML page."""
    view = _view(form, language, catalogue, answers, ())
    context = view.base(stylesheet=stylesheet, stylesheet_href=stylesheet_href)
    title = view.msg("record.title", title=context["title"])
    plain_title = view.plain_msg("record.title", title=context["plain_title"])
    medium_key = f"record.medium.{medium}"
    context.update(
        groups=[] if content_on_paper else view.groups(mode="record"),
        page_title=plain_title,
        heading=title,
        medium=view.msg(medium_key) if medium_key in view.catalogue else medium,
        on_paper=view.msg("record.on_paper") if content_on_paper else None,
    )
    return environment().get_template("record.html.j2").render(context)


def render_paper(
    form: FormDefinition,
    *,
    language: str = "nl",
    answers: Mapping[str, Any] | None = None,
    catalogue: Catalogue | None = None,
    stylesheet: str | None = None,
    stylesheet_href: str | None = None,
) -> str:
    """The paper layout (A4, 12pt, boxes with room to write): the source of the tagged PDF."""
    view = _view(form, language, catalogue, answers, ())
    context = view.base(stylesheet=stylesheet, stylesheet_href=stylesheet_href)
    signers = []
    if form.purpose is FormPurpose.RECORD:
        for role in _ROLES_SIGNING:
            role_name = view.msg(f"role.{role}")
            signers.append(
                {
                    "role": role_name,
                    "name_label": view.msg("form.signature_role", role=role_name),
                    "id": f"sign-{role}",
                }
            )
    context.update(
        groups=view.groups(mode="paper"),
        page_title=context["plain_title"],
        signers=signers,
        css=_style(_css("form.css") + "\n" + _css("paper.css")),
        # A filled-in record shows a drop-down's choice, not its long list (blank: every option)
        filled=bool(view.answers),
    )
    return environment().get_template("paper.html.j2").render(context)
