# cython: language_level=3, boundscheck=False, wraparound=False, initializedcheck=False
"""How much text an element shows (measure.py's reference) counted in C from Lexbor's text buffers.

measure.py's Python makes the text a string and counts it (`node.text()`, then the non-space characters):
the walk measures every element it judges so, the page's whole text first. Here the same count is read off
each text node's UTF-8 bytes where it lies, no string made: a character is a byte that does not continue
one, a space one of the four measure.py subtracts. Bytes that are not valid UTF-8 (Lexbor passes them
through; selectolax decodes them as U+FFFD, perhaps several bytes as one) make a function return -1, and
measure.py counts that element in Python.
"""

from libc.stdint cimport uintptr_t

from ._lexbor cimport SCRAPER_SELECTOLAX_VERSION, LexborNode, following, scraper_lxb_node, scraper_lxb_text

SELECTOLAX_VERSION = SCRAPER_SELECTOLAX_VERSION.decode("ascii")

cdef enum:
    ELEMENT_NODE = 1  # LXB_DOM_NODE_TYPE_ELEMENT
    NOT_UTF8 = -1

cdef uintptr_t _TEXT = 0  # the tag number of a text node (selectolax reads text by it): learned by bind()


def tag_number(str name):
    """The number Lexbor gives the element `name` in every document (0 when it is a page's own, numbered
    per document), learned from two parsed probes; and that of a text node, once."""
    from selectolax.lexbor import LexborHTMLParser

    global _TEXT
    cdef LexborNode first, second
    first, second = (LexborHTMLParser(f"<{name}>x</{name}>").css_first(name) for _ in range(2))
    if first is None or second is None or first.node.local_name != second.node.local_name:
        return 0
    if _TEXT == 0 and first.node.first_child != NULL:
        _TEXT = first.node.first_child.local_name
    return first.node.local_name


cdef Py_ssize_t _shown(const unsigned char *data, size_t length) noexcept nogil:
    """Characters of the UTF-8 `data` but " ", "\\n", "\\t" and "\\r"; NOT_UTF8 where it is not valid."""
    cdef size_t index = 0, follow, byte_index
    cdef Py_ssize_t count = 0
    cdef unsigned char byte, low, high
    while index < length:
        byte = data[index]
        if byte < 0x80:
            count += byte != b" " and byte != b"\n" and byte != b"\t" and byte != b"\r"
            index += 1
            continue
        # The bounds of the second byte make overlong forms, surrogates and code points past U+10FFFF
        # invalid, as Python's decoder has them.
        low, high = 0x80, 0xBF
        if 0xC2 <= byte <= 0xDF:
            follow = 1
        elif 0xE0 <= byte <= 0xEF:
            follow = 2
            if byte == 0xE0:
                low = 0xA0
            elif byte == 0xED:
                high = 0x9F
        elif 0xF0 <= byte <= 0xF4:
            follow = 3
            if byte == 0xF0:
                low = 0x90
            elif byte == 0xF4:
                high = 0x8F
        else:
            return NOT_UTF8
        if index + follow >= length or not low <= data[index + 1] <= high:
            return NOT_UTF8
        for byte_index in range(index + 2, index + 1 + follow):
            if not 0x80 <= data[byte_index] <= 0xBF:
                return NOT_UTF8
        count += 1
        index += 1 + follow
    return count


cdef inline Py_ssize_t _text_shown(scraper_lxb_node *node) noexcept nogil:
    cdef scraper_lxb_text *text = <scraper_lxb_text *> node
    if text.data.data == NULL:
        return 0
    return _shown(text.data.data, text.data.length)


cdef inline bint _is(scraper_lxb_node *node, uintptr_t tag) noexcept nogil:
    return node.type == ELEMENT_NODE and node.local_name == tag


def tagged_chars(LexborNode element, uintptr_t tag):
    """The characters measure.py counts in the text of `element`'s elements numbered `tag` (`element`
    itself among them, as CSS finds it): each text node once for every such element around it, as a
    join of their texts holds it. NOT_UTF8 where a text is not valid UTF-8, or `element` is not an
    element of a whole document."""
    cdef scraper_lxb_node *root = element.node
    cdef scraper_lxb_node *node
    cdef Py_ssize_t total = 0, shown
    cdef Py_ssize_t around  # elements numbered `tag` around the node, `root` included
    if _TEXT == 0 or tag == 0 or root.type != ELEMENT_NODE or element.is_fragment_root:
        return NOT_UTF8  # measure.py's Python counts
    around = _is(root, tag)
    node = root.first_child
    while node != NULL:
        if node.local_name == _TEXT:
            if around:
                shown = _text_shown(node)
                if shown == NOT_UTF8:
                    return NOT_UTF8
                total += around * shown
        elif _is(node, tag):
            around += 1
        if node.first_child != NULL:
            node = node.first_child
            continue
        while True:  # past the node's subtree: leave it, and the parents it ends, up to a next sibling
            around -= _is(node, tag)
            if node.next != NULL:
                node = node.next
                break
            node = node.parent
            if node == root or node == NULL:
                return total
    return total


def visible_chars(LexborNode element):
    """The characters measure.py counts in `element.text()`; NOT_UTF8 where it is not valid UTF-8 (or
    `element` is a fragment's root, whose text selectolax reads from its siblings too)."""
    cdef scraper_lxb_node *root = element.node
    cdef scraper_lxb_node *node
    cdef Py_ssize_t total = 0, shown
    if _TEXT == 0 or element.is_fragment_root:
        return NOT_UTF8
    if root.local_name == _TEXT:
        return _text_shown(root)
    node = root.first_child
    while node != NULL:
        if node.local_name == _TEXT:
            shown = _text_shown(node)
            if shown == NOT_UTF8:
                return NOT_UTF8
            total += shown
        node = following(node, root)
    return total
