"""Hypothesis strategies for generated pages: elements of given tags and attributes around child nodes."""

from __future__ import annotations

from hypothesis import strategies as st


def elements(
    tags: list[str], attributes: st.SearchStrategy[dict[str, str]], children: st.SearchStrategy[list[str]]
) -> st.SearchStrategy[str]:
    """`<tag attributes...>children</tag>`, each value written in double quotes."""

    def render(tag: str, written: dict[str, str], inner: list[str]) -> str:
        pairs = "".join(f' {key}="{value}"' for key, value in written.items())
        return f"<{tag}{pairs}>{''.join(inner)}</{tag}>"

    return st.builds(render, st.sampled_from(tags), attributes, children)
