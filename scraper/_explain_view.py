"""What `scraper extract --explain` prints: each block of a page with its fate, as a rich table on a
terminal, as plain text otherwise (one entry per block, blank lines between: easy to grep for a missing
paragraph), or as one JSON object per file."""

from __future__ import annotations

import json
import sys

import click

from .extract.explain import BlockVerdict, Explanation

__all__ = ["PREVIEW_CHARS", "on_terminal", "show_explanation"]

# The text of a block as shown in the table and the plain text: enough to recognise a paragraph, short
# enough for one line. The JSON holds the whole text.
PREVIEW_CHARS = 80


def on_terminal() -> bool:
    return sys.stdout.isatty()


def show_explanation(explanation: Explanation, name: str, fmt: str) -> None:
    """Print the explanation of file `name` on stdout: `fmt` "json" or "txt"."""
    if fmt == "json":
        click.echo(json.dumps({"file": name, **explanation.to_dict()}, ensure_ascii=False))
    elif on_terminal():
        _print_table(explanation, name)
    else:
        click.echo("\n\n".join([_header(explanation, name), *map(_entry, explanation.blocks)]) + "\n")


def _header(explanation: Explanation, name: str) -> str:
    if explanation.body is None:
        body = "body: none (no container holds prose enough)"
    else:
        body = f"body: {explanation.body} (score {_number(explanation.body_score)})"
    lines = [name, body]
    if explanation.fallback:
        lines.append("fallback: too little prose to trust; the fallback's text replaced the own one")
    return "\n".join(lines)


def _entry(verdict: BlockVerdict) -> str:
    fate = "kept" if verdict.kept else "dropped"
    return (
        f"{fate}  {verdict.stage}: {verdict.reason}\n"
        f"    path: {verdict.path} · {_figures(verdict)}\n"
        f"    text: {_preview(verdict.text)}"
    )


def _figures(verdict: BlockVerdict) -> str:
    figures = f"links {verdict.link_density:.0%}"
    if verdict.weight is not None:
        figures += f" · weight {_number(verdict.weight)}"
    if verdict.container_score is not None:
        figures += f" · container score {_number(verdict.container_score)}"
    return figures


def _preview(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= PREVIEW_CHARS else flat[: PREVIEW_CHARS - 1] + "…"


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}"


def _print_table(explanation: Explanation, name: str) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    table = Table(title=escape(_header(explanation, name)), title_justify="left")
    for column in ("fate", "stage", "reason", "links", "weight", "score", "path", "text"):
        table.add_column(column, justify="right" if column in ("links", "weight", "score") else "left")
    for verdict in explanation.blocks:
        table.add_row(
            "[green]kept[/]" if verdict.kept else "[red]dropped[/]",
            verdict.stage,
            escape(verdict.reason),
            f"{verdict.link_density:.0%}",
            _number(verdict.weight),
            _number(verdict.container_score),
            escape(verdict.path),
            escape(_preview(verdict.text)),
        )
    Console().print(table)
