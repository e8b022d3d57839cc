# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""The guard's two counts over a page's characters, compiled (optional; extract/guard.py's Python is the
reference and the fallback, tests/extract/test_guard_scan.py holds them to each other).

Written by hand: the guard read every page twice before the parse, once for its "<" (`str.count` per
chunk) and once for its formatting start tags (a regular expression), a code unit at a time on the pages
that hold a character past Latin-1 (most): 0.1 to 0.2 ms each, a mean dataset page. Here the count is a
loop the compiler reads many units at a time, and the search, stopping only at a "<", reads each chunk
again while it is in the cache: one pass over the page's memory.
"""

from libc.stdint cimport uint8_t, uint16_t, uint32_t
from cpython.unicode cimport PyUnicode_1BYTE_KIND, PyUnicode_2BYTE_KIND, PyUnicode_DATA
from cpython.unicode cimport PyUnicode_GET_LENGTH, PyUnicode_KIND

cdef extern from "Python.h":
    bint Py_UNICODE_ISSPACE(Py_UCS4 ch) nogil  # what `\s` matches in a str pattern

ctypedef fused code_unit:  # a str's code units: one, two or four bytes a character
    uint8_t
    uint16_t
    uint32_t

cdef uint32_t _LESS_THAN = 0x3C

# The formatting tags' names (given by guard.py, `bind`), each packed as its lowercase letters, a byte each.
cdef unsigned long long _NAMES[16]
cdef int _NAME_COUNT = 0
cdef Py_ssize_t _LONGEST_NAME = 0
cdef Py_ssize_t _MOST_LETTERS = 8  # a name packed in 64 bits


def bind(names):
    """Take the formatting tags' names, lowercase ASCII (guard.py, at import)."""
    global _NAME_COUNT, _LONGEST_NAME
    if len(names) > 16 or any(not 0 < len(name) <= _MOST_LETTERS for name in names):
        raise ValueError("at most 16 names of 1 to 8 letters")
    _NAME_COUNT, _LONGEST_NAME = 0, 0
    for name in names:
        packed = 0
        for letter in name.encode("ascii"):
            packed = (packed << 8) | letter
        _NAMES[_NAME_COUNT] = packed
        _NAME_COUNT += 1
        _LONGEST_NAME = max(_LONGEST_NAME, len(name))


cdef Py_ssize_t _count(const code_unit* data, Py_ssize_t start, Py_ssize_t end) noexcept nogil:
    cdef Py_ssize_t index, found = 0
    for index in range(start, end):
        found += data[index] == _LESS_THAN  # no branch: the compiler compares many units at a time
    return found


cdef bint _starts_formatting(const code_unit* data, Py_ssize_t at, Py_ssize_t length) noexcept nogil:
    """Whether the "<" at `at` opens a formatting tag: one of the names in any case, then white space,
    "/" or ">"."""
    cdef unsigned long long packed = 0
    cdef Py_ssize_t index = at + 1, letters = 0
    cdef uint32_t unit
    cdef int name
    while index < length and letters <= _LONGEST_NAME:
        unit = data[index]
        if 0x41 <= unit <= 0x5A:  # A-Z
            unit += 0x20
        elif not (0x61 <= unit <= 0x7A):  # a-z
            break
        packed = (packed << 8) | unit
        letters += 1
        index += 1
    if letters == 0 or letters > _LONGEST_NAME or index >= length:
        return False
    unit = data[index]
    if not (unit == 0x2F or unit == 0x3E or Py_UNICODE_ISSPACE(unit)):
        return False
    for name in range(_NAME_COUNT):
        if _NAMES[name] == packed:
            return True
    return False


cdef tuple _counts(const code_unit* data, Py_ssize_t length, Py_ssize_t chunk):
    cdef Py_ssize_t start, end, index, tags, formatting
    counted, found = [], []
    for start in range(0, length, chunk):
        end = min(start + chunk, length)
        tags, formatting = _count(data, start, end), 0
        if tags:  # the chunk read again while in the cache, its formatting tags looked for at each "<"
            for index in range(start, end):
                if data[index] == _LESS_THAN and _starts_formatting(data, index, length):
                    formatting += 1
        counted.append(tags)
        found.append(formatting)
    return counted, found


def chunk_counts(str html, Py_ssize_t chunk):
    """The number of "<" in each `chunk` characters of `html`, and of the formatting start tags that begin
    in each (`guard._chunk_counts`)."""
    cdef Py_ssize_t length = PyUnicode_GET_LENGTH(html)
    cdef int kind = PyUnicode_KIND(html)
    cdef void* data = PyUnicode_DATA(html)
    if chunk <= 0:
        raise ValueError("chunk must be positive")
    if kind == PyUnicode_1BYTE_KIND:
        return _counts(<const uint8_t*>data, length, chunk)
    if kind == PyUnicode_2BYTE_KIND:
        return _counts(<const uint16_t*>data, length, chunk)
    return _counts(<const uint32_t*>data, length, chunk)
