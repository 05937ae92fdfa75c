"""A tiny HTML reader for the rendering tests: elements, ids, labels and what a browser posts."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any


class Page(HTMLParser):
    """Collects every start tag with its attributes, the text, and form controls' values."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.text_parts: list[str] = []
        self.textareas: dict[str, str] = {}
        self._textarea: str | None = None
        self._select: str | None = None
        self.selected: dict[str, list[str]] = {}
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: (v if v is not None else "") for k, v in attrs}
        self.elements.append((tag, values))
        if tag == "textarea":
            self._textarea = values["name"]
            self.textareas[self._textarea] = ""
        if tag == "select":
            self._select = values["name"]
        if tag == "option" and self._select and "selected" in values:
            self.selected.setdefault(self._select, []).append(values["value"])

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea":
            self._textarea = None
        if tag == "select":
            self._select = None

    def handle_data(self, data: str) -> None:
        self.text_parts.append(data)
        if self._textarea is not None:
            self.textareas[self._textarea] += data

    @property
    def text(self) -> str:
        return " ".join(" ".join(self.text_parts).split())

    def all(self, tag: str) -> list[dict[str, str]]:
        return [attrs for t, attrs in self.elements if t == tag]

    @property
    def ids(self) -> list[str]:
        return [attrs["id"] for _, attrs in self.elements if "id" in attrs]

    def posted(self) -> dict[str, list[str]]:
        """What a browser sends when the form is submitted as it stands."""
        data: dict[str, list[str]] = {}
        for attrs in self.all("input"):
            kind = attrs.get("type", "text")
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                continue
            data.setdefault(attrs["name"], []).append(attrs.get("value", ""))
        for name, value in self.textareas.items():
            data.setdefault(name, []).append(value)
        for attrs in self.all("select"):
            data.setdefault(attrs["name"], []).extend(self.selected.get(attrs["name"], [""]))
        return data


def controls(page: Page) -> list[dict[str, Any]]:
    """Every input, select and textarea on the page."""
    return page.all("input") + page.all("select") + page.all("textarea")
