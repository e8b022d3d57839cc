# cython: language_level=3, boundscheck=False, wraparound=False, initializedcheck=False
"""The loop of the block walk (blocks._walk) in C: the same blocks, without a Python object per node.

blocks._walk is the reference: this loop follows it step by step and calls back into it (and the
collector) for its decisions, so no rule is written twice, but two: an element's clutter verdict, asked of
_cclutter.pyx (which holds clutter.py's rules) by the values in its attribute list, and _Collector.entry
for a tag with an entry rule (_ruled_entry), by the rule sets blocks.rules puts its tag in. What runs here
is the bookkeeping of each node: the step to the next node by Lexbor's own pointers, the tag's action by
its number, a text node's text read from Lexbor's buffer, an element without attributes told from its
struct, the stack of open elements. A `LexborNode` is made only for the elements Python judges (clutter
found, entry rules), those Markdown's Structure is told of, and the few tags of a page's own. A block's
flush (_Collector.flush, a Python call per block that cost as much as the rest of the loop) is done here
too (_flush), but for its Markup and marked blocks; so is what blocks._enter and _exit do with a tag (_open,
_close: the path, the kinds, the depths, a <br>'s or cell's part), read from the tag's blocks._Opening once
per tag number.

The structs it reads (_lexbor.pxd) are those of selectolax SELECTOLAX_VERSION and the Lexbor it bundles.
accelerator.py runs this loop only with that selectolax installed; Cython also refuses, at import, a
LexborNode whose size changed.
"""

cimport cython
from cpython.unicode cimport (
    Py_UNICODE_ISPRINTABLE, PyUnicode_DATA, PyUnicode_DecodeUTF8, PyUnicode_KIND, PyUnicode_READ,
)
from libc.stdint cimport uintptr_t
from libc.stdlib cimport free, malloc, realloc
from libc.string cimport memchr, memcpy

from ._cclutter cimport ATTRIBUTES_READ, Attributes, verdict_of_attributes
from ._lexbor cimport (
    SCRAPER_SELECTOLAX_VERSION, LexborNode, name_spells, node_of, scraper_lxb_attr, scraper_lxb_element,
    scraper_lxb_name, scraper_lxb_node, scraper_lxb_str, scraper_lxb_text,
)

SELECTOLAX_VERSION = SCRAPER_SELECTOLAX_VERSION.decode("ascii")

cdef extern from *:
    """
    /* object.__new__(type) and a slot's descriptor's __set__, without the calls through Python: what
       blocks._block does with each (object_new, member_set). */
    static PyObject *scraper_new_instance(PyObject *type, PyObject *no_arguments) {
        return PyBaseObject_Type.tp_new((PyTypeObject *) type, no_arguments, NULL);
    }
    static int scraper_set_slot(PyObject *descriptor, PyObject *owner, PyObject *value) {
        return Py_TYPE(descriptor)->tp_descr_set(descriptor, owner, value);
    }
    """
    object scraper_new_instance(object type, object no_arguments)
    int scraper_set_slot(object descriptor, object owner, object value) except -1

cdef enum:
    WEAK_VERDICT = 1  # clutter.WEAK's value (_cclutter's verdicts are clutter.Clutter's)
    ELEMENT_NODE = 1  # LXB_DOM_NODE_TYPE_ELEMENT
    TEXT_NODE = 3  # LXB_DOM_NODE_TYPE_TEXT
    FIRST_DEPTH = 256  # open elements the stack holds before it grows (it doubles)


# What blocks.py decides with, bound once by bind(): its functions and constants, never copies of them.
cdef object _action_of_node, _verdict_of, _enter, _leave, _ENTER, _SKIP, _WEAK, _NO_CLUTTER
cdef int _TEXT, _IGNORED, _INLINE, _BLOCK, _ANCHOR, _ENTERED, _OTHER
# What _Collector.flush reads (see _flush): the values, the kinds, the Block class and its slots' setters.
cdef object _PLAIN, _PRE, _ROW, _LINE_BREAK, _LIST_LIKE, _NOT_DEFERRED, _anchors_of_run, _BLOCK_TAGS
cdef object _Block, _SET_TEXT, _SET_KIND, _SET_CHARS, _SET_LINK_CHARS, _SET_PATH, _SET_LEVEL
cdef object _SET_DEFERRAL, _SET_QUOTED, _SET_MARKUP
cdef tuple _NO_ARGUMENTS = ()
cdef uintptr_t _FIXED_TAG_IDS = 0
# The action of each fixed tag number (blocks._ACTIONS's tuples, and their first member as a C int).
cdef list _actions_by_id = []
cdef int *_codes_by_id = NULL


cdef enum:  # what _Collector.entry asks of a tag, by the rule sets (blocks.rules) it is in
    SKIPPED_TAG = 1
    FINE_PRINT_TAG = 2
    FURNITURE_TAG = 4
    SECTION_FURNITURE_TAG = 8
    HEADING_TAG = 16


# The entry rules of each fixed tag number of an _OTHER action (its bits above), learned with its action.
cdef unsigned char *_entry_rules_by_id = NULL
cdef object _rules = None  # blocks.rules


cdef struct Opening:  # blocks._Opening's flags and depths, in C: what _open and _close read of a tag
    unsigned char block, structure, anchor, separator  # separator: _Opening.separator is not None
    int pre, caption, sectioning


# The _Opening of each fixed tag number, learned with its action (known where _codes_by_id is >= 0): its
# flags in C, the object itself for its kind and separator.
cdef object _opening_of
cdef Opening *_openings_by_id = NULL
cdef list _opening_objects_by_id = []


def bind(blocks):
    """Take the rules of `blocks` (the Python walk's module)."""
    global _action_of_node, _verdict_of, _enter, _leave, _ENTER, _SKIP, _WEAK, _NO_CLUTTER
    global _TEXT, _IGNORED, _INLINE, _BLOCK, _ANCHOR, _ENTERED, _OTHER
    global _FIXED_TAG_IDS, _actions_by_id, _codes_by_id, _opening_of, _openings_by_id, _opening_objects_by_id
    global _entry_rules_by_id, _rules
    _action_of_node, _verdict_of = blocks._action_of_node, blocks.clutter_of_plain
    _enter, _leave, _opening_of, _rules = blocks._enter, blocks._leave, blocks._opening_of, blocks.rules
    _ENTER, _SKIP, _WEAK, _NO_CLUTTER = blocks._ENTER, blocks._SKIP, blocks.WEAK, blocks.NO_CLUTTER
    _TEXT, _IGNORED, _INLINE = blocks._TEXT, blocks._IGNORED, blocks._INLINE
    _BLOCK, _ANCHOR, _ENTERED, _OTHER = blocks._BLOCK, blocks._ANCHOR, blocks._ENTERED, blocks._OTHER
    _bind_flush(blocks)
    if _codes_by_id == NULL:
        _FIXED_TAG_IDS = blocks.FIXED_TAG_IDS
        _codes_by_id = <int *> malloc(_FIXED_TAG_IDS * sizeof(int))
        _openings_by_id = <Opening *> malloc(_FIXED_TAG_IDS * sizeof(Opening))
        _entry_rules_by_id = <unsigned char *> malloc(_FIXED_TAG_IDS)
        if _codes_by_id == NULL or _openings_by_id == NULL or _entry_rules_by_id == NULL:
            raise MemoryError()
        _actions_by_id, _opening_objects_by_id = [None] * _FIXED_TAG_IDS, [None] * _FIXED_TAG_IDS
    for index in range(_FIXED_TAG_IDS):
        _codes_by_id[index] = -1
        _actions_by_id[index] = None
        _opening_objects_by_id[index] = None
    _learn_attribute_names()


cdef int _bind_flush(blocks) except -1:
    """What _flush reads of `blocks`: the values _Collector.flush compares with, and what _block makes."""
    global _PLAIN, _PRE, _ROW, _LINE_BREAK, _LIST_LIKE, _NOT_DEFERRED, _anchors_of_run, _BLOCK_TAGS
    global _Block, _SET_TEXT, _SET_KIND, _SET_CHARS, _SET_LINK_CHARS, _SET_PATH, _SET_LEVEL
    global _SET_DEFERRAL, _SET_QUOTED, _SET_MARKUP
    _PLAIN, _PRE, _ROW, _LINE_BREAK = blocks.PLAIN, blocks._PRE, blocks._ROW, blocks._LINE_BREAK
    _LIST_LIKE, _NOT_DEFERRED = blocks._LIST_LIKE, blocks._NOT_DEFERRED
    _anchors_of_run = blocks.anchors_of_run
    _BLOCK_TAGS, _Block = blocks.rules.BLOCK_TAGS, blocks.Block
    # The descriptors whose __set__ blocks._block calls: `setter.__self__` (a slot's member descriptor).
    _SET_TEXT, _SET_KIND = blocks._SET_TEXT.__self__, blocks._SET_KIND.__self__
    _SET_CHARS, _SET_LINK_CHARS = blocks._SET_CHARS.__self__, blocks._SET_LINK_CHARS.__self__
    _SET_PATH = blocks._SET_PATH.__self__
    _SET_LEVEL, _SET_DEFERRAL = blocks._SET_LEVEL.__self__, blocks._SET_DEFERRAL.__self__
    _SET_QUOTED, _SET_MARKUP = blocks._SET_QUOTED.__self__, blocks._SET_MARKUP.__self__
    return 0


# The numbers of the attribute names the walk reads (Lexbor numbers the names of its own table alike in
# every document, a page's other names by the address of their entry in the document's table, as tags),
# learned by bind() from a parsed probe: 0 where a name is not fixed, and then Python reads every element's
# attributes. clutter_of_plain reads the class alone unless one of clutter.PLAIN_VERDICT_NAMES is there.
cdef uintptr_t _CLASS = 0, _HREF = 0
cdef uintptr_t _VERDICT_NAMES[16]  # the fixed numbers of PLAIN_VERDICT_NAMES
cdef int _verdict_names = 0
cdef object _clutter_of_class = None
# The attributes _cclutter judges by (its ATTRIBUTE_NAMES, in the places of its Attributes): the number of
# each one of Lexbor's own table, 0 for a page's own name ("role", "hidden"), told by the letters of the
# entry Lexbor makes for it (_attribute_letters). None where a probe's entry did not spell its name: then
# Python judges every element.
cdef uintptr_t _attribute_numbers[ATTRIBUTES_READ]
cdef list _attribute_letters = None
cdef tuple _clutter_by_value = ()  # clutter._BY_VALUE: Clutter by _cclutter's number


cdef uintptr_t _probed_number(LexborNode probe, str name) except? 0:
    """The number Lexbor gives the attribute `name` in a probe element that holds it."""
    cdef scraper_lxb_attr *attribute = (<scraper_lxb_element *> probe.node).first_attr
    for key in probe.attributes:  # in the order of the element's attribute list
        if key == name:
            return attribute.node.local_name
        attribute = attribute.next
    raise LookupError(name)


cdef int _learn_attribute_names() except -1:
    global _CLASS, _HREF, _verdict_names, _clutter_of_class, _attribute_letters
    from selectolax.lexbor import LexborHTMLParser

    from ._cclutter import ATTRIBUTE_NAMES
    from .clutter import PLAIN_VERDICT_NAMES
    from .clutter import _clutter_of_class as clutter_of_class  # clutter_of_plain's verdict by the class

    names = ("class", "href", *PLAIN_VERDICT_NAMES)
    probe = "<p " + " ".join(f'{name}="x"' for name in names) + "></p>"
    # Twice: a number that differs between two documents is a page's own, not Lexbor's.
    first, second = (LexborHTMLParser(probe).css_first("p") for _ in range(2))
    numbers = {name: _probed_number(first, name) for name in names}
    fixed = {name: number for name, number in numbers.items() if number == _probed_number(second, name)}
    _CLASS, _HREF, _verdict_names, _attribute_letters = 0, 0, 0, None
    if "class" not in fixed or "href" not in fixed or len(PLAIN_VERDICT_NAMES) > 16:
        return 0
    if any(number >= _FIXED_TAG_IDS for number in fixed.values()):
        return 0
    for name in PLAIN_VERDICT_NAMES:
        if name in fixed:  # the others are a page's own: _plain_names sends every such name to Python
            _VERDICT_NAMES[_verdict_names] = fixed[name]
            _verdict_names += 1
    _CLASS, _HREF, _clutter_of_class = fixed["class"], fixed["href"], clutter_of_class
    _learn_judged_names(first, ATTRIBUTE_NAMES, fixed)
    return 0


cdef int _learn_judged_names(LexborNode probe, tuple names, dict fixed) except -1:
    """_attribute_numbers and _attribute_letters, from the probe's numbers of `names` (_cclutter's)."""
    global _attribute_letters, _clutter_by_value
    from .clutter import _BY_VALUE

    _attribute_letters = None
    if len(names) != ATTRIBUTES_READ or not set(names) <= set(fixed) | set(_own_names(probe, names, fixed)):
        return 0
    for place, name in enumerate(names):
        _attribute_numbers[place] = fixed.get(name, 0)
    _attribute_letters = [None if name in fixed else name.encode("ascii") for name in names]
    _clutter_by_value = _BY_VALUE
    return 0


cdef list _own_names(LexborNode probe, tuple names, dict fixed):
    """The names of `names` that are a page's own in the probe and spelled by their entry there."""
    cdef uintptr_t number
    spelled = []
    for name in names:
        if name not in fixed:
            number = _probed_number(probe, name)
            letters = name.encode("ascii")
            if number >= _FIXED_TAG_IDS and name_spells(<scraper_lxb_name *> number, letters, len(letters)):
                spelled.append(name)
    return spelled


cdef bint _ascii_space_only(const unsigned char *data, size_t length) noexcept nogil:
    """selectolax's is_empty_text_node: HTML's ASCII whitespace only (or nothing)."""
    cdef size_t index
    for index in range(length):
        if data[index] not in b" \t\n\f\r":
            return False
    return True


cdef str _spaced_text(const unsigned char *data, size_t length):
    """The text, its newlines, tabs and carriage returns made spaces (as blocks._walk replaces them):
    ASCII bytes, so replaced before decoding they decode alike."""
    cdef unsigned char *copy
    cdef size_t index
    if (memchr(data, b"\n", length) == NULL and memchr(data, b"\t", length) == NULL
            and memchr(data, b"\r", length) == NULL):
        return PyUnicode_DecodeUTF8(<const char *> data, length, "replace")
    copy = <unsigned char *> malloc(length)
    if copy == NULL:
        raise MemoryError()
    try:
        memcpy(copy, data, length)
        for index in range(length):
            if copy[index] == b"\n" or copy[index] == b"\t" or copy[index] == b"\r":
                copy[index] = b" "
        return PyUnicode_DecodeUTF8(<const char *> copy, length, "replace")
    finally:
        free(copy)


cdef void _text(object collector, scraper_lxb_node *node) except *:
    """blocks._walk's text node: its text joins the block's parts (indentation before a block's first
    part does not)."""
    cdef const unsigned char *data = NULL
    cdef size_t length = 0
    cdef bint is_text = node.type == TEXT_NODE
    cdef str value
    if is_text and (<scraper_lxb_text *> node).data.data != NULL:
        data, length = (<scraper_lxb_text *> node).data.data, (<scraper_lxb_text *> node).data.length
    if collector.pre_depth:
        collector.text(PyUnicode_DecodeUTF8(<const char *> data, length, "replace") if data != NULL else "")
        return
    parts = collector.parts
    if not parts and is_text and _ascii_space_only(data, length):
        return
    value = _spaced_text(data, length) if data != NULL else ""
    if parts or not value.isspace():
        parts.append(value)
        collector.in_links.append(collector.anchor_depth > 0)


@cython.wraparound(True)
@cython.boundscheck(True)
cdef int _flush(object collector) except -1:
    """blocks._Collector.flush: the plain and structured blocks made here, a marked one (caption, <pre>,
    table row, <br>) by the collector's _flush_marked. The structure's calls are the Python's, in its order;
    what moves to C is the text's join, strip and collapse, the counts, and the Block made and kept."""
    cdef list parts = collector.parts
    cdef list in_links
    if not parts:
        return 0
    in_links = collector.in_links
    collector.parts, collector.in_links = [], []
    kind, level = collector.kinds[-1]
    structure = collector.structure
    if collector.caption_depth or kind is _PRE or kind is _ROW or _LINE_BREAK in parts:
        collector._flush_marked(parts, in_links, kind, level)
        return 0
    markup = _PLAIN
    if structure.anchors or structure.open_anchor or structure.items or structure.quote:
        anchors = structure.take_anchors(len(parts)) if structure.anchors or structure.open_anchor else []
        if anchors or structure.items or structure.quote:
            whole = not anchors or anchors[-1][0] < len(parts)
            run_anchors = anchors if whole else _anchors_of_run(anchors, 0, 0, len(parts))[0]
            markup = structure.markup(kind in _LIST_LIKE, parts, run_anchors, False)
    text, chars = _text_and_chars(parts)
    if text:
        link_chars = _link_chars_of(parts, in_links)
        deferrals = collector.deferrals
        deferral = deferrals[0] if deferrals else _NOT_DEFERRED
        path, quoted = tuple(collector.path), structure.quote > 0
        block = scraper_new_instance(_Block, _NO_ARGUMENTS)
        scraper_set_slot(_SET_TEXT, block, text)
        scraper_set_slot(_SET_KIND, block, kind)
        scraper_set_slot(_SET_CHARS, block, chars)
        scraper_set_slot(_SET_LINK_CHARS, block, link_chars)
        scraper_set_slot(_SET_PATH, block, path)
        scraper_set_slot(_SET_LEVEL, block, level)
        scraper_set_slot(_SET_DEFERRAL, block, deferral)
        scraper_set_slot(_SET_QUOTED, block, quoted)
        scraper_set_slot(_SET_MARKUP, block, markup)
        collector.blocks.append(block)
    return 0


cdef inline bint _printable(Py_UCS4 character) noexcept:
    if character < 0x7F:
        return character >= 0x20  # ASCII: C0 controls are not, all else is
    return Py_UNICODE_ISPRINTABLE(character)


cdef tuple _text_and_chars(list parts):
    """_Collector.flush's text (`raw` stripped of spaces, collapsed where it holds a non-printable
    character or two spaces in a row) and its non-space count, found in one pass over `raw`."""
    cdef str raw = "".join(parts)
    cdef Py_ssize_t start = 0, end = len(raw), index, spaces = 0
    cdef int kind = PyUnicode_KIND(raw)
    cdef void *data = PyUnicode_DATA(raw)
    cdef Py_UCS4 character
    cdef bint after_space = False
    while start < end and PyUnicode_READ(kind, data, start) == 0x20:
        start += 1
    while end > start and PyUnicode_READ(kind, data, end - 1) == 0x20:
        end -= 1
    for index in range(start, end):
        character = PyUnicode_READ(kind, data, index)
        if character == 0x20:
            if after_space:
                break  # two spaces in a row
            spaces += 1
            after_space = True
        elif _printable(character):
            after_space = False
        else:
            break
    else:  # printable, no two spaces in a row: `raw` as it is
        text = raw if start == 0 and end == len(raw) else raw[start:end]
        return text, (end - start) - spaces
    text = " ".join(raw[start:end].split())
    return text, len(text) - text.count(" ")


cdef object _link_chars_of(list parts, list in_links):
    """blocks._link_chars_of, for every block: the non-space characters of the parts inside <a> (outside
    <pre> a part's only ASCII whitespace is spaces)."""
    cdef Py_ssize_t index, count = len(parts), total = 0
    cdef str part
    if len(in_links) != count:
        raise ValueError("a part without its link flag")  # zip(strict=True)'s refusal
    for index in range(count):
        if in_links[index]:
            part = parts[index]
            total += len(part) - _spaces_in(part)
    return total


cdef Py_ssize_t _spaces_in(str text) noexcept:
    cdef Py_ssize_t index, spaces = 0
    cdef int kind = PyUnicode_KIND(text)
    cdef void *data = PyUnicode_DATA(text)
    for index in range(len(text)):
        spaces += PyUnicode_READ(kind, data, index) == 0x20
    return spaces


cdef inline bint _plain_names(scraper_lxb_attr *attribute) noexcept:
    """Whether the element's attributes all have names of Lexbor's own (neither a page's own, whose name
    is not read here, nor a prefixed one), none of them one clutter_of_plain reads but the class."""
    cdef int index
    if _CLASS == 0:
        return False
    while attribute != NULL:
        if attribute.qualified_name != 0 or attribute.node.local_name >= _FIXED_TAG_IDS:
            return False
        for index in range(_verdict_names):
            if attribute.node.local_name == _VERDICT_NAMES[index]:
                return False
        attribute = attribute.next
    return True


cdef object _value(scraper_lxb_attr *attribute, uintptr_t name):
    """The value of the attribute `name` as selectolax's `attributes` gives it: None when it has none
    (or is absent). Only for attributes of _plain_names."""
    while attribute != NULL:
        if attribute.node.local_name == name:
            if attribute.value == NULL or attribute.value.data == NULL:
                return None
            return PyUnicode_DecodeUTF8(<const char *> attribute.value.data, attribute.value.length, "replace")
        attribute = attribute.next
    return None


cdef int _attributes_verdict(scraper_lxb_attr *attribute, bint furniture, bint heading) except -2:
    """clutter_of_plain's verdict of an element, by the values _cclutter reads in its attribute list: -1
    where Python judges (a prefixed name; a name of the page's own where they cannot be read)."""
    cdef Attributes read
    cdef uintptr_t number
    cdef int place
    if _attribute_letters is None:
        return -1
    for place in range(ATTRIBUTES_READ):
        read.data[place], read.length[place], read.present[place] = NULL, 0, False
    while attribute != NULL:
        if attribute.qualified_name != 0:
            return -1
        number = attribute.node.local_name
        place = _place_of(number)
        if place >= 0:
            read.present[place] = True
            if attribute.value != NULL and attribute.value.data != NULL:
                read.data[place], read.length[place] = attribute.value.data, attribute.value.length
        attribute = attribute.next
    return verdict_of_attributes(&read, furniture, heading)


cdef inline int _place_of(uintptr_t number) except -2:
    """The place in _cclutter's Attributes of the attribute name numbered `number`; -1 for another."""
    cdef int place
    if number < _FIXED_TAG_IDS:
        for place in range(ATTRIBUTES_READ):
            if _attribute_numbers[place] == number:
                return place
        return -1
    for place in range(ATTRIBUTES_READ):
        letters = _attribute_letters[place]
        if letters is not None and name_spells(<scraper_lxb_name *> number, letters, len(<bytes> letters)):
            return place
    return -1


cdef object _entry(object collector, LexborNode element, scraper_lxb_node *pointer, object parser, int action,
                   str tag, scraper_lxb_attr *attributes):
    """blocks._walk's entry of an element: by its entry rule, else by its attributes' clutter verdict. The
    element's LexborNode is made here where Python judges it, unless the walk made it (`element`)."""
    cdef int verdict
    if action == _OTHER:
        return _ruled_entry(collector, element, tag, attributes)
    if attributes == NULL or collector.pre_depth:
        return _ENTER
    verdict = _attributes_verdict(attributes, False, False)
    if verdict == 0:
        return _ENTER  # most elements: no clutter word in their names, no role, hidden or style that hides
    node = element if element is not None else node_of(pointer, parser)
    if verdict > 0:
        clutter = _clutter_by_value[verdict]
        if clutter is _WEAK and collector.caption_depth:
            return _ENTER
        return collector.judged(node, tag, clutter, node.attributes)
    read = None
    if _plain_names(attributes):  # clutter_of_plain's verdict by the class alone, its dict not made
        class_ = _value(attributes, _CLASS)
        clutter = _NO_CLUTTER if class_ is None else _clutter_of_class(class_)
    else:
        read = node.attributes
        clutter = _verdict_of(read)
    if clutter is _NO_CLUTTER or (clutter is _WEAK and collector.caption_depth):
        return _ENTER
    return collector.judged(node, tag, clutter, node.attributes if read is None else read)


cdef object _ruled_entry(object collector, LexborNode element, str tag, scraper_lxb_attr *attributes):
    """_Collector.entry, of an element of a tag with an entry rule (skipped, fine print, furniture, a
    heading): by the rules of its tag number and the compiled verdict of its attributes, as entry() judges;
    entry() itself for a page's own tag, fine print, or attributes only Python judges."""
    cdef uintptr_t tag_id = element.node.local_name
    cdef unsigned char ruled
    cdef bint furniture, heading
    cdef int verdict
    if _attribute_letters is None or not (0 < tag_id < _FIXED_TAG_IDS and _codes_by_id[tag_id] >= 0):
        return collector.entry(element, tag)
    ruled = _entry_rules_by_id[tag_id]
    if ruled & SKIPPED_TAG:
        return _SKIP
    if collector.pre_depth:
        return _ENTER
    if ruled & FINE_PRINT_TAG:
        return collector.entry(element, tag)
    furniture = (ruled & FURNITURE_TAG) != 0 and not (
        collector.sectioning_depth and (ruled & SECTION_FURNITURE_TAG) != 0)
    heading = (ruled & HEADING_TAG) != 0
    verdict = (WEAK_VERDICT if furniture else 0) if attributes == NULL else _attributes_verdict(
        attributes, furniture, heading)
    if verdict < 0:
        return collector.entry(element, tag)
    clutter = _clutter_by_value[verdict]
    if clutter is _NO_CLUTTER or (clutter is _WEAK and collector.caption_depth):
        return _ENTER
    return collector.judged(element, tag, clutter, element.attributes, furniture, heading)


cdef object _href(scraper_lxb_attr *attributes, scraper_lxb_node *pointer, object parser):
    """A link's href as selectolax's `attributes` gives it: read from the list, but where a name is prefixed
    (xlink:href, a key of its own there)."""
    cdef scraper_lxb_attr *attribute = attributes
    while attribute != NULL and _HREF != 0 and attribute.qualified_name == 0:
        attribute = attribute.next
    if attribute != NULL or _HREF == 0:
        return node_of(pointer, parser).attributes.get("href")
    return _value(attributes, _HREF)


cdef struct Open:  # an element entered and not yet left
    scraper_lxb_node *node
    int action
    bint deferred


cdef class _Stack:
    """The open elements, outermost first, with their tags: grown as deep as the page nests."""

    cdef Open *items
    cdef size_t depth, size
    cdef list tags

    def __cinit__(self):
        self.items = <Open *> malloc(FIRST_DEPTH * sizeof(Open))
        if self.items == NULL:
            raise MemoryError()
        self.depth, self.size, self.tags = 0, FIRST_DEPTH, []

    def __dealloc__(self):
        free(self.items)

    cdef int push(self, scraper_lxb_node *node, int action, bint deferred, str tag) except -1:
        cdef Open *grown
        if self.depth == self.size:
            grown = <Open *> realloc(self.items, 2 * self.size * sizeof(Open))
            if grown == NULL:
                raise MemoryError()
            self.items, self.size = grown, 2 * self.size
        self.items[self.depth] = Open(node, action, deferred)
        self.depth += 1
        self.tags.append(tag)
        return 0


cdef tuple _action(scraper_lxb_node *pointer, object parser):
    """The (action, kind, tag) of a node, by its tag's number when Lexbor fixes it (blocks._ACTIONS)."""
    cdef uintptr_t tag_id = pointer.local_name
    if 0 < tag_id < _FIXED_TAG_IDS and _codes_by_id[tag_id] >= 0:
        return <tuple> _actions_by_id[tag_id]
    found = _action_of_node(node_of(pointer, parser), tag_id)
    if 0 < tag_id < _FIXED_TAG_IDS and found[2]:  # kept as blocks._action_of_node keeps it
        opening = _opening_of(found[2])
        _openings_by_id[tag_id] = Opening(
            opening.block, opening.structure, opening.anchor, opening.separator is not None,
            opening.pre, opening.caption, opening.sectioning,
        )
        _opening_objects_by_id[tag_id] = opening
        _entry_rules_by_id[tag_id] = _entry_rules_of(found[2])
        _actions_by_id[tag_id] = found
        _codes_by_id[tag_id] = found[0]
    return found


cdef unsigned char _entry_rules_of(str tag) except? 255:
    return (
        (SKIPPED_TAG if tag in _rules.SKIP_TAGS else 0)
        | (FINE_PRINT_TAG if tag in _rules.FINE_PRINT_TAGS else 0)
        | (FURNITURE_TAG if tag in _rules.FURNITURE_TAGS else 0)
        | (SECTION_FURNITURE_TAG if tag in _rules.SECTION_FURNITURE_TAGS else 0)
        | (HEADING_TAG if tag in _rules.HEADING_TAGS else 0)
    )


cdef inline Opening *_known_opening(scraper_lxb_node *pointer) noexcept:
    """The Opening of the node's tag, NULL for a tag not fixed (a page's own): blocks._enter and _exit
    then do the work."""
    cdef uintptr_t tag_id = pointer.local_name
    if 0 < tag_id < _FIXED_TAG_IDS and _codes_by_id[tag_id] >= 0:
        return &_openings_by_id[tag_id]
    return NULL


cdef int _open(object collector, list path, list kinds, scraper_lxb_node *node, LexborNode element, str tag,
               Opening *opening) except -1:
    """blocks._enter, for a fixed tag: the path, kinds and depths kept here, Structure.enter called as the
    Python calls it. (The walk's loop enters an <a> itself, never here: should one come, the Python does.)"""
    if opening.anchor:
        _enter(collector, element, tag)
    elif opening.block:
        _flush(collector)
        path.append(<size_t> node)
        kinds.append(_opening_objects_by_id[node.local_name].kind)
        if opening.pre:
            collector.pre_depth += opening.pre
        if opening.caption:
            collector.caption_depth += opening.caption
        if opening.sectioning:
            collector.sectioning_depth += opening.sectioning
        if opening.structure:
            collector.structure.enter(element, tag)
    elif opening.separator:
        collector.parts.append(_opening_objects_by_id[node.local_name].separator)
        collector.in_links.append(False)
    return 0


cdef int _close(object collector, list path, list kinds, str tag, bint deferred, Opening *opening) except -1:
    """blocks._exit (what _leave does but for a plain block element or link), for a fixed tag."""
    if deferred:
        _flush(collector)  # its last text is deferred, what follows is not
        collector.deferrals.pop()
    if opening.block:
        _flush(collector)
        path.pop()
        kinds.pop()
        if opening.pre:
            collector.pre_depth -= opening.pre
        if opening.caption:
            collector.caption_depth -= opening.caption
        if opening.sectioning:
            collector.sectioning_depth -= opening.sectioning
        if opening.structure:
            collector.structure.exit(tag)
    elif opening.anchor:
        collector.anchor_depth -= 1
        if collector.anchor_depth == 0:
            collector.structure.anchor_end(len(collector.parts))
    return 0


def walk(collector, LexborNode root, recorder):
    """blocks._walk(collector, root, recorder), its loop in C."""
    cdef object parser = root.parser
    cdef list path = collector.path, kinds = collector.kinds
    cdef _Stack stack = _Stack()
    cdef scraper_lxb_node *node = root.node.first_child
    cdef Open top
    cdef int action
    cdef bint deferred
    cdef scraper_lxb_attr *attributes
    cdef LexborNode element
    cdef Opening *opening
    while True:
        if node == NULL:  # past the last child: leave its parent, go on with the parent's next sibling
            if stack.depth == 0:
                _flush(collector)  # collect_blocks's last flush, done here: it finds nothing left then
                return
            stack.depth -= 1
            top = stack.items[stack.depth]
            tag = stack.tags.pop()
            if top.action == _BLOCK and not top.deferred:
                if collector.parts:
                    _flush(collector)
                path.pop()
                kinds.pop()
            elif top.action == _ANCHOR and not top.deferred:  # _leave's link
                collector.anchor_depth -= 1
                if collector.anchor_depth == 0:
                    collector.structure.anchor_end(len(collector.parts))
            elif top.action != _INLINE or top.deferred:  # _leave: _exit's
                opening = _known_opening(top.node)
                if opening != NULL:
                    _close(collector, path, kinds, tag, top.deferred, opening)
                    node = top.node.next
                    continue
                # _exit flushes first, when it leaves a deferred element or a block one: done here, its
                # flush then finds no parts.
                if collector.parts and (top.deferred or (top.action >= _ENTERED and tag in _BLOCK_TAGS)):
                    _flush(collector)
                _leave(collector, top.action, tag, top.deferred)
            node = top.node.next
            continue
        found = _action(node, parser)
        action = found[0]
        if action == _TEXT:
            _text(collector, node)
        elif action != _IGNORED:
            tag = found[2]
            attributes = (<scraper_lxb_element *> node).first_attr if node.type == ELEMENT_NODE else NULL
            element = None
            opening = _known_opening(node) if action == _ENTERED or action == _OTHER else NULL
            # Made where an entry rule, _enter or Structure.enter reads it (_entry makes one where Python
            # judges the element by its attributes).
            if action == _OTHER or (action == _ENTERED and (
                    opening == NULL or opening.structure or opening.anchor)):
                element = node_of(node, parser)
            entry = _entry(collector, element, node, parser, action, tag, attributes)
            if entry is _SKIP:
                if recorder is not None:
                    recorder.skipped(node_of(node, parser), tuple(path), len(collector.blocks))
            else:
                deferred = entry is not _ENTER
                if deferred:
                    _flush(collector)  # defer's first step: its flush then finds no parts
                    collector.defer(entry)
                if action == _BLOCK:
                    if collector.parts:
                        _flush(collector)
                    path.append(<size_t> node)
                    kinds.append(found[1])
                elif action == _ANCHOR:
                    collector.anchor_depth += 1
                    if collector.anchor_depth == 1:
                        href = None if attributes == NULL else _href(attributes, node, parser)
                        collector.structure.anchor_start(href, len(collector.parts))
                elif action != _INLINE and opening != NULL:
                    _open(collector, path, kinds, node, element, tag, opening)
                elif action != _INLINE:
                    if collector.parts and tag in _BLOCK_TAGS:
                        _flush(collector)  # _enter's first step for a block element
                    _enter(collector, element, tag)
                stack.push(node, action, deferred, tag)
                node = node.first_child  # NULL for an empty element: left at once, above
                continue
        node = node.next
