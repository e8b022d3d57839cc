# cython: language_level=3, boundscheck=False, wraparound=False
"""`repeats.drop_pull_quotes`'s search of the body's words for each short block, compiled (optional;
repeats.py's Python is the reference and the fallback, tests/extract/test_body_speed.py holds them to each
other).

In Python each candidate counts its key in all the body's keys (`str.count`): thirty short paragraphs of a
mean body scan its 13,000 characters thirty times, a sixth of a millisecond. Here the text is read once:
a rolling hash of each window as long as the shortest candidate is looked up in a table of bits set by the
candidates' first characters, and only where a bit is set is a candidate compared with the text there.
"""

from cpython.unicode cimport PyUnicode_Tailmatch
from libc.string cimport memset


cdef extern from "Python.h":
    int PyUnicode_KIND(object text)
    void* PyUnicode_DATA(object text)
    unsigned int PyUnicode_READ(int kind, void* data, Py_ssize_t index) nogil  # a code point


# The table of bits: 2**16 (8 KB) against a few dozen candidates, so that a window of other words finds
# a bit set about once in two thousand (each a dict lookup).
cdef enum:
    _TABLE_BITS = 16
    _TABLE_WORDS = 1 << (_TABLE_BITS - 6)  # of 64 bits
# The rolling hash's base (the hash is taken modulo 2**64), and Fibonacci hashing's multiplier, which
# spreads the hash's bits over the table's index.
cdef unsigned long long _BASE = 1000003
cdef unsigned long long _SPREAD = 0x9E3779B97F4A7C15


cdef inline unsigned long long _bucket(unsigned long long hashed) noexcept:
    return (hashed * _SPREAD) >> (64 - _TABLE_BITS)


cdef unsigned long long _hash(str text, Py_ssize_t length) noexcept:
    """The rolling hash of the first `length` characters of `text`."""
    cdef int kind = PyUnicode_KIND(text)
    cdef void* data = PyUnicode_DATA(text)
    cdef unsigned long long hashed = 0
    cdef Py_ssize_t position
    for position in range(length):
        hashed = hashed * _BASE + PyUnicode_READ(kind, data, position)
    return hashed


def quoted(str haystack, list keys, list candidates):
    """The indexes among `candidates` (indexes of `keys`) whose key `haystack` holds twice, without
    overlap: `haystack.count(keys[index]) > 1`, for each, in one pass over `haystack`."""
    cdef unsigned long long table[_TABLE_WORDS]
    cdef unsigned long long hashed, leaving = 1, bucket  # leaving: _BASE ** (window - 1)
    cdef Py_ssize_t window, length = len(haystack), position, first_at
    cdef int kind = PyUnicode_KIND(haystack)
    cdef void* data = PyUnicode_DATA(haystack)
    cdef str key
    if not candidates:
        return []
    window = min([len(<str>keys[index]) for index in candidates])
    if window == 0 or window > length:  # an empty key (found between any two characters), or none fits
        return [index for index in candidates if haystack.count(keys[index]) > 1]
    for position in range(window - 1):
        leaving *= _BASE
    memset(table, 0, sizeof(table))
    starting = {}  # the hash of a candidate's first `window` characters -> the candidates starting so
    for index in candidates:
        hashed = _hash(keys[index], window)
        bucket = _bucket(hashed)
        table[bucket >> 6] |= (<unsigned long long>1) << (bucket & 63)
        starting.setdefault(hashed, []).append(index)
    first = {}  # candidate -> where it was first found: a second copy must start after its end (count's)
    found = set()
    hashed = _hash(haystack, window)
    position = 0
    while True:
        bucket = _bucket(hashed)
        if table[bucket >> 6] & ((<unsigned long long>1) << (bucket & 63)):
            for index in starting.get(hashed, ()):
                key = keys[index]
                if index not in found and PyUnicode_Tailmatch(haystack, key, position, position + len(key), -1):
                    first_at = first.setdefault(index, position)
                    if position >= first_at + len(key):
                        found.add(index)
        if position + window >= length:
            break
        hashed = (
            (hashed - PyUnicode_READ(kind, data, position) * leaving) * _BASE
            + PyUnicode_READ(kind, data, position + window)
        )
        position += 1
    return [index for index in candidates if index in found]
