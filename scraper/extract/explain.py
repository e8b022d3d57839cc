"""`explain(html, url)`: every block of a page with the stage that kept or dropped it, and why.

So that a user can see why a paragraph is missing (`scraper extract --explain`). The page goes through the
real extractor (`extract_recorded`) with a recorder: the stages say where they skip or drop a block, and
this module only puts their notes into words. Nothing here decides anything, so the explanation cannot
drift from what `extract` does.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from selectolax.lexbor import LexborNode

from ..charset import printable
from . import extract_recorded, rules
from .blocks import Block, _is_legal_fine_print, collect_blocks
from .body import BodyChoice, BodyText
from .clutter import Clutter, clutter_of, is_beside_the_article
from .containers import weight
from .measure import visible_chars

__all__ = ["BlockVerdict", "Explanation", "explain"]

# At most this many class names per element in a container path: enough to recognise it, short enough
# that a path of ten containers still fits a line.
MAX_CLASSES_SHOWN = 3
# Text inside a skipped element is walked again to show it, and so is text inside clutter nested in that
# element, to this depth: hostile pages nest thousands of levels, and this is recursion.
MAX_SKIP_DEPTH = 20
_CLUTTER_TOKENS = rules.STRONG_CLUTTER_TOKENS | rules.WEAK_CLUTTER_TOKENS | rules.GATED_TOKENS
_CLUTTER_LEVEL = {
    Clutter.HIDDEN: "hidden, and not a long run of prose",
    Clutter.GATED: "a paywall wrapper without the article's prose",
}


@dataclass(frozen=True, slots=True)
class BlockVerdict:
    """One block of the page and its fate.

    `path` names its containers as selectors ("body > div#main > p"); `weight` is what the block counts
    for its container in the body choice (prose for, short or linked text against) and `container_score`
    its innermost container's score, both None for text skipped before the body choice.
    """

    text: str
    kind: str
    path: str
    link_density: float
    weight: float | None
    container_score: float | None
    kept: bool
    stage: str  # collect_blocks, find_body, clean_body, fallback; "serialise" for a kept block
    reason: str

    def to_dict(self) -> dict[str, object]:
        return dataclasses.asdict(self)


@dataclass(frozen=True, slots=True)
class Explanation:
    """The blocks of a page in page order, the body chosen (its path and score) and the text extracted."""

    url: str | None
    body: str | None
    body_score: float | None
    fallback: bool  # the fallback's text replaced the own one
    text: str
    blocks: tuple[BlockVerdict, ...]

    def to_dict(self) -> dict[str, object]:
        return {**dataclasses.asdict(self), "blocks": [verdict.to_dict() for verdict in self.blocks]}


def explain(html: str | bytes, url: str | None = None) -> Explanation:
    """The Explanation of one page; raises ExtractionError where `extract` would."""
    notes = _Notes()
    document = extract_recorded(html, url, notes)
    if notes.is_replaced:
        notes.verdicts = [_replaced(verdict) for verdict in notes.verdicts]
    return Explanation(  # the Document's URL: printable, without user:password@
        document.url, notes.body, notes.body_score, notes.is_replaced, document.text, tuple(notes.verdicts)
    )


@dataclass(frozen=True, slots=True)
class _Skip:
    node: LexborNode
    path: tuple[int, ...]
    position: int  # blocks collected before it


class _Notes:
    """The recorder handed to the stages (see recorder.Recorder)."""

    def __init__(self) -> None:
        self.skips: list[_Skip] = []
        self.scores: Mapping[int, float] = {}
        self.drops: dict[int, tuple[str, int | None]] = {}  # id() of a dropped block -> why, the container
        self.is_replaced = False
        self.verdicts: list[BlockVerdict] = []
        self.body: str | None = None
        self.body_score: float | None = None

    def skipped(self, node: LexborNode, path: tuple[int, ...], position: int) -> None:
        self.skips.append(_Skip(node, path, position))

    def scored(self, scores: Mapping[int, float]) -> None:
        self.scores = scores

    def dropped(self, block: Block, reason: str, container: int | None = None) -> None:
        self.drops.setdefault(id(block), (reason, container))

    def replaced(self) -> None:
        self.is_replaced = True

    def finished(self, root: LexborNode, blocks: Sequence[Block], choice: BodyChoice, body: BodyText) -> None:
        """Put everything into words now, while the tree (and so the nodes' labels) is alive."""
        inside = {id(skip): _inside(skip.node, skip.path, body.page_chars, 1) for skip in self.skips}
        needed = {container for block in blocks for container in block.path}
        needed.update(container for found in inside.values() for path, _ in found for container in path)
        labels = _labels(root, needed)
        fates = _Fates(self, labels, blocks, choice, body)
        self.body, self.body_score = fates.body_label, fates.body_score
        for item in _in_order(blocks, self.skips):
            if isinstance(item, _Skip):
                self.verdicts += _skipped_verdicts(item.node, inside[id(item)], labels, body.page_chars)
            else:
                self.verdicts.append(fates.verdict(item))


class _Skips:
    """A recorder that keeps the skips alone: for the walk of a skipped element's own text."""

    def __init__(self) -> None:
        self.skips: list[_Skip] = []

    def skipped(self, node: LexborNode, path: tuple[int, ...], position: int) -> None:
        self.skips.append(_Skip(node, path, position))

    def scored(self, scores: Mapping[int, float]) -> None:
        pass

    def dropped(self, block: Block, reason: str, container: int | None = None) -> None:
        pass

    def finished(self, root: LexborNode, blocks: Sequence[Block], choice: BodyChoice, body: BodyText) -> None:
        pass

    def replaced(self) -> None:
        pass


def _in_order(blocks: Sequence[Block], skips: Sequence[_Skip]) -> Iterator[Block | _Skip]:
    """The blocks and the skipped elements of one walk in page order."""
    pending = iter(skips)
    skip = next(pending, None)
    for index, block in enumerate(blocks):
        while skip is not None and skip.position <= index:
            yield skip
            skip = next(pending, None)
        yield block
    while skip is not None:
        yield skip
        skip = next(pending, None)


def _inside(
    node: LexborNode, outer: tuple[int, ...], page_chars: int, depth: int
) -> list[tuple[tuple[int, ...], Block]]:
    """The text of a skipped element as blocks with their full paths, that of clutter inside it too."""
    skips = _Skips()
    blocks = collect_blocks(node, page_chars, skips if depth < MAX_SKIP_DEPTH else None)
    found: list[tuple[tuple[int, ...], Block]] = []
    for item in _in_order(blocks, skips.skips):
        if isinstance(item, _Skip):
            found += _inside(item.node, (*outer, *item.path), page_chars, depth + 1)
        else:
            found.append(((*outer, *item.path), item))
    return found


def _labels(root: LexborNode, needed: set[int]) -> dict[int, str]:
    """A selector ("div#main.story") for each element whose id is in `needed`."""
    labels: dict[int, str] = {}
    for node in root.traverse(include_text=False):
        if node.mem_id in needed:
            labels[node.mem_id] = _label(node)
    return labels


def _label(node: LexborNode) -> str:
    attributes = node.attributes
    element_id = (attributes.get("id") or "").split()
    classes = (attributes.get("class") or "").split()[:MAX_CLASSES_SHOWN]
    label = (
        (node.tag or "?") + "".join(f"#{name}" for name in element_id[:1]) + "".join(f".{c}" for c in classes)
    )
    return printable(label)


def _path(path: Sequence[int], labels: Mapping[int, str]) -> str:
    return " > ".join(labels.get(container, "?") for container in path)


def _skipped_verdicts(
    node: LexborNode,
    inside: Sequence[tuple[tuple[int, ...], Block]],
    labels: Mapping[int, str],
    page_chars: int,
) -> list[BlockVerdict]:
    reason = f"clutter: skipped ({_skip_reason(node, page_chars)})"
    return [
        BlockVerdict(
            printable(block.text),  # what a page says never drives the screen it is shown on
            block.kind.value,
            _path(path, labels),
            block.link_density,
            None,
            None,
            False,
            "collect_blocks",
            reason,
        )
        for path, block in inside
    ]


def _skip_reason(node: LexborNode, page_chars: int) -> str:
    """What made the walk skip `node`: its tag, or the clutter words of its class, id or role."""
    tag = node.tag or ""
    if tag in rules.SKIP_TAGS:
        return f"<{tag}> is never prose"
    if tag in rules.FINE_PRINT_TAGS and _is_legal_fine_print(node, tag):
        return "legal fine print"
    attributes = node.attributes
    level = clutter_of(tag in rules.FURNITURE_TAGS, attributes)
    pieces = [f"<{tag}>"] if tag in rules.FURNITURE_TAGS else []
    for key in ("class", "id"):
        value = " ".join((attributes.get(key) or "").split())  # one line: the plain text is line by line
        words = rules.attribute_tokens(value) & _CLUTTER_TOKENS
        words.update(rules.HIDDEN_CLASSES.intersection(value.lower().split()))
        if words:
            pieces.append(f"{key} '{value}': {', '.join(sorted(words))}")
    role = (attributes.get("role") or "").lower()
    if role in rules.SKIP_ROLES:
        pieces.append(f"role '{role}'")
    if tag in rules.TANGENTIAL_TAGS and _is_long_aside_beside_the_article(node, page_chars):
        pieces.append("beside the headline or the article: no wrapper, however long")
    if level is Clutter.HIDDEN and tag in rules.HIDDEN_RAW_TEXT_TAGS:
        pieces.append("hidden preformatted text: a raw copy of the page, never its article")
    elif level in _CLUTTER_LEVEL:
        pieces.append(_CLUTTER_LEVEL[level])
    return printable("; ".join(pieces) or f"<{tag}>")


def _is_long_aside_beside_the_article(node: LexborNode, page_chars: int) -> bool:
    """The walk's rule for a tangential element (blocks._Collector.judged): it decides only one long enough
    to be a wrapper; a shorter one is skipped as any small furniture is."""
    long_enough = visible_chars(node) >= page_chars * rules.WEAK_WRAPPER_TEXT_SHARE
    return long_enough and is_beside_the_article(node)


class _Fates:
    """The fate of each block the walk collected, from the body choice and the cleaning's notes."""

    def __init__(
        self,
        notes: _Notes,
        labels: Mapping[int, str],
        blocks: Sequence[Block],
        choice: BodyChoice,
        body: BodyText,
    ) -> None:
        self.notes, self.labels, self.scores = notes, labels, notes.scores
        self.chosen = {id(block) for block in choice.blocks}
        self.kept = {id(block) for block in body.blocks}
        self.body_id, self.totals = choice.body_id, choice.totals
        self.body_path = _body_path(blocks, choice.body_id)
        self.body_label = _path(self.body_path, labels) if self.body_path else None
        self.body_score = self.scores.get(choice.body_id) if choice.body_id is not None else None

    def verdict(self, block: Block) -> BlockVerdict:
        stage, reason = self._fate(block)
        return BlockVerdict(
            printable(block.text),  # what a page says never drives the screen it is shown on
            block.kind.value,
            _path(block.path, self.labels),
            block.link_density,
            weight(block),
            self.scores.get(block.path[-1]) if block.path else None,
            reason == "kept",
            stage,
            reason,
        )

    def _fate(self, block: Block) -> tuple[str, str]:
        if id(block) in self.kept:
            return "serialise", "kept"
        if id(block) in self.chosen:
            return "clean_body", self._dropped(block)
        if self.body_id is None:
            return "find_body", "no body: no container scored above zero"
        if self.body_id in block.path:
            return "find_body", "short widget: deferred, and widgets are not this page's layout"
        return "find_body", self._outside(block)

    def _dropped(self, block: Block) -> str:
        reason, container = self.notes.drops.get(id(block), ("dropped while cleaning", None))
        if container is None:
            return reason
        totals = self.totals[container]
        label = self.labels.get(container, "?")
        return f"{reason} ({label}: {totals.link_density:.0%} links, {totals.sentences} sentences)"

    def _outside(self, block: Block) -> str:
        body = f"body is {self.body_label}, score {_score(self.body_score)}"
        ancestors = set(self.body_path)
        branch = next((container for container in block.path if container not in ancestors), None)
        if branch is None:  # text of a container around the body, outside its child that is the body
            return f"outside the body ({body}; this text stands in {self.labels.get(block.path[-1], '?')})"
        label = self.labels.get(branch, "?")
        return f"outside the body ({body}; {label} scored {_score(self.scores.get(branch))})"


def _body_path(blocks: Sequence[Block], body_id: int | None) -> tuple[int, ...]:
    """The containers from the root to the body, the body last."""
    if body_id is None:
        return ()
    for block in blocks:
        if body_id in block.path:
            return block.path[: block.path.index(body_id) + 1]
    return ()


def _score(score: float | None) -> str:
    return "none (not scored: a deferred widget)" if score is None else f"{score:.0f}"


def _replaced(verdict: BlockVerdict) -> BlockVerdict:
    """A block the own text kept, on a page where the fallback's text replaced the own one."""
    if not verdict.kept:
        return verdict
    reason = "kept, but the page's text was replaced by the fallback's (too little prose to trust)"
    return dataclasses.replace(verdict, kept=False, stage="fallback", reason=reason)
