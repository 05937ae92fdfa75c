"""A strict enough HTML check for generated pages: well nested, a doctype, a language, a title."""

from __future__ import annotations

from html.parser import HTMLParser

VOID = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "track",
    "wbr",
}
#: Elements whose end tag HTML lets you leave out; generated pages still close them.
OPTIONAL_END: set[str] = set()


class _Strict(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, tuple[int, int]]] = []
        self.problems: list[str] = []
        self.doctype = False
        self.lang = False
        self.title = False
        self.ids: set[str] = set()

    def handle_decl(self, decl: str) -> None:
        self.doctype = self.doctype or decl.lower() == "doctype html"

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "html" and values.get("lang"):
            self.lang = True
        if tag == "title":
            self.title = True
        if "id" in values:
            if values["id"] in self.ids:
                self.problems.append(f"duplicate id {values['id']!r} at {self.getpos()}")
            self.ids.add(str(values["id"]))
        if tag not in VOID:
            self.stack.append((tag, self.getpos()))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in VOID:
            self.problems.append(f"<{tag}/> is not a void element at {self.getpos()}")

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            self.problems.append(f"end tag for void element {tag} at {self.getpos()}")
            return
        if not self.stack or self.stack[-1][0] != tag:
            open_tag = self.stack[-1] if self.stack else None
            self.problems.append(f"</{tag}> at {self.getpos()} closes {open_tag}")
            return
        self.stack.pop()


def html_problems(text: str) -> list[str]:
    """Every problem found in *text*; ``[]`` for a well-formed page."""
    parser = _Strict()
    parser.feed(text)
    parser.close()
    problems = list(parser.problems)
    problems += [f"<{tag}> at {pos} is never closed" for tag, pos in parser.stack]
    if not parser.doctype:
        problems.append("no <!DOCTYPE html>")
    if not parser.lang:
        problems.append("<html> has no lang")
    if not parser.title:
        problems.append("no <title>")
    return problems
