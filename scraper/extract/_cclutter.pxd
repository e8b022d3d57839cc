# cython: language_level=3
# What the compiled walk (_cwalk.pyx) asks _cclutter.pyx: the verdict of an element by the attributes
# clutter.clutter_of_attributes reads, found in its attribute list.

cdef enum:
    # An attribute's place in Attributes, in the order of _cclutter.ATTRIBUTE_NAMES.
    ROLE = 0
    HIDDEN_ATTRIBUTE = 1
    ARIA_HIDDEN = 2
    STYLE = 3
    CLASS = 4
    ID = 5
    ATTRIBUTES_READ = 6


cdef struct Attributes:  # an element's values of ATTRIBUTE_NAMES: `data` NULL for None (absent or no value)
    const unsigned char *data[ATTRIBUTES_READ]
    size_t length[ATTRIBUTES_READ]
    bint present[ATTRIBUTES_READ]


cdef int verdict_of_attributes(const Attributes *attributes, bint furniture, bint heading) noexcept nogil
