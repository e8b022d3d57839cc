"""Find the article body among the blocks and clean it (markdown.py serialises it to text and Markdown).

The body is the container whose blocks hold the most prose once menus, headline lists and other short
or link-heavy text are counted against it. Inside it, blocks of link-dense containers (related-headline
lists, "more from" rails, tag lists) are dropped by structure, not by wording.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

from . import rules
from .blocks import Block, BlockKind, Deferral
from .bylines import drop_author_bio, drop_byline_lines
from .containers import LinkListSize, Totals, container_totals, subtree_scores
from .evidence import is_notice, may_be_notice_box, notice_blocks
from .markup import links_of
from .repeats import drop_pull_quotes, drop_repeats, normalised, normalised_all

if TYPE_CHECKING:
    from .recorder import Recorder

__all__ = [
    "BodyChoice",
    "BodyText",
    "clean_body",
    "find_body",
    "is_prose",
    "is_sentence",
    "normalised",
]

# Enum members read for every block, bound once: in Python 3.11 `BlockKind.HEADING` goes through
# EnumType.__getattr__, ten times the cost of reading a global.
_HEADING, _PARAGRAPH, _ROW, _CAPTION = (
    BlockKind.HEADING,
    BlockKind.PARAGRAPH,
    BlockKind.ROW,
    BlockKind.CAPTION,
)
_ITEMS = (BlockKind.LIST_ITEM, BlockKind.ROW)
_LINES = (BlockKind.PARAGRAPH, BlockKind.HEADING)
_NOT_DEFERRED, _DEFERRED_SHORT = Deferral.NONE, Deferral.SHORT


@dataclass(frozen=True, slots=True)
class BodyText:
    """The chosen blocks, and whether the choice looked trustworthy."""

    blocks: tuple[Block, ...]
    prose_chars: int
    listing: bool = False  # the page is a list of teasers (a section front): empty text is right
    page_chars: int = 0  # visible characters of the whole page
    cards: int = 0  # teaser cards on the page (see _teaser_cards): a listing's evidence for its page type


def is_prose(block: Block) -> bool:
    # Block.link_density written out (a property call costs more than the test): a block with
    # MIN_PROSE_CHARS of its own has characters, so the division is the property's.
    return (
        block.kind is not _HEADING
        and block.chars - block.link_chars >= rules.MIN_PROSE_CHARS
        and block.link_chars / block.chars <= rules.MAX_PROSE_LINK_DENSITY
    )


def is_sentence(block: Block) -> bool:
    """Running text ends like a sentence or runs long; headlines and labels do neither."""
    text = block.text.rstrip()
    return len(text) >= rules.MIN_UNPUNCTUATED_SENTENCE_CHARS or text.endswith(rules.SENTENCE_ENDINGS)


def _is_teaser(block: Block, totals: Mapping[int, Totals], body_id: int | None = None) -> bool:
    """A cut-off excerpt ("..." / "…") next to a link: the teaser of another article. In a body of
    several sentences the link must be in the excerpt or a container inside the body: the body's links
    elsewhere do not make its paragraph that trails off in an ellipsis a teaser. (A body whose one
    sentence is the excerpt is a teaser card itself.)"""
    if not block.text.rstrip().endswith(rules.ELLIPSES):
        return False
    near = block.path[-2:]
    if body_id in near and totals[body_id].sentences > 1:
        near = near[near.index(body_id) + 1 :]
    return block.link_chars > 0 or any(totals[container].link_chars for container in near)


def _is_headline_link(block: Block) -> bool:
    return (
        block.chars >= rules.MIN_HEADLINE_LINK_CHARS and block.link_density > rules.MAX_CONTAINER_LINK_DENSITY
    )


def _teaser_cards(parents: dict[int, int | None], totals: Mapping[int, Totals]) -> frozenset[int]:
    """Containers that are teaser cards: one linked headline plus a summary, a date or "Read more",
    with at least MIN_TEASER_CARDS such siblings (a section front, a "More stories" grid)."""
    cards: dict[int, list[int]] = defaultdict(list)
    for container, parent in parents.items():
        entry = totals[container]
        if (
            parent is not None
            and entry.headline_links == 1
            and 2 <= entry.blocks <= rules.MAX_TEASER_CARD_BLOCKS
            and entry.prose_chars <= rules.MAX_TEASER_SUMMARY_CHARS
            and totals[parent].headline_links >= rules.MIN_TEASER_CARDS
        ):
            cards[parent].append(container)
    return frozenset(
        card for siblings in cards.values() if len(siblings) >= rules.MIN_TEASER_CARDS for card in siblings
    )


def _one_paragraph_of_many(container: int, root: int, totals: Mapping[int, Totals]) -> bool:
    entry = totals[container]
    return entry.blocks == 1 and entry.prose_chars < rules.MIN_BODY_PROSE_SHARE * totals[root].prose_chars


@dataclass(frozen=True, slots=True)
class BodyChoice:
    """The chosen container's blocks, with what cleaning needs to know about the containers."""

    blocks: tuple[Block, ...]
    body_id: int | None
    totals: Mapping[int, Totals]
    cards: frozenset[int]  # teaser cards (see _teaser_cards)
    listing: bool  # teaser cards hold most of the page's prose


def find_body(all_blocks: Sequence[Block], recorder: Recorder | None = None) -> BodyChoice:
    """The blocks of the best-scoring container, narrowed to where its prose is.

    Deferred blocks (inside small "widget" elements) take no part in the choice, and those with prose of
    their own are kept when they lie inside the body; but where most of the page's prose is deferred, the
    widgets are the page's layout, and every block counts as any other."""
    blocks, kept = _settled(all_blocks)
    totals, parents, inner_first = container_totals(blocks)
    cards = _teaser_cards(parents, totals)
    scores = subtree_scores(blocks, (parents, inner_first), cards)
    best = _best_container(scores, totals)
    if best is not None and may_be_notice_box([block for block in blocks if best in block.path]):
        # The evidence doubts the choice: choose again with notices counted against their containers.
        block_counts = {container: entry.blocks for container, entry in totals.items()}
        scores = subtree_scores(blocks, (parents, inner_first), cards, notice_blocks(blocks, block_counts))
        best = _best_container(scores, totals)
    if recorder is not None:
        recorder.scored(scores)
    root = next((block.path[0] for block in blocks if block.path), None)  # the page root
    page_prose = totals[root].prose_chars if root is not None else 0
    card_prose = sum(totals[card].prose_chars for card in cards)
    listing = card_prose > rules.MIN_LISTING_PROSE_SHARE * page_prose
    if best is None:
        return BodyChoice((), None, totals, cards, listing)
    best = _narrowed(best, totals, parents)
    chosen = tuple([block for block in kept if best in block.path])
    if len(kept) > len(blocks):
        totals = container_totals(kept)[0]  # cleaning judges the kept deferred blocks' containers too
    return BodyChoice(chosen, best, totals, cards, listing)


def _best_container(scores: Mapping[int, float], totals: Mapping[int, Totals]) -> int | None:
    """The best-scoring container below the page root, or the root for a bare fragment; None: no prose."""
    best: int | None = None
    best_score = 0.0
    root = next(iter(scores), None)
    below = list(scores.values())[1:]  # the scores of the containers below the root (the first)
    top = max(below, default=0.0)
    if top > best_score:
        # The first of the best: of equal scores the outer container (seen first) wins, so a body split
        # over sibling <div>s is not cut to one of them.
        best, best_score = list(scores)[below.index(top) + 1], top
    # The page root is the body only of a bare fragment: the best below it is one paragraph among several.
    if (
        root is not None
        and scores[root] > best_score
        and (best is None or _one_paragraph_of_many(best, root, totals))
    ):
        best = root
    return best


def _settled(all_blocks: Sequence[Block]) -> tuple[Sequence[Block], Sequence[Block]]:
    """The blocks that take part in the choice, and those kept when inside the body (see find_body)."""
    for block in all_blocks:
        if block.deferral is not _NOT_DEFERRED:
            break
    else:
        return all_blocks, all_blocks  # most pages: no widget deferred
    settled_prose = all_prose = 0  # own characters of prose blocks: both sums in one pass
    for block in all_blocks:
        if is_prose(block):
            all_prose += block.chars - block.link_chars
            if block.deferral is _NOT_DEFERRED:
                settled_prose += block.chars - block.link_chars
    if 2 * settled_prose < all_prose:  # settled < deferred: the widgets are the page's layout
        return all_blocks, all_blocks
    settled = [block for block in all_blocks if block.deferral is _NOT_DEFERRED]
    return settled, [block for block in all_blocks if block.deferral is not _DEFERRED_SHORT]


def _narrowed(best: int, totals: Mapping[int, Totals], parents: Mapping[int, int | None]) -> int:
    """The innermost container inside `best` that still holds nearly all of its prose: a side column or a
    byline box beside the article adds a little prose to the outer wrapper, not to the article. Of equal
    depth, the first in the blocks' order: `parents` holds the containers in the order they first appear."""
    threshold = rules.NARROW_PROSE_SHARE * totals[best].prose_chars
    narrowest, narrowest_depth = best, 0
    for container in parents:
        if totals[container].prose_chars < threshold:
            continue  # most containers: tested without walking up the tree
        depth, above = 0, container  # depth below `best`, if `best` is above it
        while above != best:
            parent = parents[above]
            if parent is None:
                break  # the root passed: not inside `best`
            above, depth = parent, depth + 1
        if above == best and depth > narrowest_depth:
            narrowest, narrowest_depth = container, depth
    return narrowest


_LINK_LIST, _RAIL = 1, 2  # kinds of boilerplate container (see _BodyContainers); 0: neither


class _BodyContainers(dict[int, int]):
    """The body's containers as cleaning judges them, each once (its blocks ask the same): _LINK_LIST, a
    headline list (long, mostly links, little prose); _RAIL, a rail of short items (headline, label, author)
    that are not a list, for blocks that may be a rail's; 0, neither. Whether a sentence announced it as the
    body's own list (`announced`, see _dropped_as_links), with the lines that may (`announcers`); the
    outermost such container from the body down to each (`outermost`, see _boilerplate_container)."""

    def __init__(self, choice: BodyChoice) -> None:
        super().__init__()
        self.totals, self.blocks, self.body_id = choice.totals, choice.blocks, cast(int, choice.body_id)
        self.announced: dict[int, bool] = {}
        self.announcers: list[Block] | None = None
        self.link_list_size = LinkListSize(self.blocks)  # a link list's least size, by the body's script
        self.outermost: tuple[dict[int, int | None], dict[int, int | None]] = (
            {self.body_id: None},  # for blocks that may not be a rail's
            {self.body_id: None},  # for the others
        )

    def __missing__(self, container: int) -> int:
        entry = self.totals[container]
        kind = 0
        if not entry.link_chars:
            pass  # neither kind: a headline list is mostly links, a rail's headlines are linked
        elif (
            entry.link_density > rules.MAX_CONTAINER_LINK_DENSITY
            and entry.prose_chars <= rules.MAX_PROSE_SHARE_OF_LINK_LIST * entry.chars
            and self.link_list_size.reached_by(entry.chars)
        ):
            kind = _LINK_LIST
        elif (
            entry.blocks >= rules.MIN_RAIL_BLOCKS
            and not entry.sentences
            and entry.non_items
            and not _data_lines(entry)
        ):
            # a rail of short items (headline, label, author) that are not a list, its headlines linked to
            # the stories; but a box of short lines without a single link is data (a comparison table
            # laid out in <div>s, pros and cons, a list of specifications)
            kind = _RAIL
        self[container] = kind
        return kind

    def any_inside(self) -> bool:
        """Whether a container inside the body is a headline list or a rail: without one, no block without
        links is dropped as a list's (_dropped_as_links). Such a container holds link text, of blocks with
        links inside it: only their containers are judged, up to the first such container."""
        body_id, totals = self.body_id, self.totals
        for block in self.blocks:
            if block.link_chars and body_id in (path := block.path):
                for container in path[path.index(body_id) + 1 :]:
                    if totals[container].link_chars and self[container]:
                        return True
        return False


def _boilerplate_container(block: Block, kinds: _BodyContainers) -> int | None:
    """The outermost container inside the body that is a headline list or a rail, if any."""
    path = block.path
    # An embedded post's lines are quoted text, short and unpunctuated as they are, and a table's rows are
    # data: no rail's.
    rail = not block.quoted and block.kind is not _ROW
    outermost = kinds.outermost[rail]
    # A container known lies inside the body: a path that holds one holds the body, not searched for then.
    depth = len(path) - 1
    if depth > 0 and path[depth - 1] in outermost:  # most blocks: their parent known, from a block before
        if path[depth] not in outermost:
            depth -= 1
    elif kinds.body_id not in path:  # an intro block widen.py added from outside the body
        return None
    else:
        while path[depth] not in outermost:  # up to the deepest container known: the body at the latest
            depth -= 1
    found = outermost[path[depth]]
    totals = kinds.totals
    for container in path[depth + 1 :]:  # the containers not known yet, outermost first
        # Neither kind without link text (see _BodyContainers): most containers, paragraphs, judged at that.
        if found is None and totals[container].link_chars:
            kind = kinds[container]
            if kind == _LINK_LIST or (kind == _RAIL and rail):
                found = container
        outermost[container] = found
    return found


def _data_lines(entry: Totals) -> bool:
    """Many lines side by side in one box, no card or heading among them: data (a schedule, an address),
    not a rail, whose items are cards of a headline, a label and a name each."""
    return entry.lines == entry.blocks >= rules.MIN_DATA_LINES


def _introduces_list(block: Block | None) -> bool:
    """ "Patches sent for review:" announces the link list after it as part of the body."""
    return block is not None and block.kind is not _HEADING and block.text.rstrip().endswith(":")


def _announces_own_list(container: int, containers: _BodyContainers) -> bool:
    """A section of the article that says what its links are ("Many patches were sent for review:"): an
    unlinked line of its own ending in ":", longer than a rail's label ("See also:", "Related:")."""
    if containers.announcers is None:  # the body's lines that may be one: found once, for every container
        containers.announcers = [
            block
            for block in containers.blocks
            if block.link_chars == 0
            and block.chars >= rules.MIN_LIST_ANNOUNCEMENT_CHARS
            and _introduces_list(block)
        ]
    return any(container in block.path for block in containers.announcers)


# Letters outside ASCII that re.IGNORECASE takes for ASCII ones: "İ", "ı" for "i", "ſ" for "s", "K" for "k".
_CASE_LOOKALIKES = ("\u0130", "\u0131", "\u017f", "\u212a")
_MAX_INTERFACE_TEXT_CHARS = max(rules.MAX_INTERFACE_LINE_CHARS, rules.MAX_SCRIPT_NOTICE_CHARS)


def _is_interface_text(block: Block) -> bool:
    """Player controls, ad labels, counters, close buttons, "enable JavaScript" notices."""
    text = block.text
    if len(text) >= _MAX_INTERFACE_TEXT_CHARS:
        return False  # most blocks: paragraphs
    lowered = text.lower()
    if len(text) < rules.MAX_INTERFACE_LINE_CHARS and rules.INTERFACE_LINE_RE.match(lowered) is not None:
        return True
    # Both branches of the notice's pattern name "javascript": a search of every position (case-blind, so
    # slow) only where it may stand, as that pattern reads letters.
    named = "javascript" in lowered or (
        not lowered.isascii() and any(map(text.__contains__, _CASE_LOOKALIKES))
    )
    return (
        named
        and len(text) < rules.MAX_SCRIPT_NOTICE_CHARS
        and rules.SCRIPT_NOTICE_RE.search(text) is not None
    )


def clean_body(
    choice: BodyChoice,
    titles: frozenset[str],
    page_chars: int = 0,
    author: str | None = None,
    recorder: Recorder | None = None,
    date: str | None = None,
) -> BodyText:
    """Drop headline lists, interface text, the repeated title and standfirst, orphan headings, bio boxes.

    `titles` are the page's headline as written (repeats.headline_keys): a body block equal to one goes.
    `author` is the byline's name, `date` the publication date, from the metadata (bylines.py). A
    `recorder` is told why each block was dropped.
    """
    if choice.body_id is None:
        return BodyText((), 0, choice.listing, page_chars, len(choice.cards))
    totals, body_id, cards = choice.totals, choice.body_id, choice.cards
    longest_title = max(map(len, titles), default=0)
    blocks, last = choice.blocks, len(choice.blocks) - 1
    keys = normalised_all([block.text for block in blocks])  # for the headline and pull quotes
    kept: list[Block] = []
    kept_keys: list[str] = []  # the kept blocks' keys, for the pull quotes
    kinds = _BodyContainers(choice)
    boxes = kinds.any_inside()  # most bodies: none, and only their blocks with links are judged
    previous: Block | None = None
    for index, block in enumerate(blocks):
        if cards and not cards.isdisjoint(block.path):
            if recorder is not None:
                recorder.dropped(block, "teaser card")
            continue
        following = blocks[index + 1] if index < last else None
        if (boxes or block.link_chars) and _dropped_as_links(block, previous, following, kinds, recorder):
            continue
        previous = block
        text = block.text  # the first tests of both written out: most blocks are neither
        if (len(text) < _MAX_INTERFACE_TEXT_CHARS and _is_interface_text(block)) or (
            text.rstrip().endswith(rules.ELLIPSES) and _is_teaser(block, totals, body_id)
        ):
            if recorder is not None:
                recorder.dropped(block, "interface text" if _is_interface_text(block) else "teaser")
            continue
        if len(text) <= 2 * longest_title and keys[index] in titles:
            if recorder is not None:
                recorder.dropped(block, "the headline again")
            continue
        kept.append(block)
        kept_keys.append(keys[index])
    kept = _drop_copies(recorder, kept, kept_keys)
    kept = _noted(recorder, kept, _drop_lead_notices(kept), "notice in its own box before the first prose")
    kept = _noted(recorder, kept, _drop_lead_in(kept), "lead-in line before the first prose")
    kept = _noted(recorder, kept, drop_author_bio(kept, author), "author bio")
    kept = _noted(
        recorder, kept, drop_byline_lines(kept, body_id, (author, date), is_prose), "byline or date line"
    )
    kept = _noted(recorder, kept, _drop_lead_out(kept, totals), "label after the last prose")
    kept = _noted(recorder, kept, _drop_orphan_headings(kept), "orphan heading")
    prose = sum([block.chars for block in kept if is_prose(block)])
    return BodyText(tuple(kept), prose, choice.listing, page_chars, len(choice.cards))


def _drop_copies(recorder: Recorder | None, blocks: list[Block], keys: list[str]) -> list[Block]:
    """Captions, repeats and pull quotes dropped from the blocks; `keys`: their normalised texts."""
    kept = _noted(recorder, blocks, _drop_captions(blocks), "caption")
    kept = _noted(recorder, kept, drop_repeats(kept), "repeated (a later copy kept)")
    if kept is not blocks:  # a caption or a repeat dropped (most bodies: neither, the same list)
        key_of = {id(block): key for block, key in zip(blocks, keys, strict=True)}
        keys = [key_of[id(block)] for block in kept]
    return _noted(
        recorder, kept, drop_pull_quotes(kept, keys), "pull quote (its words stand in another block)"
    )


def _noted(recorder: Recorder | None, before: list[Block], after: list[Block], reason: str) -> list[Block]:
    """`after`; a recorder is told of each block of `before` no longer in it."""
    if recorder is not None and len(after) < len(before):
        remaining = {id(block) for block in after}
        for block in before:
            if id(block) not in remaining:
                recorder.dropped(block, reason)
    return after


def _dropped_as_links(
    block: Block,
    previous: Block | None,
    following: Block | None,
    containers: _BodyContainers,
    recorder: Recorder | None = None,
) -> bool:
    """A block of a headline list or rail inside the body, or a link-dense line, unless a sentence before
    it announced it. A section heading that is a link (a table of contents' anchor, a linked product
    name) stays when unlinked text follows it (prose, a list, a table): it heads body text, not a list of
    links. (A linked headline of another article boxed inside the body is dropped by its container, when
    it holds MIN_CONTAINER_CHARS.)"""
    heads_text = block.kind is _HEADING and _is_unlinked_text(following)
    container = _boilerplate_container(block, containers)
    # A heading of text, or a sentence of links (_is_linked_sentence), is judged as a block in its own box.
    own_box = container == block.path[-1]
    if container is not None and not (own_box and (heads_text or _is_linked_sentence(block))):
        announced = containers.announced
        if container not in announced:
            announced[container] = _introduces_list(previous) or _announces_own_list(container, containers)
        if not announced[container] and recorder is not None:
            recorder.dropped(block, "link-dense list or rail", container)
        return not announced[container]
    dropped = (
        block.link_chars > 0  # most blocks: no link
        and block.link_density > rules.MAX_CONTAINER_LINK_DENSITY
        and block.chars - block.link_chars < rules.MIN_OWN_CHARS_OF_LINKED_BLOCK
        and not heads_text
        and not _is_linked_sentence(block)
        and not block.quoted  # a quoted post's signature line ("— Name (@name) <a>date</a>")
        and not _introduces_list(previous)
    )
    if dropped and recorder is not None:
        recorder.dropped(block, "link-dense block")
    return dropped


def _is_linked_sentence(block: Block) -> bool:
    """A paragraph of the writer's own words around its links, ended as a sentence ("Our reporters followed
    the works in <a>A</a>, <a>B</a> and <a>C</a>."), each link a name, shorter than a headline: a list of
    links has a label's few words of its own, and a paragraph whose links hold whole headlines (hover cards
    repeating a name with its latest stories) is mostly those."""
    return (
        block.kind is _PARAGRAPH
        and block.chars - block.link_chars >= rules.MIN_PROSE_CHARS
        and block.text.rstrip().endswith(rules.FULL_STOPS)
        and max((len(link.text) for link in links_of(block.markup)), default=0)
        <= block.chars - block.link_chars
    )


def _is_unlinked_text(block: Block | None) -> bool:
    """Prose, or a list item or table row mostly free of links: what a section heading heads. (A short
    line, "April 11, 2026", is what an author's linked name heads.)"""
    if block is None:
        return False
    if is_prose(block):
        return True
    return block.kind in _ITEMS and (block.link_density <= rules.MAX_PROSE_LINK_DENSITY)


def _drop_captions(blocks: list[Block]) -> list[Block]:
    """Captions go, unless they carry the page (a gallery told in its captions)."""
    captions = sum(block.chars for block in blocks if block.kind is _CAPTION)
    if not captions:
        return blocks
    prose = sum(block.chars - block.link_chars for block in blocks if is_prose(block))
    if captions >= rules.MAX_CAPTION_SHARE_TO_DROP * prose:
        return blocks
    return [block for block in blocks if block.kind is not _CAPTION]


def _drop_lead_in(blocks: list[Block]) -> list[Block]:
    """Before the first prose: the page's <h1> headline, datelines, bylines, kickers and labels."""
    for index, block in enumerate(blocks):
        if is_prose(block):
            lead_in = [b for b in blocks[:index] if not _is_lead_in_line(b)]
            return lead_in + blocks[index:]
    return blocks


def _drop_lead_notices(blocks: list[Block]) -> list[Block]:
    """Before the article's first paragraph: a notice (affiliate, sponsorship, disclaimer: evidence.is_notice)
    in a box of its own, one that does not hold that paragraph (the page's "we may earn a commission" line
    under the headline). A notice the writer put among the article's paragraphs, in their box, stays."""
    for index, block in enumerate(blocks):
        if is_prose(block) and not is_notice(block):
            lead = [b for b in blocks[:index] if not (is_notice(b) and _own_box(b, block))]
            return lead + blocks[index:]
    return blocks


def _own_box(block: Block, paragraph: Block) -> bool:
    """`block` stands in a container that does not hold `paragraph`."""
    return len(block.path) < 2 or block.path[-2] not in paragraph.path


def _drop_lead_out(blocks: list[Block], totals: Mapping[int, Totals]) -> list[Block]:
    """After the last prose: labels and headings that are not sentences ("Newsletter", "Related", a
    site name, player text). Lists, tables, lines of data (see _data_lines) and sentences there stay:
    they may end the article."""
    for index in range(len(blocks) - 1, -1, -1):
        block = blocks[index]
        if is_prose(block) or (len(block.path) > 1 and _data_lines(totals[block.path[-2]])):
            tail = [b for b in blocks[index + 1 :] if not _is_lead_out_line(b)]
            return blocks[: index + 1] + tail
    return blocks


def _is_lead_out_line(block: Block) -> bool:
    """A label; but a quoted post's signature ("— Name (@name) date") ends the post, not the page."""
    return block.kind in _LINES and not is_sentence(block) and not block.quoted


def _is_lead_in_line(block: Block) -> bool:
    if block.kind is _HEADING:
        return block.level == 1
    return block.kind is _PARAGRAPH and block.chars < rules.MIN_PROSE_CHARS


def _drop_orphan_headings(blocks: list[Block]) -> list[Block]:
    """A heading with nothing of its own after it titled something that was dropped ("Related")."""
    heading, last = _HEADING, len(blocks) - 1
    orphans = {
        index
        for index in [index for index, block in enumerate(blocks) if block.kind is heading]
        if index == last
        or (blocks[index + 1].kind is heading and blocks[index + 1].level <= blocks[index].level)
    }
    if not orphans:
        return blocks  # most bodies: every heading heads text
    return [block for index, block in enumerate(blocks) if index not in orphans]
