# cython: language_level=3, boundscheck=False, wraparound=False
"""repeats.py's loops over a body's text, compiled (optional; repeats.py's Python is the reference and the
fallback, tests/extract/test_body_speed.py holds them to each other).

`keys`: normalised_all's last steps, the words of each block one space apart, in one pass over the UTF-8
(lowered, or lowered by the table given): a translation, a regular expression's substitution of space runs,
a split and a strip per block cost a tenth of a millisecond a mean page in Python. The table of bytes, one of
repeats.py's, comes with each call; its separator of the texts is given by `bind`.

`held`: the search of drop_pull_quotes (each short block's key held twice in the body's keys) and of
evidence.py (the notice keys held once in a candidate body's text). In Python each key is searched for in
all the text (`str.count`, `in`): thirty short paragraphs of a mean body scan its 13,000 characters thirty
times, a sixth of a millisecond, and the 27 notice keys a candidate body's 5,000 characters 27 times. Here
the text is read once: a rolling hash of each window as long as the shortest key is looked up in a table
of bits set by the keys' first characters, and only where a bit is set is a key compared with the text.
"""

from cpython.unicode cimport PyUnicode_DecodeUTF8, PyUnicode_Tailmatch
from libc.stdlib cimport free, malloc
from libc.string cimport memset


cdef extern from "Python.h":
    int PyUnicode_KIND(object text)
    void* PyUnicode_DATA(object text)
    unsigned int PyUnicode_READ(int kind, void* data, Py_ssize_t index) nogil  # a code point


# repeats.py's separator of the texts, given by `bind` (repeats.py, at import).
cdef unsigned char _SEPARATOR = 0
cdef unsigned char _SPACE = 0x20
cdef bint _BOUND = False


def bind(str separator):
    """Take repeats.py's separator of the texts (one ASCII character)."""
    global _SEPARATOR, _BOUND
    if len(separator) != 1 or not separator.isascii():
        raise ValueError("an ASCII separator")
    _SEPARATOR = ord(separator)
    _BOUND = True


def keys(bytes utf8, bytes table):
    """`[part.strip(" ") for part in _SPACE_RUN_RE.sub(b" ", utf8.translate(table)).decode("utf-8",
    "surrogatepass").split(separator)]` (repeats.normalised_all): each run of spaces one space, none at a
    part's ends, each part decoded alone (the separator is one ASCII byte: UTF-8 splits there alike).
    `table`: one of repeats.py's, 256 bytes that keep the separator and make no other byte one."""
    if not _BOUND:
        raise RuntimeError("keys() before bind()")
    if len(table) != 256 or table[_SEPARATOR] != _SEPARATOR or table.count(_SEPARATOR) != 1:
        raise ValueError("a table of 256 bytes that keeps the separator, and makes no other byte one")
    cdef const unsigned char* to_space = table
    cdef const unsigned char* text = utf8
    cdef Py_ssize_t length = len(utf8), position, written = 0
    cdef unsigned char byte
    cdef bint space = False  # a space to write before the next word character
    cdef char* part = <char*>malloc(length + 1)
    if part == NULL:
        raise MemoryError()
    found = []
    try:
        for position in range(length):
            byte = to_space[text[position]]
            if byte == _SEPARATOR:
                found.append(PyUnicode_DecodeUTF8(part, written, "surrogatepass"))
                written, space = 0, False
            elif byte == _SPACE:
                space = written > 0  # none before a part's first word
            else:
                if space:
                    part[written] = _SPACE
                    written += 1
                    space = False
                part[written] = byte
                written += 1
        found.append(PyUnicode_DecodeUTF8(part, written, "surrogatepass"))
    finally:
        free(part)
    return found


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


def held(str haystack, list keys, list candidates, Py_ssize_t copies):
    """The indexes among `candidates` (indexes of `keys`) whose key `haystack` holds `copies` times or more,
    without overlap: `haystack.count(keys[index]) >= copies`, for each, in one pass over `haystack`."""
    cdef unsigned long long table[_TABLE_WORDS]
    cdef unsigned long long hashed, leaving = 1, bucket  # leaving: _BASE ** (window - 1)
    cdef Py_ssize_t window, length = len(haystack), position
    cdef int kind = PyUnicode_KIND(haystack)
    cdef void* data = PyUnicode_DATA(haystack)
    cdef str key
    if not candidates or copies <= 0:
        return list(candidates)
    window = min([len(<str?>keys[index]) for index in candidates])  # checked: not a str raises
    if window == 0 or window > length:  # an empty key (found between any two characters), or none fits
        return [index for index in candidates if haystack.count(keys[index]) >= copies]
    for position in range(window - 1):
        leaving *= _BASE
    memset(table, 0, sizeof(table))
    starting = {}  # the hash of a candidate's first `window` characters -> the candidates starting so
    for index in candidates:
        hashed = _hash(keys[index], window)
        bucket = _bucket(hashed)
        table[bucket >> 6] |= (<unsigned long long>1) << (bucket & 63)
        starting.setdefault(hashed, []).append(index)
    counted = {}  # candidate -> its copies found so far
    next_start = {}  # candidate -> where its next copy may start: after the last one's end (count's)
    found = set()
    hashed = _hash(haystack, window)
    position = 0
    while True:
        bucket = _bucket(hashed)
        if table[bucket >> 6] & ((<unsigned long long>1) << (bucket & 63)):
            for index in starting.get(hashed, ()):
                key = keys[index]
                if (
                    index not in found
                    and position >= next_start.get(index, 0)
                    and PyUnicode_Tailmatch(haystack, key, position, position + len(key), -1)
                ):
                    next_start[index] = position + len(key)
                    counted[index] = counted.get(index, 0) + 1
                    if counted[index] >= copies:
                        found.add(index)
        if position + window >= length:
            break
        hashed = (
            (hashed - PyUnicode_READ(kind, data, position) * leaving) * _BASE
            + PyUnicode_READ(kind, data, position + window)
        )
        position += 1
    return [index for index in candidates if index in found]
