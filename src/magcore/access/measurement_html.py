"""A measurement comparison as a page people read (nl or en) and a plot of the rounds.

Both draw only from a :class:`~magcore.model.measurement.Comparison`, which holds nothing below
the minimum group size, so neither can show more than the comparison does. The page is plain
semantic HTML (a language, a title, one ``main``, a table with headers and a caption); the plot
is a PNG beside it with a short text alternative that points to the table, which holds the
same numbers. The plot needs matplotlib (``pip install 'magcore[plots]'``). Added in 0.2.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from ..i18n import table
from ..languages import pick
from ..model.measurement import Comparison, ComparisonCell, RoundColumn

__all__ = ["comparison_html", "comparison_plot", "comparison_text"]

#: The page's words per language (``locale/*/magcore.po``, ids ``measurement.*``).
_WORDS = table("measurement")

_COLOURS = ("#004699", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#555555")
_HATCHES = ("", "//", "..", "xx", "\\\\", "++", "--")


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def _labels(comparison: Comparison, language: str) -> dict[str, str]:
    labels = {cid: text.get(language) for cid, text, _ in comparison.questionnaire.categories()}
    labels["rest"] = _WORDS[language]["rest"]
    return labels


def _cell_lines(
    cell: ComparisonCell | None, column: RoundColumn, comparison: Comparison, language: str
) -> list[str]:
    words = _WORDS[language]
    if column.suppressed:
        return [words["suppressed"].format(k=comparison.k)]
    if cell is None or cell.hidden:
        return [words["hidden"]]
    labels = _labels(comparison, language)
    assert column.respondents is not None
    lines = [
        f"{labels[cid]}: {n} ({round(100 * n / column.respondents)}%)"
        for cid, n in cell.counts.items()
    ]
    if cell.rest is not None:
        lines.append(
            f"{labels['rest']}: {cell.rest} ({round(100 * cell.rest / column.respondents)}%)"
        )
    return lines


def comparison_text(comparison: Comparison, language: str = "nl") -> list[str]:
    """The comparison as plain lines (for the terminal), in *language* (any BCP 47 tag: its
    chain picks the language the words are written in, ``nl-NL`` → ``nl``)."""
    language = pick(language, _WORDS)
    words = _WORDS[language]
    lines = [words["title"].format(title=comparison.questionnaire.title.get(language))]
    for column in comparison.columns:
        head = (
            words["suppressed"].format(k=comparison.k)
            if column.suppressed
            else words["respondents"].format(n=column.respondents)
        )
        lines.append(f"{column.label} ({column.phase.value}): {head}")
    for statement in comparison.questionnaire.statements:
        lines.append(f"- {statement.text.get(language)}")
        for column in comparison.columns:
            found = _cell_lines(column.cell(statement.id), column, comparison, language)
            lines.append(f"    {column.label}: " + "; ".join(found))
    return lines


def comparison_html(
    comparison: Comparison, language: str = "nl", *, image: str | None = None
) -> str:
    """The page of *comparison* in *language*; *image* is the plot's file name, if drawn."""
    language = pick(language, _WORDS)  # <html lang> says the one used
    words = _WORDS[language]
    q = comparison.questionnaire
    title = words["title"].format(title=q.title.get(language))
    head_cells = "".join(
        f'<th scope="col">{_e(c.label)}<br><span class="sub">'
        + _e(
            words["suppressed"].format(k=comparison.k)
            if c.suppressed
            else words["respondents"].format(n=c.respondents)
        )
        + "</span></th>"
        for c in comparison.columns
    )
    rows = []
    group: str | None = None
    for statement in q.statements:
        if statement.group and statement.group != group:
            group = statement.group
            heading = q.headings.get(group)
            text = heading.get(language) if heading else group
            rows.append(
                f'<tr><th scope="colgroup" colspan="{len(comparison.columns) + 1}" '
                f'class="group">{_e(text)}</th></tr>'
            )
        cells = "".join(
            "<td>"
            + "<br>".join(
                _e(line)
                for line in _cell_lines(column.cell(statement.id), column, comparison, language)
            )
            + "</td>"
            for column in comparison.columns
        )
        rows.append(f'<tr><th scope="row">{_e(statement.text.get(language))}</th>{cells}</tr>')
    figure = ""
    if image is not None:
        figure = (
            f'<figure><img src="{_e(image)}" alt="{_e(words["figure"])}" width="800">'
            f"<figcaption>{_e(words['figcaption'])}</figcaption></figure>"
        )
    return f"""<!DOCTYPE html>
<html lang="{_e(language)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_e(title)}</title>
<style>
body {{ font-family: system-ui, sans-serif; line-height: 1.5; max-width: 70rem; margin: 1rem auto;
  padding: 0 1rem; color: #1a1a1a; background: #ffffff; }}
table {{ border-collapse: collapse; width: 100%; }}
th, td {{ border: 1px solid #595959; padding: 0.4rem; text-align: left; vertical-align: top; }}
th.group {{ background: #e8eef7; }}
.sub {{ font-weight: normal; }}
img {{ max-width: 100%; height: auto; }}
</style>
</head>
<body>
<main>
<h1>{_e(title)}</h1>
<p>{_e(words["intro"].format(unit=comparison.unit, k=comparison.k))}</p>
{figure}
<table>
<caption>{_e(words["caption"])}</caption>
<thead><tr><th scope="col">{_e(words["statement"])}</th>{head_cells}</tr></thead>
<tbody>
{"".join(rows)}
</tbody>
</table>
</main>
</body>
</html>
"""


def comparison_plot(comparison: Comparison, path: str | Path, language: str = "nl") -> Path:
    """Draw *comparison* as stacked bars (one per statement and round) into the PNG *path*.

    Only shown numbers are drawn; a hidden cell or a suppressed round is an empty bar.
    """
    from ..extras import require

    require("plots", feature="the measurement plot", load=True)
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    language = pick(language, _WORDS)
    words = _WORDS[language]
    labels = _labels(comparison, language)
    statements = comparison.questionnaire.statements
    columns = comparison.columns
    order = [c[0] for c in comparison.questionnaire.categories()] + ["rest"]
    bars: list[tuple[str, dict[str, float]]] = []
    for statement in statements:
        for column in columns:
            cell = column.cell(statement.id)
            shares: dict[str, float] = {}
            if cell is not None and not cell.hidden and column.respondents:
                shares = {cid: 100 * n / column.respondents for cid, n in cell.counts.items()}
                if cell.rest is not None:
                    shares["rest"] = 100 * cell.rest / column.respondents
            text = statement.text.get(language)
            short = text if len(text) <= 48 else text[:45] + "..."
            bars.append((f"{short} ({column.label})", shares))
    height = max(3.0, 0.35 * len(bars) + 1.5)
    fig, ax = plt.subplots(figsize=(10, height), dpi=100)
    positions = list(range(len(bars)))[::-1]
    for index, category in enumerate(order):
        lefts = [sum(s.get(c, 0.0) for c in order[:index]) for _, s in bars]
        widths = [s.get(category, 0.0) for _, s in bars]
        ax.barh(
            positions,
            widths,
            left=lefts,
            color=_COLOURS[index % len(_COLOURS)],
            hatch=_HATCHES[index % len(_HATCHES)],
            edgecolor="white",
            label=labels[category],
        )
    for position, (_, shares) in zip(positions, bars, strict=True):
        if not shares:
            ax.text(1, position, words["not_shown"], va="center", fontsize=8, color="#333333")
    ax.set_yticks(positions)
    ax.set_yticklabels([name for name, _ in bars], fontsize=8)
    ax.set_xlim(0, 100)
    ax.set_xlabel(words["share"])
    ax.set_title(words["plot_title"])
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.08), ncol=len(order), fontsize=8)
    fig.tight_layout()
    out = Path(path)
    fig.savefig(out, metadata={"Software": "magcore", "Creation Time": None})
    plt.close(fig)
    return out
