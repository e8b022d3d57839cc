# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""The fingerprint's and the duplicate check's loops over a text's bytes, compiled (optional).

storage/_minhash.py does the same in Python and is the reference; it uses this module when it was built
(setup.py, an optional extension) and says so (`_minhash.COMPILED`). Written by hand because no library
does these two jobs: `normalised` is `_minhash._spaced` / `_minhash._letters` in one pass over the UTF-8
(a `bytes.translate` with deletions alone was half of the fingerprint), and `PairSet` is the set of a
text's word pairs as keyed 64-bit hashes in an open-addressing table, where a frozenset of pair
`bytes` made a Python object per pair (a duplicate check makes two such sets: 0.3 ms each, a mean article).
"""

from libc.stdint cimport uint32_t, uint64_t
from libc.stdlib cimport calloc, free, malloc
from libc.string cimport memcpy
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize, PyBytes_GET_SIZE

cdef extern from "Python.h":
    Py_UCS4 Py_UNICODE_TOLOWER(Py_UCS4 ch)
    # CPython's hash of bytes: SipHash with the process's random key. A page cannot choose words whose
    # pairs collide with another text's, as it could with an unkeyed hash, to pass for its copy.
    Py_hash_t _Py_HashBytes(const void* data, Py_ssize_t length)

# Each ASCII byte's byte in the words: a letter lowered, a digit as it is, a space for white space and
# punctuation: _minhash's own table, given by `bind` (_minhash.py, at import).
cdef unsigned char _ASCII[128]
cdef bint _BOUND = False


def bind(bytes ascii_lower_spaced):
    """Take _minhash's table of the 256 bytes (only its ASCII half is read here)."""
    global _BOUND
    cdef int byte
    if len(ascii_lower_spaced) != 256:
        raise ValueError("a table of 256 bytes")
    for byte in range(128):
        _ASCII[byte] = ascii_lower_spaced[byte]
    _BOUND = True


# Characters whose lowercase is not a character's own simple mapping (Python's str.lower gives the capital
# sigma its final form by its neighbours, and the dotted capital I two characters): None, Python does them.
cdef uint32_t _CAPITAL_SIGMA = 0x3A3
cdef uint32_t _DOTTED_CAPITAL_I = 0x130
cdef unsigned char _SPACE = 0x20


cdef inline Py_ssize_t _separator_length(const unsigned char* s, Py_ssize_t i, Py_ssize_t n) noexcept nogil:
    """The length of the Unicode separator at s[i] (_minhash._UNICODE_SEPARATORS), 0 if none."""
    cdef unsigned char lead = s[i]
    if lead == 0xC2 and i + 1 < n and 0xA0 <= s[i + 1] <= 0xBF:
        return 2
    if lead == 0xE2 and i + 2 < n:
        if (s[i + 1] == 0x80 and 0x80 <= s[i + 2] <= 0xBF) or (s[i + 1] == 0x81 and 0x80 <= s[i + 2] <= 0xAF):
            return 3
    if lead == 0xE3 and i + 2 < n and s[i + 1] == 0x80 and 0x80 <= s[i + 2] <= 0xBF:
        return 3
    return 0


cdef inline Py_ssize_t _decoded(const unsigned char* s, Py_ssize_t i, Py_ssize_t n, uint32_t* code) noexcept nogil:
    """The code point at s[i], a lead byte of valid UTF-8, and its length in bytes (0: cut short)."""
    cdef unsigned char lead = s[i]
    if lead < 0xE0:
        if i + 1 >= n:
            return 0
        code[0] = ((lead & 0x1F) << 6) | (s[i + 1] & 0x3F)
        return 2
    if lead < 0xF0:
        if i + 2 >= n:
            return 0
        code[0] = ((lead & 0x0F) << 12) | ((s[i + 1] & 0x3F) << 6) | (s[i + 2] & 0x3F)
        return 3
    if i + 3 >= n:
        return 0
    code[0] = ((lead & 0x07) << 18) | ((s[i + 1] & 0x3F) << 12) | ((s[i + 2] & 0x3F) << 6) | (s[i + 3] & 0x3F)
    return 4


cdef inline Py_ssize_t _encoded(uint32_t code, unsigned char* out) noexcept nogil:
    if code < 0x80:
        out[0] = <unsigned char>code
        return 1
    if code < 0x800:
        out[0] = 0xC0 | (code >> 6)
        out[1] = 0x80 | (code & 0x3F)
        return 2
    if code < 0x10000:
        out[0] = 0xE0 | (code >> 12)
        out[1] = 0x80 | ((code >> 6) & 0x3F)
        out[2] = 0x80 | (code & 0x3F)
        return 3
    out[0] = 0xF0 | (code >> 18)
    out[1] = 0x80 | ((code >> 12) & 0x3F)
    out[2] = 0x80 | ((code >> 6) & 0x3F)
    out[3] = 0x80 | (code & 0x3F)
    return 4


def normalised(bytes encoded, bint spaced):
    """The words of the UTF-8 text `encoded`, lowered: with `spaced` each ASCII white space or punctuation
    character and each Unicode separator a space (`_minhash._spaced`); else those deleted, and the UTF-8
    lead bytes of what is left too (`_minhash._letters`). None for a text with a capital sigma or a dotted
    capital I, which lower otherwise than one character at a time, or with a character cut short."""
    cdef const unsigned char* s = <const unsigned char*>PyBytes_AS_STRING(encoded)
    cdef Py_ssize_t n = PyBytes_GET_SIZE(encoded), i = 0, o = 0, length, size
    # A lowercase can take a byte more than its capital (U+023A, 2 bytes, lowers to U+2C65, 3): twice the
    # length is room for any.
    if not _BOUND:
        raise RuntimeError("normalised() before bind()")
    cdef unsigned char* out = <unsigned char*>malloc(2 * n + 1)
    cdef unsigned char byte, kept
    cdef unsigned char character[4]
    cdef uint32_t code
    if out == NULL:
        raise MemoryError()
    try:
        while i < n:
            byte = s[i]
            if byte < 0x80:
                kept = _ASCII[byte]
                out[o] = kept
                # Letters: a space is not kept, with no branch (white space is every sixth byte, unpredictably).
                o += spaced or kept != _SPACE
                i += 1
                continue
            length = _separator_length(s, i, n)
            if length:
                if spaced:
                    out[o] = _SPACE
                    o += 1
                i += length
                continue
            length = _decoded(s, i, n, &code)
            if length == 0 or code == _CAPITAL_SIGMA or code == _DOTTED_CAPITAL_I:
                return None
            size = _encoded(<uint32_t>Py_UNICODE_TOLOWER(<Py_UCS4>code), character)
            if spaced or size == 1:
                memcpy(out + o, character, size)
                o += size
            else:  # the letters keep a character's continuation bytes, not its lead byte
                memcpy(out + o, character + 1, size - 1)
                o += size - 1
            i += length
        return PyBytes_FromStringAndSize(<char*>out, o)
    finally:
        free(out)


cdef inline uint64_t _mixed(uint64_t value) noexcept nogil:
    # splitmix64's finaliser: a bijection, so distinct pairs of word hashes stay distinct
    value ^= value >> 30
    value *= 0xBF58476D1CE4E5B9ULL
    value ^= value >> 27
    value *= 0x94D049BB133111EBULL
    value ^= value >> 31
    return value


cdef uint64_t _PAIR_MULTIPLIER = 0x9E3779B97F4A7C15ULL  # odd: (first, second) and (second, first) differ
cdef uint64_t _SINGLE_WORD = 0x5851F42D4C957F2DULL  # a text of one word is one shingle, the word


cdef class PairSet:
    """The distinct word pairs of a spaced text (`_minhash._spaced`: words between spaces) as 64-bit keyed
    hashes: `len()` is the number of distinct pairs, `shared(other)` of those in both. Two pairs are told
    apart but once in 2**64 (a text of 10,000 pairs: a count off by one once in 10**11 checks)."""

    cdef uint64_t* slots  # open addressing, linear probing; 0 marks an empty slot
    cdef uint64_t* keys  # the distinct keys, densely, for `shared`
    cdef Py_ssize_t mask
    cdef Py_ssize_t count
    cdef bint has_zero  # the key 0 cannot sit in a slot: kept apart

    def __cinit__(self, bytes spaced):
        cdef const unsigned char* s = <const unsigned char*>PyBytes_AS_STRING(spaced)
        cdef Py_ssize_t n = PyBytes_GET_SIZE(spaced), i = 0, start, words = 0, capacity = 16
        cdef uint64_t word, previous = 0
        while capacity < n + 2:  # a word and its space are two bytes at least: at most half full
            capacity <<= 1
        self.slots = <uint64_t*>calloc(capacity, sizeof(uint64_t))
        self.keys = <uint64_t*>malloc((n // 2 + 2) * sizeof(uint64_t))
        if self.slots == NULL or self.keys == NULL:
            raise MemoryError()
        self.mask, self.count, self.has_zero = capacity - 1, 0, False
        while i < n:
            while i < n and s[i] == _SPACE:
                i += 1
            if i == n:
                break
            start = i
            while i < n and s[i] != _SPACE:
                i += 1
            word = <uint64_t>_Py_HashBytes(s + start, i - start)
            words += 1
            if words > 1:
                self._add(_mixed(previous * _PAIR_MULTIPLIER + word))
            previous = word
        if words == 1:
            self._add(_mixed(previous ^ _SINGLE_WORD))

    cdef void _add(self, uint64_t key) noexcept:
        cdef Py_ssize_t slot
        if key == 0:
            if not self.has_zero:
                self.has_zero = True
                self.keys[self.count] = 0
                self.count += 1
            return
        slot = <Py_ssize_t>(key & <uint64_t>self.mask)
        while self.slots[slot] != 0:
            if self.slots[slot] == key:
                return
            slot = (slot + 1) & self.mask
        self.slots[slot] = key
        self.keys[self.count] = key
        self.count += 1

    cdef bint _holds(self, uint64_t key) noexcept:
        cdef Py_ssize_t slot
        if key == 0:
            return self.has_zero
        slot = <Py_ssize_t>(key & <uint64_t>self.mask)
        while self.slots[slot] != 0:
            if self.slots[slot] == key:
                return True
            slot = (slot + 1) & self.mask
        return False

    def __len__(self):
        return self.count

    def shared(self, PairSet other):
        """How many pairs this set and `other` both hold."""
        cdef PairSet smaller = self if self.count <= other.count else other
        cdef PairSet larger = other if smaller is self else self
        cdef Py_ssize_t index, found = 0
        for index in range(smaller.count):
            found += larger._holds(smaller.keys[index])
        return found

    def __dealloc__(self):
        free(self.slots)
        free(self.keys)
