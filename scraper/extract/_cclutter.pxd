# cython: language_level=3
# What the compiled walk (_cwalk.pyx) asks _cclutter.pyx: the verdict of an element's class and id.

cdef int verdict_of(const unsigned char *class_, size_t class_length, const unsigned char *id_,
                    size_t id_length) noexcept nogil
