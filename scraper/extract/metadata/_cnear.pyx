# cython: language_level=3, boundscheck=False, wraparound=False, initializedcheck=False
"""The body's text as TextNearTitle reads it (_page.py), compiled: only as far as its windows reach
(optional; selectolax's `text(deep=True, separator="\n")` is the reference and the fallback,
tests/extract/test_compiled_page.py holds them to each other).

Written by hand: the windows around the headline take its first occurrence in the body's text and the
1,500 characters after it (or the text's first 1,500 characters on a page without a title), most often
from the top of the page, but selectolax joins and decodes the text of the whole body first: 0.07 ms a
mean page, more on long ones. Here the text nodes are joined as selectolax joins them (in the order of
Lexbor's walk, "\n" between, each node's bytes as Lexbor keeps them) and the walk stops once the title's
bytes and enough characters after them are in; the result, decoded as selectolax decodes it, is then a
prefix of selectolax's text (cut after a text node). _page.py checks that the prefix holds what the
windows read, and reads the whole text otherwise.

The structs (_lexbor.pxd) are those of selectolax SELECTOLAX_VERSION and its Lexbor (_page.py runs this
only with that selectolax installed).
"""

from cpython.unicode cimport PyUnicode_DecodeUTF8
from libc.stdint cimport uintptr_t
from libc.stdlib cimport free, realloc
from libc.string cimport memcpy

from .._lexbor cimport SCRAPER_SELECTOLAX_VERSION, LexborNode, following, scraper_lxb_node, scraper_lxb_text

SELECTOLAX_VERSION = SCRAPER_SELECTOLAX_VERSION.decode("ascii")

cdef extern from *:
    void *memmem(const void *haystack, size_t haystack_length, const void *needle, size_t needle_length)

cdef uintptr_t _TEXT = 0  # LXB_TAG__TEXT, which selectolax's walk reads text nodes by; learned by bind


def bind():
    """Learn the number Lexbor gives text nodes, from a probe (_page.py, at import)."""
    global _TEXT
    from selectolax.lexbor import LexborHTMLParser

    tree = LexborHTMLParser("<p>x</p>")
    cdef LexborNode paragraph = tree.css_first("p")
    _TEXT = paragraph.node.first_child.local_name


cdef struct Buffer:
    unsigned char *data
    size_t length
    size_t capacity


cdef int _append(Buffer *buffer, const unsigned char *data, size_t length) except -1:
    cdef unsigned char *grown
    if buffer.length + length > buffer.capacity:
        buffer.capacity = 2 * (buffer.length + length) + 4096
        grown = <unsigned char *> realloc(buffer.data, buffer.capacity)
        if grown == NULL:
            raise MemoryError()
        buffer.data = grown
    if length:
        memcpy(buffer.data + buffer.length, data, length)
    buffer.length += length
    return 0


cdef size_t _characters(const unsigned char *data, size_t length) noexcept nogil:
    """The UTF-8 characters of the bytes: their lead bytes (a stray continuation byte, decoded as one
    U+FFFD, is not counted: the count errs low, and the walk reads on)."""
    cdef size_t index, found = 0
    for index in range(length):
        found += (data[index] & 0xC0) != 0x80
    return found


def text_through(LexborNode root, bytes title, Py_ssize_t after):
    """(text, whole): `root.text(deep=True, separator="\n")`, whole, or a prefix of it cut after the text
    node that brings `after` characters past the first occurrence of `title` (past the start where
    `title` is empty)."""
    cdef Buffer buffer = Buffer(NULL, 0, 0)
    cdef scraper_lxb_node *start = root.node
    cdef scraper_lxb_node *node = start.first_child
    cdef scraper_lxb_text *text
    cdef const unsigned char *needle = title
    cdef size_t needle_length = len(title), searched = 0, counted = 0, past = 0
    cdef Py_ssize_t found = 0 if needle_length == 0 else -1
    cdef const unsigned char *at
    cdef bint count = False, whole = True
    try:
        if start.local_name == _TEXT:  # selectolax's text() of a text node begins with its own
            node = start
        while node != NULL:
            if node.local_name == _TEXT:
                text = <scraper_lxb_text *> node
                if text.data.data != NULL:
                    if count:
                        _append(&buffer, <const unsigned char *> b"\n", 1)
                    _append(&buffer, text.data.data, text.data.length)
                    count = True
                    if found < 0 and buffer.length >= needle_length:
                        at = <const unsigned char *> memmem(
                            buffer.data + searched, buffer.length - searched, needle, needle_length
                        )
                        if at != NULL:
                            found = at - buffer.data
                            counted = found + needle_length
                        else:
                            searched = buffer.length - needle_length + 1
                    if found >= 0:
                        past += _characters(buffer.data + counted, buffer.length - counted)
                        counted = buffer.length
                        if past >= <size_t> after:
                            whole = node.first_child == NULL and _last(node, start)
                            break
            node = following(node, start)
        if buffer.length == 0:
            return "", whole
        return PyUnicode_DecodeUTF8(<char *> buffer.data, buffer.length, "replace"), whole
    finally:
        free(buffer.data)


cdef bint _last(scraper_lxb_node *node, scraper_lxb_node *start) noexcept:
    """Whether no node follows `node` in the walk of `start`'s descendants."""
    while node != start and node != NULL:
        if node.next != NULL:
            return False
        node = node.parent
    return True
