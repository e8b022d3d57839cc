# cython: language_level=3, boundscheck=False, wraparound=False
# distutils: extra_compile_args = -ffp-contract=off
"""`containers.container_totals` and `containers.subtree_scores`, compiled (optional; containers.py's Python is the reference and the
fallback, tests/extract/test_compiled_totals.py holds them to each other).

Written by hand: every page's blocks are counted into their containers once (and again for the kept
blocks when cleaning), and in Python each block cost a Totals made and added, 3 µs a block, a third of a
millisecond a mean page. Here the counts are summed in C structs and a Totals is made once per container.
The rules' values are the Python's, given by `bind` and `bind_weights` (containers.py calls them at import).

The scores are summed in C doubles, in the Python's order, each weight computed as the Python's: the same
floats, bit for bit (the choice of body compares them). A product and a sum are not fused into one rounding
(-ffp-contract=off, above, where a compiler would on a machine with fused multiply-add).
"""

from collections import defaultdict

from cpython.object cimport PyObject, PyTypeObject
from cpython.ref cimport Py_INCREF
from libc.stdlib cimport calloc, free, realloc


cdef extern from "Python.h":
    ctypedef struct PyMemberDef:
        int type
        Py_ssize_t offset
        int flags
    ctypedef struct PyMemberDescrObject:
        PyMemberDef* d_member
    object PyType_GenericAlloc(PyTypeObject* type, Py_ssize_t items)
    enum:
        T_OBJECT_EX
        READONLY


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


# Where each field of a Totals lies in the object (its slot's offset), in the order of Counts' fields: a
# Totals is made by filling its slots, as its __init__ does, at a quarter of the cost of the call (a third of
# a microsecond, 160 containers a mean page). Found by `bind`; all -1 where the class is not one this can
# fill (its fields not plain slots, its construction not object's): then the class is called.
_FIELDS = ("chars", "link_chars", "blocks", "prose_chars", "sentences", "non_items", "headline_links", "lines")
cdef Py_ssize_t _OFFSETS[8]
cdef bint _FILLED = False


cdef bint _find_offsets(type totals) except -1:
    """Whether a Totals can be made by filling its slots (`_OFFSETS` set then)."""
    import dataclasses
    import types

    if totals.__new__ is not object.__new__ or hasattr(totals, "__post_init__"):
        return False
    if tuple(field.name for field in dataclasses.fields(totals)) != _FIELDS:
        return False
    cdef PyMemberDef* member
    for index, name in enumerate(_FIELDS):
        descriptor = totals.__dict__.get(name)
        if type(descriptor) is not types.MemberDescriptorType:
            return False
        member = (<PyMemberDescrObject*>descriptor).d_member
        if member.type != T_OBJECT_EX or member.flags & READONLY:
            return False
        _OFFSETS[index] = member.offset
    return True


cdef inline void _fill(object made, Py_ssize_t index, long value):
    """The field `index` of a Totals just allocated (its slots empty) set to `value`."""
    cdef object field = value
    Py_INCREF(field)  # the slot's reference
    (<PyObject**>((<char*><PyObject*>made) + _OFFSETS[index]))[0] = <PyObject*>field


def bind(totals, paragraph, heading, pre, long min_headline_link_chars, double max_container_link_density,
         long min_prose_chars, double max_prose_link_density, Py_ssize_t min_unpunctuated_sentence_chars,
         tuple sentence_endings):
    """Take the Python's class, kinds and rules (containers.py, at import)."""
    global _Totals, _PARAGRAPH, _HEADING, _PRE, _MIN_HEADLINE_LINK_CHARS, _MAX_CONTAINER_LINK_DENSITY
    global _MIN_PROSE_CHARS, _MAX_PROSE_LINK_DENSITY, _MIN_UNPUNCTUATED_SENTENCE_CHARS, _SENTENCE_ENDINGS
    global _FILLED
    _Totals, _PARAGRAPH, _HEADING, _PRE = totals, paragraph, heading, pre
    _FILLED = _find_offsets(totals)
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
    if _FILLED:
        for row in range(table.size):
            totals[table.ids[row]] = _filled(&table.counts[row])
        return totals
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



cdef object _filled(Counts* counts):
    """`Totals(counts.chars, ...)`, its slots filled (see _OFFSETS)."""
    made = PyType_GenericAlloc(<PyTypeObject*>_Totals, 0)  # object.__new__'s allocation: slots empty
    _fill(made, 0, counts.chars)
    _fill(made, 1, counts.link_chars)
    _fill(made, 2, counts.blocks)
    _fill(made, 3, counts.prose_chars)
    _fill(made, 4, counts.sentences)
    _fill(made, 5, counts.non_items)
    _fill(made, 6, counts.headline_links)
    _fill(made, 7, counts.lines)
    return made


# Bound by containers.py: the weights' rules (containers.weight, containers.junk_weight, subtree_scores).
cdef double _JUNK_WEIGHT = 0.0
cdef double _LINK_WEIGHT = 0.0
cdef double _MAX_BLOCK_PENALTY = 0.0
cdef double _MAX_CHILD_PENALTY = 0.0


def bind_weights(double junk_weight, double link_weight, double max_block_penalty, double max_child_penalty):
    """Take the Python's rules for the scores (containers.py, at import)."""
    global _JUNK_WEIGHT, _LINK_WEIGHT, _MAX_BLOCK_PENALTY, _MAX_CHILD_PENALTY
    _JUNK_WEIGHT, _LINK_WEIGHT = junk_weight, link_weight
    _MAX_BLOCK_PENALTY, _MAX_CHILD_PENALTY = max_block_penalty, max_child_penalty


cdef double _junk_weight(long chars, long link_chars) noexcept:
    """`containers.junk_weight`: the int operands of the Python's products are made doubles first."""
    cdef double penalty = _JUNK_WEIGHT * <double>(chars - link_chars) + _LINK_WEIGHT * <double>link_chars
    return -(penalty if penalty < _MAX_BLOCK_PENALTY else _MAX_BLOCK_PENALTY)  # min(): the first of equals


cdef double _weight(object block) except? -1.0:
    """`containers.weight`."""
    cdef long chars = block.chars, link_chars = block.link_chars
    if block.kind is _HEADING:
        if link_chars == 0:
            return 0.0
    elif chars - link_chars >= _MIN_PROSE_CHARS:
        if chars == 0:
            raise ZeroDivisionError("division by zero")  # the Python's density, of negative link text
        if <double>link_chars / <double>chars <= _MAX_PROSE_LINK_DENSITY:
            return <double>(chars - link_chars)
    return _junk_weight(chars, link_chars)


def subtree_scores(blocks, dict parents, list inner_first, cards, notices):
    """`containers.subtree_scores`: the same scores, keyed in the order of `parents`."""
    cdef list ids = list(parents)
    cdef Py_ssize_t count = len(ids), row, index
    cdef dict row_of = {}
    cdef tuple path
    cdef double score, floor = -_MAX_CHILD_PENALTY
    cdef double* scores = <double*>calloc(count + 1, sizeof(double))
    if scores == NULL:
        raise MemoryError()
    try:
        for row in range(count):
            row_of[ids[row]] = row
        if notices or cards:
            index = 0
            for block in blocks:
                path = block.path
                if path:
                    row = row_of[path[len(path) - 1]]
                    if index in notices or not cards.isdisjoint(path):
                        scores[row] += _junk_weight(block.chars, block.link_chars)
                    else:
                        scores[row] += _weight(block)
                index += 1
        else:  # most pages: no card, no notice
            for block in blocks:
                path = block.path
                if path:
                    scores[<Py_ssize_t>row_of[path[len(path) - 1]]] += _weight(block)
        for container in inner_first:
            parent = parents[container]
            if parent is not None:
                score = scores[<Py_ssize_t>row_of[container]]
                scores[<Py_ssize_t>row_of[parent]] += score if score >= floor else floor
        return {ids[row]: scores[row] for row in range(count)}
    finally:
        free(scores)
