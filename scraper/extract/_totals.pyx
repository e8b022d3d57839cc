# cython: language_level=3, boundscheck=False, wraparound=False
"""`containers.container_totals`, compiled (optional; containers.py's Python is the reference and the
fallback, tests/extract/test_compiled_totals.py holds them to each other).

Written by hand: every page's blocks are counted into their containers once (and again for the kept
blocks when cleaning), and in Python each block cost a Totals made and added, 3 µs a block, a third of a
millisecond a mean page. Here the counts are summed in C structs and a Totals is made once per container.
The rules' values are the Python's, given by `bind` (containers.py calls it at import).
"""

from collections import defaultdict

from libc.stdlib cimport free, realloc


cdef struct Counts:
    long chars
    long link_chars
    long blocks
    long prose_chars
    long sentences
    long non_items
    long headline_links
    long lines


# Bound by containers.py from its own module: the Totals class, the block kinds and the rules' values.
cdef object _Totals = None
cdef object _PARAGRAPH = None
cdef object _HEADING = None
cdef object _PRE = None
cdef long _MIN_HEADLINE_LINK_CHARS = 0
cdef double _MAX_CONTAINER_LINK_DENSITY = 0.0
cdef long _MIN_PROSE_CHARS = 0
cdef double _MAX_PROSE_LINK_DENSITY = 0.0
cdef Py_ssize_t _MIN_UNPUNCTUATED_SENTENCE_CHARS = 0
cdef tuple _SENTENCE_ENDINGS = ()


def bind(totals, paragraph, heading, pre, long min_headline_link_chars, double max_container_link_density,
         long min_prose_chars, double max_prose_link_density, Py_ssize_t min_unpunctuated_sentence_chars,
         tuple sentence_endings):
    """Take the Python's class, kinds and rules (containers.py, at import)."""
    global _Totals, _PARAGRAPH, _HEADING, _PRE, _MIN_HEADLINE_LINK_CHARS, _MAX_CONTAINER_LINK_DENSITY
    global _MIN_PROSE_CHARS, _MAX_PROSE_LINK_DENSITY, _MIN_UNPUNCTUATED_SENTENCE_CHARS, _SENTENCE_ENDINGS
    _Totals, _PARAGRAPH, _HEADING, _PRE = totals, paragraph, heading, pre
    _MIN_HEADLINE_LINK_CHARS = min_headline_link_chars
    _MAX_CONTAINER_LINK_DENSITY = max_container_link_density
    _MIN_PROSE_CHARS = min_prose_chars
    _MAX_PROSE_LINK_DENSITY = max_prose_link_density
    _MIN_UNPUNCTUATED_SENTENCE_CHARS = min_unpunctuated_sentence_chars
    _SENTENCE_ENDINGS = sentence_endings


cdef class _Table:
    """The containers' counts, in the order they were first entered (the Python's dict order)."""

    cdef Counts* counts
    cdef Py_ssize_t size
    cdef Py_ssize_t capacity
    cdef dict index_of  # container id -> its row
    cdef list ids  # row -> container id

    def __cinit__(self):
        self.counts, self.size, self.capacity = NULL, 0, 0
        self.index_of, self.ids = {}, []

    def __dealloc__(self):
        free(self.counts)

    cdef Py_ssize_t row(self, object container) except -1:
        """The row of `container`, entered (zeroed) when it has none: `totals[container]`."""
        cdef Counts* grown
        found = self.index_of.get(container)
        if found is not None:
            return <Py_ssize_t>found
        if self.size == self.capacity:
            self.capacity = 2 * self.capacity + 32
            grown = <Counts*>realloc(self.counts, self.capacity * sizeof(Counts))
            if grown == NULL:
                raise MemoryError()
            self.counts = grown
        self.counts[self.size] = Counts(0, 0, 0, 0, 0, 0, 0, 0)
        self.index_of[container] = self.size
        self.ids.append(container)
        self.size += 1
        return self.size - 1

    cdef void add(self, Py_ssize_t into, Counts* child) noexcept:
        cdef Counts* target = &self.counts[into]
        target.chars += child.chars
        target.link_chars += child.link_chars
        target.blocks += child.blocks
        target.prose_chars += child.prose_chars
        target.sentences += child.sentences
        target.non_items += child.non_items
        target.headline_links += child.headline_links  # `lines`: a container's own paragraphs, not summed


cdef Counts _own_counts(object block) except *:
    """`containers._own_totals`."""
    cdef Counts own = Counts(0, 0, 1, 0, 0, 0, 0, 0)
    cdef long chars = block.chars, link_chars = block.link_chars
    cdef double density = <double>link_chars / chars if chars else 0.0
    own.chars, own.link_chars = chars, link_chars
    own.headline_links = chars >= _MIN_HEADLINE_LINK_CHARS and density > _MAX_CONTAINER_LINK_DENSITY
    kind = block.kind
    if kind is _HEADING:
        return own
    cdef long unlinked = chars - link_chars
    own.prose_chars = unlinked if unlinked >= _MIN_PROSE_CHARS and density <= _MAX_PROSE_LINK_DENSITY else 0
    cdef str text = block.text.rstrip()
    own.sentences = 1 if len(text) >= _MIN_UNPUNCTUATED_SENTENCE_CHARS or text.endswith(_SENTENCE_ENDINGS) else 0
    own.non_items = kind is _PARAGRAPH or kind is _PRE
    return own


cdef Py_ssize_t _add_path(tuple path, dict parents, list levels) except -1:
    """`containers._add_path`."""
    cdef Py_ssize_t first = len(path), depth
    while first > 0 and path[first - 1] not in parents:
        first -= 1
    for depth in range(first, len(path)):
        parents[path[depth]] = path[depth - 1] if depth else None
        while len(levels) <= depth:
            levels.append([])
        (<list>levels[depth]).append(path[depth])
    return first


def container_totals(blocks):
    """`containers.container_totals`: the same totals (a defaultdict of Totals, in the same key order),
    parents and innermost-first order."""
    cdef _Table table = _Table()
    cdef dict parents = {}
    cdef list levels = []
    cdef tuple path
    cdef Py_ssize_t length, first, index, row
    cdef Counts own
    for block in blocks:
        path = block.path
        length = len(path)
        if length == 0:
            continue
        if length > 1 and block.kind is _PARAGRAPH:
            row = table.row(path[length - 2])  # first, as the Python: the keys' order is kept
            table.counts[row].lines += 1
        inner = path[length - 1]
        own = _own_counts(block)
        if inner in parents:
            table.add(table.row(inner), &own)
            continue
        if length > 1 and path[length - 2] in parents:
            parents[inner] = path[length - 2]
            if len(levels) < length:
                levels.append([])
            (<list>levels[length - 1]).append(inner)
        else:
            first = _add_path(path, parents, levels)
            for index in range(first, length - 1):
                table.row(path[index])
        row = table.row(inner)  # a new key: the Python's `totals[inner] = ...` enters it last
        table.counts[row] = own
    inner_first = [container for level in reversed(levels) for container in level]
    for container in inner_first:
        parent = parents[container]
        if parent is not None:
            row = table.row(parent)
            index = table.row(container)
            table.add(row, &table.counts[index])
    return _made(table), parents, inner_first


cdef object _made(_Table table):
    totals = defaultdict(_Totals)
    cdef Py_ssize_t row
    cdef Counts* counts
    for row in range(table.size):
        counts = &table.counts[row]
        totals[table.ids[row]] = _Totals(
            counts.chars,
            counts.link_chars,
            counts.blocks,
            counts.prose_chars,
            counts.sentences,
            counts.non_items,
            counts.headline_links,
            counts.lines,
        )
    return totals
