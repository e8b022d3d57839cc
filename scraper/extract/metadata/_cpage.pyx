# cython: language_level=3, boundscheck=False, wraparound=False, initializedcheck=False
"""The metadata's searches of the whole tree (_page.py), compiled: the elements of
rules.PAGE_NODES_SELECTOR, whether any element bears one of rules.AUTHOR_MARKS, the first elements of
each author and date selector, and the page-type counts (optional; _page.py's Lexbor queries and
pagetype.py's loop over them are the reference and the fallback, tests/extract/test_compiled_page.py and
test_compiled_markup.py hold them to each other).

Written by hand: Lexbor tests every element against every compound selector of a list (the marks: 0.17 ms
a mean page; the page's elements 0.08; a broad author or date selector up to 0.3) and collects every match
where a reader takes one to three. Here a walk reads each element's tag and attributes in C, and stops at
the matches asked for. A descendant selector of two compounds ("time" inside ".byline") is matched along
the walk, by the outermost open ancestor that matches its first compound, not by walking up from each
element (the links inside bylines took a third of a millisecond on each page searched for them, now a
twentieth); an element's classes are read once for all class conditions. The page-type counts took two
walks (the query, the links) and a dict of attributes built for each of the query's elements (most of them
buttons and inputs): here one walk counts them, and hands Python only the few it reads further (<time>s,
<dialog>s, microdata).

`bind` takes the selector lists and understands only what they are made of: compound selectors of a type
selector, classes and attribute conditions (`[name]`, `[name="value"]`, `[name*="value"]`, each maybe with
` i`) joined by descendant combinators, refusing anything else (ValueError). What Lexbor's matching
depends on beyond the selectors' text is learned from Lexbor itself on probe documents, never written here:
the numbers of the tags and attribute names, which conditions it compares case-blind on HTML elements
(HTML's list of such attributes: `type`, `rel` ...) and on SVG or MathML ones, and the compatibility mode
in which class names are compared case-blind (quirks). As in Lexbor's results, an element comes once for
each selector of a list it matches.

The structs (_lexbor.pxd) are those of selectolax SELECTOLAX_VERSION and its Lexbor (_page.py runs these
walks only with that selectolax installed), with the document's compatibility mode and Lexbor's hash entry
of a page's own attribute name, which bind checks on probes.
"""

import re

from libc.stdint cimport uintptr_t
from libc.stdlib cimport free, malloc
from libc.string cimport memcmp

from .._lexbor cimport (
    SCRAPER_SELECTOLAX_VERSION, LexborNode, scraper_lxb_attr, scraper_lxb_document, scraper_lxb_element,
    name_spells, node_of, scraper_lxb_name, scraper_lxb_node, scraper_lxb_str, following,
)

SELECTOLAX_VERSION = SCRAPER_SELECTOLAX_VERSION.decode("ascii")

cdef extern from *:
    int __builtin_ctz(unsigned int x) nogil
    const Py_ssize_t PY_SSIZE_T_MAX

cdef enum:
    ELEMENT_NODE = 1  # LXB_DOM_NODE_TYPE_ELEMENT
    EXISTS = 0
    EQUALS = 1
    CONTAINS = 2
    CLASS = 3  # a class selector: one of the class attribute's words, case-blind in a quirks-mode document
    # Lexbor numbers the names of its own tables from 1 to a few hundred, a page's own names by the address
    # of their entry: never within the first page of memory (bind checks both on its probes).
    FIXED_NAMES_BELOW = 4096
    MAX_MARKS = 32  # a bit each in an unsigned int


cdef struct Condition:
    uintptr_t name  # the attribute name's number, or 0 for a page's own name, told by its letters
    const unsigned char *letters
    size_t letters_length
    int operation
    bint folded_html  # compared case-blind (ASCII) on an HTML element
    bint folded_foreign  # and on an SVG or MathML one
    const unsigned char *value  # lower-cased where compared case-blind
    size_t value_length

cdef struct Compound:
    uintptr_t tag  # the tag's number, 0 for any element
    int first
    int count

cdef struct Complex:  # compounds joined by descendant combinators, the subject's last
    int first
    int count

cdef struct Selectors:
    Complex *complexes
    int count
    Compound *compounds
    Condition *conditions

cdef Selectors _page, _marks
# The queries bound besides (the author and date selectors), by their place in bind's tuple.
cdef Selectors *_queries = NULL
cdef int _query_count = 0
cdef int _QUIRKS = -1  # the compatibility mode of a quirks-mode document
# The marks' conditions (at most MAX_MARKS, one a compound, on any element) by the byte that may start a
# value they find within (both cases where compared case-blind): a bit per condition.
cdef unsigned int _CONTAINED_FROM[256]
cdef uintptr_t _HTML_NAMESPACE = 0
cdef list _kept = []  # the bytes the conditions point into
# What markup_tally tells apart (pagetype.markup_counts's loop, compiled): the tags it counts, by their
# numbers, and the attributes it reads, [type], [itemprop] and [itemtype] in that order.
cdef uintptr_t _CODE = 0, _PRE = 0, _TIME = 0, _INPUT = 0, _BUTTON = 0, _DIALOG = 0
cdef Selectors _read

_COMPOUND_RE = re.compile(r"([a-z][a-z0-9]*)?((?:\.[A-Za-z0-9_-]+|\[[^\]]*\])*)")
_COMBINATOR_RE = re.compile(r"\s+(?![^\[]*\])")  # white space outside brackets: a descendant combinator
_PART_RE = re.compile(r"\.([A-Za-z0-9_-]+)|(\[[^\]]*\])")
# The white space that separates the words of a class attribute (HTML's ASCII white space).
cdef bint _SPACE[256]
for _byte in (0x20, 0x09, 0x0A, 0x0C, 0x0D):  # space, tab, line feed, form feed, carriage return
    _SPACE[_byte] = True
_CONDITION_RE = re.compile(r'\[([a-z][a-z0-9-]*)(?:(\*?=)"([^"\\]+)"( i)?)?\]')


def bind(str page_selector, str marks_selector, tuple queries=()):
    """Take the selector lists of the page's elements, of the author marks and of the `queries` that
    `first_matches` answers by their place (_page.py, at import)."""
    global _HTML_NAMESPACE, _queries, _query_count
    from selectolax.lexbor import LexborHTMLParser

    cdef int index
    for index in range(_query_count):  # nothing points into the bytes kept before
        _empty(&_queries[index])
    free(_queries)
    _queries, _query_count = NULL, 0
    _empty(&_page)
    _empty(&_marks)
    _empty(&_read)
    _kept.clear()
    _HTML_NAMESPACE = (<LexborNode> LexborHTMLParser("<p></p>").css_first("p")).node.ns
    _learn_quirks()
    _fill(&_page, page_selector)
    _fill(&_marks, marks_selector)
    _index_marks()
    _learn_tally()
    _queries = <Selectors *> malloc(max(1, len(queries)) * sizeof(Selectors))
    if _queries == NULL:
        raise MemoryError()
    for index in range(len(queries)):
        _queries[index] = Selectors(NULL, 0, NULL, NULL)
        _query_count = index + 1
        _fill(&_queries[index], queries[index])


cdef int _learn_quirks() except -1:
    """The compatibility mode of a quirks-mode document, and that Lexbor matches class selectors case-blind
    there only, on HTML and foreign elements alike."""
    global _QUIRKS
    from selectolax.lexbor import LexborHTMLParser

    cdef LexborNode probe
    modes = []
    for doctype in ("", "<!doctype html>"):
        for inside in ("", "<svg>"):
            tree = LexborHTMLParser(f'{doctype}<body>{inside}<a class="x Probe"></a></body>')
            probe = tree.css_first("a.Probe")
            modes.append((tree.css_first("a.probe") is not None, (<scraper_lxb_document *> probe.node.owner_document).compat_mode))
    if [folded for folded, _ in modes] != [True, True, False, False]:
        raise ValueError(f"Lexbor matches class selectors case-blind otherwise: {modes}")
    quirks, standard = modes[0][1], modes[2][1]
    if quirks == standard:
        raise ValueError("the documents' compatibility modes do not read apart")
    _QUIRKS = quirks
    return 0


cdef int _learn_tally() except -1:
    global _CODE, _PRE, _TIME, _INPUT, _BUTTON, _DIALOG
    _CODE, _PRE, _TIME = _tag_number("code"), _tag_number("pre"), _tag_number("time")
    _INPUT, _BUTTON, _DIALOG = _tag_number("input"), _tag_number("button"), _tag_number("dialog")
    _fill(&_read, "[type], [itemprop], [itemtype]")
    return 0


cdef void _empty(Selectors *selectors) noexcept:
    free(selectors.complexes)
    free(selectors.compounds)
    free(selectors.conditions)
    selectors.complexes, selectors.compounds, selectors.conditions, selectors.count = NULL, NULL, NULL, 0


cdef int _index_marks() except -1:
    """Check that each mark is one condition on any element, and index their first bytes."""
    cdef int index
    cdef const Condition *condition
    if _marks.count > MAX_MARKS:
        raise ValueError(f"at most {MAX_MARKS} marks")
    for index in range(256):
        _CONTAINED_FROM[index] = 0
    for index in range(_marks.count):
        if _marks.complexes[index].count != 1 or _marks.compounds[index].tag != 0 or (
            _marks.compounds[index].count != 1 or _marks.conditions[index].operation == CLASS
        ):
            raise ValueError("each mark must be one attribute condition, on any element")
        condition = &_marks.conditions[index]
        if condition.operation == CONTAINS:
            first = condition.value[0]
            _CONTAINED_FROM[first] |= 1u << index
            if condition.folded_html or condition.folded_foreign:
                _CONTAINED_FROM[ord(chr(first).upper())] |= 1u << index
    return 0


cdef int _fill(Selectors *selectors, str selector_list) except -1:
    complexes = [
        [_parsed(compound) for compound in _COMBINATOR_RE.split(part.strip())] for part in selector_list.split(",")
    ]
    compounds = [compound for found in complexes for compound in found]
    conditions = [condition for _, _, found in compounds for condition in found]
    if not all(complexes):
        raise ValueError(f"not a selector list: {selector_list!r}")
    _empty(selectors)
    selectors.complexes = <Complex *> malloc(len(complexes) * sizeof(Complex))
    selectors.compounds = <Compound *> malloc(len(compounds) * sizeof(Compound))
    selectors.conditions = <Condition *> malloc(max(1, len(conditions)) * sizeof(Condition))
    if selectors.complexes == NULL or selectors.compounds == NULL or selectors.conditions == NULL:
        raise MemoryError()
    cdef int index = 0, compound_at = 0, at = 0
    for found_compounds in complexes:
        selectors.complexes[index] = Complex(compound_at, len(found_compounds))
        index += 1
        for compound, tag, found in found_compounds:
            selectors.compounds[compound_at] = Compound(_tag_number(tag) if tag else 0, at, len(found))
            compound_at += 1
            for name, operation, value, blind in found:
                selectors.conditions[at] = _condition(compound, name, operation, value, blind)
                at += 1
    selectors.count = len(complexes)
    return 0


def _parsed(str compound):
    """A compound selector as (its text, its tag or None, its conditions), else ValueError."""
    match = _COMPOUND_RE.fullmatch(compound)
    if match is None or not compound:
        raise ValueError(f"not a compound of a tag, classes and attribute conditions: {compound!r}")
    conditions = []
    for part in _PART_RE.finditer(match[2]):
        if part[1] is not None:
            conditions.append(("class", CLASS, part[1], False))
            continue
        condition = _CONDITION_RE.fullmatch(part[2])
        if condition is None:
            raise ValueError(f"not an attribute condition this walk reads: {part[2]!r}")
        name, operator, value, blind = condition.groups()
        operation = EXISTS if operator is None else (EQUALS if operator == "=" else CONTAINS)
        conditions.append((name, operation, value or "", blind is not None))
    return compound, match[1], conditions


cdef Condition _condition(str compound, str name, int operation, str value, bint blind) except *:
    cdef Condition condition
    letters = name.encode("ascii")
    _kept.append(letters)
    condition.name = _name_number(name)
    condition.letters, condition.letters_length = letters, len(letters)
    condition.operation = operation
    if operation == CLASS:  # folded by the document's mode (_learn_quirks)
        condition.folded_html = condition.folded_foreign = False
        encoded = value.encode()
        _kept.append(encoded)
        condition.value, condition.value_length = encoded, len(encoded)
        return condition
    condition.folded_html = blind or _folded(compound, name, value, operation, "")
    condition.folded_foreign = blind or _folded(compound, name, value, operation, "<svg>")
    if condition.folded_foreign != (blind or _folded(compound, name, value, operation, "<math>")):
        raise ValueError(f"Lexbor compares {name} unlike in SVG and in MathML")
    folded = condition.folded_html or condition.folded_foreign
    if folded and (not value.isascii() or (value != value.lower() and not blind)):
        raise ValueError(f"a value compared case-blind must be ASCII, in lower case unless ` i`: {value!r}")
    encoded = (value.lower() if folded else value).encode()
    _kept.append(encoded)
    condition.value, condition.value_length = encoded, len(encoded)
    return condition


def _folded(str compound, str name, str value, int operation, str inside):
    """Whether Lexbor matches the condition on the value in other case, in HTML (`inside` "") or not."""
    from selectolax.lexbor import LexborHTMLParser

    cdef LexborNode probe
    if operation == EXISTS:
        return False
    tag = _COMPOUND_RE.fullmatch(compound)[1] or "x-probe"
    found = set()
    for doctype in ("", "<!doctype html>"):  # attribute selectors read no compatibility mode
        tree = LexborHTMLParser(f'{doctype}<body>{inside}<{tag} {name}="{value.swapcase()}"></{tag}></body>')
        probe = tree.body.css_first(tag)
        if (probe.node.ns == _HTML_NAMESPACE) != (not inside):
            raise ValueError(f"a {tag} cannot be probed {inside or 'in HTML'}")
        found.add(tree.body.css_first(f'{tag}[{name}{"=" if operation == EQUALS else "*="}"{value}"]') is not None)
    if len(found) != 1:
        raise ValueError(f"Lexbor compares {name} by the document's mode")
    return found.pop()


cdef uintptr_t _probed(str html, str tag, str attribute) except? 0:
    """The number of a probe's first `tag`, or of its only attribute, `attribute` (a page's own name is its
    entry's address in the document's table: read back while the probe lives)."""
    from selectolax.lexbor import LexborHTMLParser

    tree = LexborHTMLParser(html)
    cdef LexborNode node = tree.css_first(tag)
    if node is None:
        raise ValueError(f"no {tag} in the probe")
    if not attribute:
        return node.node.local_name
    cdef scraper_lxb_attr *found = (<scraper_lxb_element *> node.node).first_attr
    if found == NULL:
        raise ValueError(f"no attribute in the probe {html!r}")
    letters = attribute.encode("ascii")
    cdef uintptr_t number = found.node.local_name
    if number >= FIXED_NAMES_BELOW and not name_spells(<scraper_lxb_name *> number, letters, len(letters)):
        raise ValueError(f"the entry of {attribute} does not spell it")
    return number


cdef uintptr_t _tag_number(str tag) except? 0:
    """A tag of Lexbor's own table: the same number in two documents (a page's own tags are not read)."""
    number = _probed(f"<body><{tag}></{tag}></body>", tag, "")
    if number != _probed(f"<body><{tag}></{tag}></body>", tag, "") or number >= FIXED_NAMES_BELOW:
        raise ValueError(f"{tag} is not one of Lexbor's tags")
    return number


cdef uintptr_t _name_number(str name) except? 0:
    """An attribute name's number in Lexbor's own table (the same in two documents), or 0 for a name each
    page numbers anew, read by its letters."""
    html = f'<body><b {name}="x"></b></body>'
    first, second = _probed(html, "b", name), _probed(html, "b", name)
    if first == second and first < FIXED_NAMES_BELOW:
        return first
    if first < FIXED_NAMES_BELOW or second < FIXED_NAMES_BELOW:
        raise ValueError(f"the number of {name} is neither Lexbor's nor an entry's")
    return 0


cdef inline unsigned char _lower(unsigned char letter) noexcept nogil:
    return letter + 32 if 65 <= letter <= 90 else letter


cdef bint _value_holds(const Condition *condition, scraper_lxb_str *value, bint folded) noexcept:
    cdef size_t length = value.length if value != NULL else 0, start
    if condition.operation == EXISTS:
        return True
    if condition.operation == CLASS:
        return _has_word(condition, value.data, length, folded) if value != NULL else False
    if length < condition.value_length or (condition.operation == EQUALS and length != condition.value_length):
        return False
    for start in range(length - condition.value_length + 1):
        if _holds_at(condition, value.data + start, folded):
            return True
    return False


cdef inline bint _next_word(const unsigned char *data, size_t length, size_t *start, size_t *end) noexcept:
    """The bounds of the next word of a class value at or after `start[0]`; False past the last."""
    cdef size_t at = start[0]
    while at < length and _SPACE[data[at]]:
        at += 1
    if at >= length:
        return False
    start[0] = at
    while at < length and not _SPACE[data[at]]:
        at += 1
    end[0] = at
    return True


cdef bint _has_word(const Condition *condition, const unsigned char *data, size_t length, bint folded) noexcept:
    """Whether the condition's class is one of the words of the value."""
    cdef size_t start = 0, end
    while _next_word(data, length, &start, &end):
        if end - start == condition.value_length and _holds_at(condition, data + start, folded):
            return True
        start = end
    return False


cdef bint _named(const Condition *condition, scraper_lxb_attr *attribute) noexcept:
    cdef uintptr_t number = attribute.node.local_name
    if condition.name != 0:
        return number == condition.name
    return number >= FIXED_NAMES_BELOW and name_spells(
        <scraper_lxb_name *> number, condition.letters, condition.letters_length
    )


# An element's class attribute, found once for all the class conditions tested on it, and which lengths
# and (lower-cased) first bytes its words have, a bit each: a class whose length or first byte no word has
# is not looked for among them (most are not).
cdef struct Classes:
    bint read
    scraper_lxb_attr *attribute
    unsigned long long lengths
    unsigned long long firsts


cdef inline unsigned long long _bit(size_t index) noexcept nogil:
    return 1ULL << (index if index < 63 else 63)


cdef void _read_classes(const Condition *condition, scraper_lxb_node *node, Classes *classes) noexcept:
    cdef scraper_lxb_attr *attribute = (<scraper_lxb_element *> node).first_attr
    cdef const unsigned char *data
    cdef size_t length, start = 0, end
    classes.read, classes.attribute, classes.lengths, classes.firsts = True, NULL, 0, 0
    while attribute != NULL:
        if _named(condition, attribute):  # an element holds a name once: this one decides
            classes.attribute = attribute
            break
        attribute = attribute.next
    if attribute == NULL or attribute.value == NULL:
        return
    data, length = attribute.value.data, attribute.value.length
    while _next_word(data, length, &start, &end):  # the words as _has_word reads them
        classes.lengths |= _bit(end - start)
        classes.firsts |= _bit(_lower(data[start]) & 63)
        start = end


cdef bint _has_class(const Condition *condition, scraper_lxb_node *node, Classes *classes, bint quirks) noexcept:
    if not classes.read:  # every class condition names the attribute "class" (_parsed)
        _read_classes(condition, node, classes)
    if classes.attribute == NULL or classes.attribute.value == NULL:
        return False
    if not (classes.lengths & _bit(condition.value_length)) or not (
        classes.firsts & _bit(_lower(condition.value[0]) & 63)
    ):
        return False
    return _has_word(condition, classes.attribute.value.data, classes.attribute.value.length, quirks)


cdef bint _compound_matches(const Selectors *selectors, const Compound *compound, scraper_lxb_node *node,
                            bint quirks, Classes *classes) noexcept:
    """Whether the element matches the compound; `classes` is the element's, read at the first class
    condition."""
    cdef int at
    cdef const Condition *condition
    cdef scraper_lxb_attr *attribute
    cdef bint html = node.ns == _HTML_NAMESPACE, held = True
    if compound.tag != 0 and compound.tag != node.local_name:
        return False
    for at in range(compound.first, compound.first + compound.count):
        condition = &selectors.conditions[at]
        if condition.operation == CLASS:
            if not _has_class(condition, node, classes, quirks):
                return False
            continue
        held = False
        attribute = (<scraper_lxb_element *> node).first_attr
        while attribute != NULL:
            if _named(condition, attribute):  # an element holds a name once: this one decides
                held = _value_holds(
                    condition, attribute.value, condition.folded_html if html else condition.folded_foreign
                )
                break
            attribute = attribute.next
        if not held:
            return False
    return True


cdef inline bint _element_matches(const Selectors *selectors, const Compound *compound,
                                  scraper_lxb_node *node, bint quirks) noexcept:
    """_compound_matches on an element no other compound read."""
    cdef Classes classes
    classes.read = False
    return _compound_matches(selectors, compound, node, quirks, &classes)


cdef enum:
    # The complex selectors of a list whose ancestor is followed along a walk (Open): more are matched by
    # walking up from each element.
    MAX_OPEN = 64
    NOT_OPEN = -2  # no ancestor of the element walked matches the complex selector's first compound


cdef int _matches(const Selectors *selectors, scraper_lxb_node *node, bint quirks, Py_ssize_t depth=0,
                  Py_ssize_t *open_at=NULL) noexcept:
    """How many complex selectors of the list the element matches (Lexbor's query gives it once for each):
    its subject the element, each compound before it the nearest ancestor that matches it (nearest first:
    what holds for a farther one holds for the nearest, as descendant combinators go).

    Given `open_at` (one for each complex selector, of a walk in document order that visits every element
    and passes the element's `depth` below its root): a selector of two compounds is matched without
    walking up, by the depth of the outermost ancestor that matches its first compound, kept for each
    selector along the walk (an element whose depth is not below it is no longer inside that ancestor)."""
    cdef int index, compound, matched = 0
    cdef const Complex *complex
    cdef scraper_lxb_node *ancestor
    cdef Classes classes
    classes.read = False
    for index in range(selectors.count):
        complex = &selectors.complexes[index]
        compound = complex.first + complex.count - 1
        if open_at != NULL and complex.count == 2:
            if open_at[index] >= depth:
                open_at[index] = NOT_OPEN
            if open_at[index] != NOT_OPEN and _compound_matches(
                selectors, &selectors.compounds[compound], node, quirks, &classes
            ):
                matched += 1
            if open_at[index] == NOT_OPEN and _compound_matches(
                selectors, &selectors.compounds[complex.first], node, quirks, &classes
            ):
                open_at[index] = depth
            continue
        if not _compound_matches(selectors, &selectors.compounds[compound], node, quirks, &classes):
            continue
        ancestor = node.parent
        while compound > complex.first and ancestor != NULL:
            if ancestor.type == ELEMENT_NODE and _element_matches(
                selectors, &selectors.compounds[compound - 1], ancestor, quirks
            ):
                compound -= 1
            ancestor = ancestor.parent
        if compound == complex.first:
            matched += 1
    return matched


cdef inline bint _quirks(scraper_lxb_node *node) noexcept:
    return (<scraper_lxb_document *> node.owner_document).compat_mode == _QUIRKS


cdef list _selected(const Selectors *selectors, LexborNode root, Py_ssize_t limit):
    """`root` and the elements under it that the list matches, in document order, the first `limit` (an
    element once for each complex selector it matches, as in Lexbor's results)."""
    cdef scraper_lxb_node *start = root.node
    cdef scraper_lxb_node *node = start
    cdef scraper_lxb_node *ancestor
    cdef bint quirks = _quirks(start)
    cdef int matched, index
    cdef Py_ssize_t depth = 0  # of the node below `start`
    cdef Py_ssize_t open_at[MAX_OPEN]
    cdef Py_ssize_t *opened = open_at if selectors.count <= MAX_OPEN else NULL
    cdef LexborNode found
    for index in range(selectors.count if opened != NULL else 0):
        open_at[index] = NOT_OPEN  # or above every element walked, where an ancestor of `start` opens it
        if selectors.complexes[index].count != 2:
            continue
        ancestor = start.parent
        while ancestor != NULL and open_at[index] == NOT_OPEN:
            if ancestor.type == ELEMENT_NODE and _element_matches(
                selectors, &selectors.compounds[selectors.complexes[index].first], ancestor, quirks
            ):
                open_at[index] = -1
            ancestor = ancestor.parent
    elements = []
    while node != NULL and len(elements) < limit:
        matched = _matches(selectors, node, quirks, depth, opened) if node.type == ELEMENT_NODE else 0
        if matched:
            found = node_of(node, root.parser)
            while matched and len(elements) < limit:  # once for each selector it matches, as Lexbor's
                elements.append(found)
                matched -= 1
        if node.first_child != NULL:  # following(), keeping the depth
            node = node.first_child
            depth += 1
            continue
        while node != start and node.next == NULL:
            node = node.parent
            depth -= 1
        node = NULL if node == start else node.next
    return elements


def first_matches(LexborNode root, int query, Py_ssize_t limit):
    """The first `limit` elements (in document order, `root` and under it) that the query bound at
    `query` matches: `root.css(query)[:limit]`."""
    if not 0 <= query < _query_count:
        raise IndexError(query)
    return _selected(&_queries[query], root, limit)


def page_elements(LexborNode root):
    """`root` and the elements under it that the page selector matches, in document order (as
    `tree.css(PAGE_NODES_SELECTOR)`)."""
    return _selected(&_page, root, PY_SSIZE_T_MAX)


cdef bint _holds_at(const Condition *condition, const unsigned char *data, bint folded) noexcept:
    """Whether the condition's value is spelled from `data` on."""
    cdef size_t index
    for index in range(condition.value_length):
        if folded:
            if _lower(data[index]) != _lower(condition.value[index]):
                return False
        elif data[index] != condition.value[index]:
            return False
    return True


cdef bint _bears_mark(scraper_lxb_node *node) noexcept:
    """Whether the element matches a mark: each attribute read once, a value searched once for all the
    marks that look within it."""
    cdef scraper_lxb_attr *attribute = (<scraper_lxb_element *> node).first_attr
    cdef bint html = node.ns == _HTML_NAMESPACE
    cdef unsigned int named, contained, candidates
    cdef int index
    cdef size_t start, length
    cdef const Condition *condition
    cdef const unsigned char *data
    while attribute != NULL:
        named = contained = 0
        for index in range(_marks.count):
            condition = &_marks.conditions[index]
            if _named(condition, attribute):
                if condition.operation == CONTAINS:
                    contained |= 1u << index
                elif _value_holds(condition, attribute.value, condition.folded_html if html else condition.folded_foreign):
                    return True
        if contained and attribute.value != NULL:
            data, length = attribute.value.data, attribute.value.length
            for start in range(length):
                candidates = _CONTAINED_FROM[data[start]] & contained
                while candidates:
                    index = __builtin_ctz(candidates)
                    candidates &= candidates - 1
                    condition = &_marks.conditions[index]
                    if condition.value_length <= length - start and _holds_at(
                        condition, data + start, condition.folded_html if html else condition.folded_foreign
                    ):
                        return True
        attribute = attribute.next
    return False


def bears_marks(LexborNode root):
    """Whether `root` or an element under it matches a mark (`tree.any_css_matches((AUTHOR_MARKS,))`)."""
    cdef scraper_lxb_node *start = root.node
    cdef scraper_lxb_node *node = start
    while node != NULL:
        if node.type == ELEMENT_NODE and _bears_mark(node):
            return True
        node = following(node, start)
    return False


cdef scraper_lxb_attr *_plain(scraper_lxb_node *node, int name) noexcept:
    """The element's attribute `_read` names at `name`, as its attributes dict keys it (a foreign content's
    adjusted name, "xlink:type", is another key), else NULL."""
    cdef scraper_lxb_attr *attribute = (<scraper_lxb_element *> node).first_attr
    while attribute != NULL:
        if attribute.qualified_name == 0 and _named(&_read.conditions[name], attribute):
            return attribute
        attribute = attribute.next
    return NULL


cdef bint _spells(scraper_lxb_attr *attribute, const unsigned char *word, size_t length) noexcept:
    """Whether the value, lower-cased, is `word` (lower-case ASCII): no other character than an ASCII
    letter lower-cases to one of its letters (only the Kelvin sign, to "k"), so its bytes tell."""
    cdef size_t index
    if attribute == NULL or attribute.value == NULL or attribute.value.length != length:
        return False
    for index in range(length):
        if _lower(attribute.value.data[index]) != word[index]:
            return False
    return True


def markup_tally(LexborNode root, int kinds, int links, Py_ssize_t max_times):
    """pagetype.markup_counts's walk: (links, code, pre, times, passwords, buttons, the first `max_times`
    <time>s, the <dialog>s, the elements with an itemprop or itemtype) over `root` and the elements under
    it, counting the matches of the query bound at `links` (as `len(root.css(links))`) and the elements
    the query bound at `kinds` matches, each once."""
    if not (0 <= kinds < _query_count and 0 <= links < _query_count):
        raise IndexError((kinds, links))
    cdef const Selectors *counted = &_queries[kinds]
    cdef const Selectors *linking = &_queries[links]
    cdef scraper_lxb_node *start = root.node
    cdef scraper_lxb_node *node = start
    cdef scraper_lxb_attr *kind
    cdef bint quirks = _quirks(start)
    cdef Py_ssize_t linked = 0, code = 0, pre = 0, times = 0, passwords = 0, buttons = 0
    cdef uintptr_t tag
    timed, dialogs, attributed = [], [], []
    while node != NULL:
        if node.type == ELEMENT_NODE:
            linked += _matches(linking, node, quirks)
            if _matches(counted, node, quirks):
                tag = node.local_name
                if tag == _CODE:
                    code += 1
                elif tag == _PRE:
                    pre += 1
                elif tag == _TIME:
                    times += 1
                    if len(timed) < max_times:
                        timed.append(node_of(node, root.parser))
                elif tag == _INPUT:
                    kind = _plain(node, 0)
                    passwords += _spells(kind, b"password", 8)
                    buttons += _spells(kind, b"button", 6)
                elif tag == _BUTTON:
                    buttons += 1
                elif tag == _DIALOG:
                    dialogs.append(node_of(node, root.parser))
                if _plain(node, 1) != NULL or _plain(node, 2) != NULL:
                    attributed.append(node_of(node, root.parser))
        node = following(node, start)
    return linked, code, pre, times, passwords, buttons, timed, dialogs, attributed
