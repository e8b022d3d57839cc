# cython: language_level=3, boundscheck=False, wraparound=False, initializedcheck=False
"""The metadata's two searches of the whole tree (_page.py), compiled into one walk: the elements of
rules.PAGE_NODES_SELECTOR and whether any element bears one of rules.AUTHOR_MARKS (optional; _page.py's
Lexbor queries are the reference and the fallback, tests/extract/test_compiled_page.py holds them to each
other).

Written by hand: Lexbor tests every element against every compound selector of a list, and the marks'
`[class*="author" i]` reads every class attribute four times, 0.17 ms a mean page for the marks and 0.08
for the page's elements; here one walk reads each element's tag number and attributes once.

`bind` takes the two selector lists and understands only what they are made of: compounds of a type
selector and attribute conditions (`[name]`, `[name="value"]`, `[name*="value"]`, each maybe with ` i`),
refusing anything else (ValueError). What Lexbor's matching depends on beyond the selector's text is
learned from Lexbor itself on probe documents, never written here: the numbers of the tags and attribute
names, and which conditions it compares case-blind on HTML elements (HTML's list of such attributes:
`type`, `rel` ...) and on SVG or MathML ones.

The structs are those of selectolax SELECTOLAX_VERSION and its Lexbor (as _cwalk.pyx reads them; _page.py
runs this walk only with that selectolax installed), and Lexbor's hash entry of a page's own attribute name
(lexbor/core/hash.h), which bind checks on a probe.
"""

import re

from libc.stdint cimport uintptr_t
from libc.stdlib cimport free, malloc
from libc.string cimport memcmp

cdef extern from *:
    int __builtin_ctz(unsigned int x) nogil

SELECTOLAX_VERSION = "1.0.2"

cdef extern from *:
    """
    typedef struct scraper_page_node scraper_page_node;
    struct scraper_page_node {
        void *events;
        uintptr_t local_name;          /* the tag's number, or an attribute name's */
        uintptr_t prefix;
        uintptr_t ns;                  /* the namespace's number */
        void *owner_document;
        scraper_page_node *next;
        scraper_page_node *prev;
        scraper_page_node *parent;
        scraper_page_node *first_child;
        scraper_page_node *last_child;
        void *user;
        int type;
    };
    typedef struct {
        unsigned char *data;
        size_t length;
    } scraper_page_str;
    typedef struct scraper_page_attr scraper_page_attr;
    struct scraper_page_attr {
        scraper_page_node node;
        uintptr_t upper_name;
        uintptr_t qualified_name;
        scraper_page_str *value;
        void *owner;
        scraper_page_attr *next;
        scraper_page_attr *prev;
    };
    typedef struct {
        scraper_page_node node;
        uintptr_t upper_name;
        uintptr_t qualified_name;
        scraper_page_str *is_value;
        scraper_page_attr *first_attr;
    } scraper_page_element;
    typedef struct {                   /* lexbor_hash_entry_t: a page's own attribute name */
        union { unsigned char *long_str; unsigned char short_str[17]; } u;
        size_t length;
        void *next;
    } scraper_page_name;
    typedef struct {
        PyObject_HEAD
        void *vtab;
        scraper_page_node *node;
        PyObject *parser;
        int is_fragment_root;
        int is_template_content;
    } scraper_page_node_object;
    """
    ctypedef struct scraper_page_node:
        uintptr_t local_name
        uintptr_t ns
        scraper_page_node *next
        scraper_page_node *parent
        scraper_page_node *first_child
        int type

    ctypedef struct scraper_page_str:
        unsigned char *data
        size_t length

    ctypedef struct scraper_page_attr:
        scraper_page_node node
        scraper_page_str *value
        scraper_page_attr *next

    ctypedef struct scraper_page_element:
        scraper_page_attr *first_attr

    ctypedef union scraper_page_name_letters:
        unsigned char *long_str
        unsigned char short_str[17]

    ctypedef struct scraper_page_name:
        scraper_page_name_letters u
        size_t length

    ctypedef class selectolax.lexbor.LexborNode [object scraper_page_node_object, check_size error]:
        cdef scraper_page_node *node
        cdef object parser

cdef enum:
    ELEMENT_NODE = 1  # LXB_DOM_NODE_TYPE_ELEMENT
    EXISTS = 0
    EQUALS = 1
    CONTAINS = 2
    # Lexbor numbers the names of its own tables from 1 to a few hundred, a page's own names by the address
    # of their entry: never within the first page of memory (bind checks both on its probes).
    FIXED_NAMES_BELOW = 4096
    SHORT_NAME_CHARS = 16  # LEXBOR_HASH_SHORT_SIZE: longer names are kept out of the entry
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


cdef struct Selectors:
    Compound *compounds
    int count
    Condition *conditions


cdef Selectors _page, _marks
# The marks' conditions (at most MAX_MARKS, one a compound, on any element) by the byte that may start a
# value they find within (both cases where compared case-blind): a bit per condition.
cdef unsigned int _CONTAINED_FROM[256]
cdef uintptr_t _HTML_NAMESPACE = 0
cdef list _kept = []  # the bytes the conditions point into

_COMPOUND_RE = re.compile(r"([a-z][a-z0-9]*)?((?:\[[^\]]*\])*)")
_CONDITION_RE = re.compile(r'\[([a-z][a-z0-9-]*)(?:(\*?=)"([^"\\]+)"( i)?)?\]')


def bind(str page_selector, str marks_selector):
    """Take the selector lists of the page's elements and of the author marks (_page.py, at import)."""
    global _HTML_NAMESPACE
    from selectolax.lexbor import LexborHTMLParser

    _HTML_NAMESPACE = (<LexborNode> LexborHTMLParser("<p></p>").css_first("p")).node.ns
    _kept.clear()
    _fill(&_page, page_selector)
    _fill(&_marks, marks_selector)
    _index_marks()


cdef int _index_marks() except -1:
    """Check that each mark is one condition on any element, and index their first bytes."""
    cdef int index
    cdef const Condition *condition
    if _marks.count > MAX_MARKS:
        raise ValueError(f"at most {MAX_MARKS} marks")
    for index in range(256):
        _CONTAINED_FROM[index] = 0
    for index in range(_marks.count):
        if _marks.compounds[index].tag != 0 or _marks.compounds[index].count != 1:
            raise ValueError("each mark must be one attribute condition, on any element")
        condition = &_marks.conditions[_marks.compounds[index].first]
        if condition.operation == CONTAINS:
            first = condition.value[0]
            _CONTAINED_FROM[first] |= 1u << index
            if condition.folded_html or condition.folded_foreign:
                _CONTAINED_FROM[ord(chr(first).upper())] |= 1u << index
    return 0


cdef int _fill(Selectors *selectors, str selector_list) except -1:
    parsed = [_parsed(part.strip()) for part in selector_list.split(",")]
    free(selectors.compounds)
    free(selectors.conditions)
    selectors.count = len(parsed)
    selectors.compounds = <Compound *> malloc(len(parsed) * sizeof(Compound))
    conditions = [condition for _, _, found in parsed for condition in found]
    selectors.conditions = <Condition *> malloc(max(1, len(conditions)) * sizeof(Condition))
    if selectors.compounds == NULL or selectors.conditions == NULL:
        raise MemoryError()
    cdef int index = 0, at = 0
    for compound, tag, found in parsed:
        selectors.compounds[index] = Compound(_tag_number(tag) if tag else 0, at, len(found))
        for name, operation, value, blind in found:
            selectors.conditions[at] = _condition(compound, name, operation, value, blind)
            at += 1
        index += 1
    return 0


def _parsed(str compound):
    """A compound selector as (its text, its tag or None, its conditions), else ValueError."""
    match = _COMPOUND_RE.fullmatch(compound)
    if match is None or not compound:
        raise ValueError(f"not a compound of a tag and attribute conditions: {compound!r}")
    conditions = []
    for text in re.findall(r"\[[^\]]*\]", match[2]):
        condition = _CONDITION_RE.fullmatch(text)
        if condition is None:
            raise ValueError(f"not an attribute condition this walk reads: {text!r}")
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
    """Whether Lexbor matches the condition on the value in other case, in an HTML element (`inside` "")
    or an SVG or MathML one (`inside` "<svg>", "<math>")."""
    from selectolax.lexbor import LexborHTMLParser

    if operation == EXISTS:
        return False
    tag = _COMPOUND_RE.fullmatch(compound)[1] or "x-probe"
    tree = LexborHTMLParser(f'<body>{inside}<{tag} {name}="{value.swapcase()}"></{tag}></body>')
    cdef LexborNode probe = tree.body.css_first(tag)
    if (probe.node.ns == _HTML_NAMESPACE) != (not inside):
        raise ValueError(f"a {tag} cannot be probed {inside or 'in HTML'}")
    return tree.body.css_first(f'{tag}[{name}{"=" if operation == EQUALS else "*="}"{value}"]') is not None


cdef uintptr_t _probed(str html, str tag, str attribute) except? 0:
    """The number of a probe's first `tag` element, or of its only attribute, named `attribute` (a page's
    own name is the address of its entry in the document's table: read back while the probe lives)."""
    from selectolax.lexbor import LexborHTMLParser

    tree = LexborHTMLParser(html)
    cdef LexborNode node = tree.css_first(tag)
    if node is None:
        raise ValueError(f"no {tag} in the probe")
    if not attribute:
        return node.node.local_name
    cdef scraper_page_attr *found = (<scraper_page_element *> node.node).first_attr
    if found == NULL:
        raise ValueError(f"no attribute in the probe {html!r}")
    letters = attribute.encode("ascii")
    cdef uintptr_t number = found.node.local_name
    if number >= FIXED_NAMES_BELOW and not _letters_are(<scraper_page_name *> number, letters, len(letters)):
        raise ValueError(f"the entry of {attribute} does not spell it")
    return number


cdef uintptr_t _tag_number(str tag) except? 0:
    """A tag of Lexbor's own table: the same number in two documents (a page's own tags are not read)."""
    html = f"<body><{tag}></{tag}></body>"
    number = _probed(html, tag, "")
    if number != _probed(html, tag, "") or number >= FIXED_NAMES_BELOW:
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


cdef inline bint _letters_are(scraper_page_name *entry, const unsigned char *name, size_t length) noexcept:
    cdef const unsigned char *letters = entry.u.long_str
    if entry.length <= SHORT_NAME_CHARS:
        letters = &entry.u.short_str[0]
    return entry.length == length and memcmp(letters, name, length) == 0


cdef inline unsigned char _lower(unsigned char letter) noexcept nogil:
    return letter + 32 if 65 <= letter <= 90 else letter


cdef bint _value_holds(const Condition *condition, scraper_page_str *value, bint folded) noexcept:
    cdef size_t length = value.length if value != NULL else 0, start, index
    cdef const unsigned char *data
    if condition.operation == EXISTS:
        return True
    if length < condition.value_length or (condition.operation == EQUALS and length != condition.value_length):
        return False
    data = value.data
    for start in range(length - condition.value_length + 1):
        for index in range(condition.value_length):
            if (_lower(data[start + index]) if folded else data[start + index]) != condition.value[index]:
                break
        else:
            return True
    return False


cdef bint _named(const Condition *condition, scraper_page_attr *attribute) noexcept:
    cdef uintptr_t number = attribute.node.local_name
    if condition.name != 0:
        return number == condition.name
    return number >= FIXED_NAMES_BELOW and _letters_are(
        <scraper_page_name *> number, condition.letters, condition.letters_length
    )


cdef bint _matches(const Selectors *selectors, scraper_page_node *node) noexcept:
    """Whether the element matches any compound of the list."""
    cdef int index, at
    cdef const Compound *compound
    cdef const Condition *condition
    cdef scraper_page_attr *attribute
    cdef bint html = node.ns == _HTML_NAMESPACE, held
    for index in range(selectors.count):
        compound = &selectors.compounds[index]
        if compound.tag != 0 and compound.tag != node.local_name:
            continue
        held = True
        for at in range(compound.first, compound.first + compound.count):
            condition = &selectors.conditions[at]
            held = False
            attribute = (<scraper_page_element *> node).first_attr
            while attribute != NULL:
                if _named(condition, attribute):  # an element holds a name once: this one decides
                    held = _value_holds(
                        condition, attribute.value, condition.folded_html if html else condition.folded_foreign
                    )
                    break
                attribute = attribute.next
            if not held:
                break
        if held:
            return True
    return False


def page_elements(LexborNode root):
    """`root` and the elements under it that the page selector matches, in document order (as
    `tree.css(PAGE_NODES_SELECTOR)`)."""
    cdef scraper_page_node *start = root.node
    cdef scraper_page_node *node = start
    cdef LexborNode found
    elements = []
    while node != NULL:
        if node.type == ELEMENT_NODE:
            if _matches(&_page, node):
                found = LexborNode.__new__(LexborNode)
                found.node = node
                found.parser = root.parser
                elements.append(found)
        if node.first_child != NULL:
            node = node.first_child
            continue
        while node != start and node.next == NULL:
            node = node.parent
        if node == start:
            break
        node = node.next
    return elements


cdef bint _holds_at(const Condition *condition, const unsigned char *data, bint folded) noexcept:
    """Whether the condition's value is spelled from `data` on."""
    cdef size_t index
    for index in range(condition.value_length):
        if (_lower(data[index]) if folded else data[index]) != condition.value[index]:
            return False
    return True


cdef bint _bears_mark(scraper_page_node *node) noexcept:
    """Whether the element matches a mark: each attribute read once, a value searched once for all the
    marks that look within it."""
    cdef scraper_page_attr *attribute = (<scraper_page_element *> node).first_attr
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
    cdef scraper_page_node *start = root.node
    cdef scraper_page_node *node = start
    while node != NULL:
        if node.type == ELEMENT_NODE and _bears_mark(node):
            return True
        if node.first_child != NULL:
            node = node.first_child
            continue
        while node != start and node.next == NULL:
            node = node.parent
        if node == start:
            break
        node = node.next
    return False
