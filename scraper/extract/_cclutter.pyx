# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""clutter.py's verdict of an element's attributes and the tests of its class and id names' tokens,
compiled (optional; clutter.py's Python is the reference and the fallback,
tests/extract/test_compiled_clutter.py holds them to each other).

Written by hand: a site's class names are new to a worker, and each distinct class attribute then costs
Python a search of its squeezed text for a clutter word, and where one is found a split, a tokenising of
each name by regular expressions and the tests of four sets (0.4 ms a mean page of a site not seen
before, a tenth of extract()). Here the verdict is read from the bytes: the clutter words in a trie over
a-z0-9, the tokens of the rule sets in one hash table with a bit per set, no string made.

`verdict_of_attributes` is clutter_of_attributes, the names' verdict after the role, `hidden`,
`aria-hidden` and style, for ASCII values only (-1 otherwise): lowering and squeezing other characters is
Python's (`str.lower` turns the Kelvin sign into "k"). The rules come from clutter.py by `bind`.
"""

from libc.stdlib cimport free, malloc
from libc.string cimport memcmp, memcpy, memset

cdef enum:
    # The bits of a token's entry in the table: the sets it is in.
    STRONG_TOKEN = 1
    GATED_TOKEN = 2
    WEAK_TOKEN = 4
    CONTENT_TOKEN = 8
    HIDDEN_CLASS = 16  # a whole class name, lowered (rules.HIDDEN_CLASSES)
    MODIFIER_WORD = 32  # a first word that states a setting: the name gives no tokens
    STYLE_PROPERTY_WORD = 64
    SKIP_ROLE = 128  # a role never the body, lowered (rules.SKIP_ROLES)
    FOOTER_TOKEN = 256
    WEAK_NOT_LAYOUT = 512  # a weak clutter token that names a kind of clutter, not layout
    STRONG_NOT_TERMS = 1024  # a strong clutter token that is not a definition list's terms
    # The verdicts (clutter.Clutter's values).
    NO_CLUTTER = 0
    WEAK = 1
    HIDDEN = 2
    GATED = 3
    STRONG = 4
    ALPHABET = 36  # a-z, 0-9: the letters of squeezed clutter words
    TABLE_SLOTS = 4096  # a power of two, at least twice the entries bind is given
    MAX_KEY = 64  # longer tokens are in no set (bind refuses longer entries)
    MAX_NAMES_BYTES = 2048  # longer class and id values go to Python, which copes with any length
    MAX_HIDING_STYLES = 4

# The attributes clutter_of_attributes reads, in the order of their places in Attributes (_cclutter.pxd).
ATTRIBUTE_NAMES = ("role", "hidden", "aria-hidden", "style", "class", "id")

# Set by bind from clutter.py's rules.
cdef int _min_slug_words = 0, _style_prefix_chars = 0
cdef bint _bound = False
# The declarations that hide an element (clutter.HIDING_STYLES): property and value, lowercase ASCII, the
# bytes kept alive by _hiding_styles.
cdef list _hiding_styles = []
cdef int _hiding_count = 0
cdef const unsigned char *_hiding_names[MAX_HIDING_STYLES]
cdef const unsigned char *_hiding_values[MAX_HIDING_STYLES]
cdef size_t _hiding_name_lengths[MAX_HIDING_STYLES]
cdef size_t _hiding_value_lengths[MAX_HIDING_STYLES]

# The trie of the squeezed clutter words: node 0 is the root, a child 0 means none.
cdef unsigned short *_children = NULL
cdef unsigned char *_word_ends = NULL

# The table of tokens: open addressing, the key's bytes in _keys at _key_starts[slot], its bits in _bits
# (0: an empty slot).
cdef unsigned short _bits[TABLE_SLOTS]
cdef unsigned int _key_starts[TABLE_SLOTS]
cdef unsigned char _key_lengths[TABLE_SLOTS]
cdef bytes _keys = b""
cdef const unsigned char *_key_bytes = NULL

# The trie's symbol of each ASCII byte: a-z (either case) 0 to 25, 0-9 26 to 35; -1 for the bytes that
# squeezing removes (clutter._SEPARATOR_BYTES) and for whitespace.
cdef signed char _symbol[128]


cdef inline bint _is_space(unsigned char byte) noexcept nogil:
    # str.split()'s whitespace in ASCII, and what the bytes of clutter._KEPT_BYTES keep as breaks.
    return byte == 32 or 9 <= byte <= 13 or 28 <= byte <= 31


cdef inline unsigned char _lower(unsigned char byte) noexcept nogil:
    return byte + 32 if 65 <= byte <= 90 else byte


cdef inline bint _next_name(const unsigned char *names, size_t length, size_t *start, size_t *end) noexcept nogil:
    """The bounds of the next name (str.split()'s) at or after `start[0]`; False past the last."""
    cdef size_t at = start[0]
    while at < length and _is_space(names[at]):
        at += 1
    if at >= length:
        return False
    start[0] = at
    while at < length and not _is_space(names[at]):
        at += 1
    end[0] = at
    return True


cdef inline bint _is_word_byte(unsigned char byte) noexcept nogil:
    # [a-z0-9] after lowering.
    return 48 <= byte <= 57 or 97 <= byte <= 122 or 65 <= byte <= 90


cdef inline unsigned int _hash_start() noexcept nogil:
    return 2166136261u  # FNV-1a


cdef inline unsigned int _hash_more(unsigned int hash_, const unsigned char *data, size_t length) noexcept nogil:
    cdef size_t index
    for index in range(length):
        hash_ = (hash_ ^ data[index]) * 16777619u
    return hash_


def bind(clutter_words, strong, gated, weak, content, hidden_classes, modifier_words, style_property_words,
         int min_slug_words, int style_prefix_chars, skip_roles, hiding_styles, footer, layout, terms):
    """Take clutter.py's rules: the squeezed clutter words, the token sets, the name rules, the roles never
    the body, the style declarations that hide an element, and the tokens of a footer, of layout and of a
    definition list's terms."""
    global _min_slug_words, _style_prefix_chars, _bound, _keys, _key_bytes, _children, _word_ends
    global _hiding_styles, _hiding_count
    _bound = False
    _build_classes()
    _build_trie([word.encode("ascii") for word in clutter_words])
    bits = {}
    for words, bit in ((strong, STRONG_TOKEN), (gated, GATED_TOKEN), (weak, WEAK_TOKEN),
                       (content, CONTENT_TOKEN), (hidden_classes, HIDDEN_CLASS),
                       (modifier_words, MODIFIER_WORD), (style_property_words, STYLE_PROPERTY_WORD),
                       (skip_roles, SKIP_ROLE), (footer, FOOTER_TOKEN),
                       (set(weak) - set(layout), WEAK_NOT_LAYOUT), (set(strong) - set(terms), STRONG_NOT_TERMS)):
        for word in words:
            if not word.isascii():
                continue  # only a name not ASCII, which Python judges, can hold it
            key = word.encode("ascii")
            if not 0 < len(key) <= MAX_KEY:
                raise ValueError(f"a rule word of {len(key)} bytes: {word!r}")
            bits[key] = bits.get(key, 0) | bit
    if 2 * len(bits) > TABLE_SLOTS:
        raise ValueError(f"{len(bits)} rule words: more than the table holds")
    _build_table(bits)
    if not 0 < min_slug_words <= 16:  # Words holds 16
        raise ValueError(f"slugs from {min_slug_words} words")
    hiding = [(name.encode("ascii"), value.encode("ascii")) for name, value in hiding_styles]
    if len(hiding) > MAX_HIDING_STYLES or any(
            not (name.isalpha() and name.islower() and value.isalpha() and value.islower())
            for name, value in hiding):
        raise ValueError(f"at most {MAX_HIDING_STYLES} style declarations, lowercase letters")
    _min_slug_words, _style_prefix_chars, _hiding_styles = min_slug_words, style_prefix_chars, hiding
    for _hiding_count, (name, value) in enumerate(hiding):
        _hiding_names[_hiding_count], _hiding_name_lengths[_hiding_count] = name, len(name)
        _hiding_values[_hiding_count], _hiding_value_lengths[_hiding_count] = value, len(value)
    _hiding_count = len(hiding)
    _bound = True


cdef void _build_classes() noexcept:
    cdef int byte
    for byte in range(128):
        _symbol[byte] = -1
        if _is_word_byte(byte):
            _symbol[byte] = _lower(byte) - 97 if _lower(byte) >= 97 else 26 + byte - 48


cdef int _build_trie(list words) except -1:
    global _children, _word_ends
    cdef size_t nodes = 1 + sum(len(word) for word in words), count = 1
    cdef unsigned short node
    cdef int symbol
    if nodes >= 65536:
        raise ValueError("too many clutter words for the trie")
    free(_children)
    free(_word_ends)
    _children = <unsigned short *> malloc(nodes * ALPHABET * sizeof(unsigned short))
    _word_ends = <unsigned char *> malloc(nodes)
    if _children == NULL or _word_ends == NULL:
        raise MemoryError()
    memset(_children, 0, nodes * ALPHABET * sizeof(unsigned short))
    memset(_word_ends, 0, nodes)
    for word in words:
        node = 0
        for byte in word:
            symbol = _symbol[byte] if byte < 128 else -1
            if symbol < 0 or 65 <= byte <= 90:
                raise ValueError(f"a clutter word not squeezed: {word!r}")
            if _children[node * ALPHABET + symbol] == 0:
                _children[node * ALPHABET + symbol] = count
                count += 1
            node = _children[node * ALPHABET + symbol]
        _word_ends[node] = 1
    return 0


cdef int _build_table(dict bits) except -1:
    global _keys, _key_bytes
    cdef unsigned int slot
    memset(_bits, 0, sizeof(_bits))
    joined = bytearray()
    for key, value in bits.items():
        slot = _hash_more(_hash_start(), key, len(key)) & (TABLE_SLOTS - 1)
        while _bits[slot] != 0:
            slot = (slot + 1) & (TABLE_SLOTS - 1)
        _bits[slot], _key_starts[slot], _key_lengths[slot] = value, len(joined), len(key)
        joined += key
    _keys = bytes(joined)
    _key_bytes = _keys
    return 0


cdef unsigned short _bits_of(const unsigned char *key, size_t length) noexcept nogil:
    """The sets the (lowered) token `key` is in: 0 for none."""
    cdef unsigned int slot
    if length == 0 or length > MAX_KEY:
        return 0
    slot = _hash_more(_hash_start(), key, length) & (TABLE_SLOTS - 1)
    while _bits[slot] != 0:
        if _key_lengths[slot] == length and memcmp(_key_bytes + _key_starts[slot], key, length) == 0:
            return _bits[slot]
        slot = (slot + 1) & (TABLE_SLOTS - 1)
    return 0


cdef bint _holds_clutter_word(const unsigned char *name, size_t length) noexcept nogil:
    """clutter._holds_clutter_word of one ASCII name (no whitespace): a clutter word in its squeezed
    letters, the other bytes removed."""
    cdef unsigned char letters[MAX_NAMES_BYTES]
    cdef size_t kept = 0, start, at
    cdef unsigned short node
    cdef int symbol
    for at in range(length):
        if _symbol[name[at]] >= 0:
            letters[kept] = _symbol[name[at]]
            kept += 1
    for start in range(kept):
        node = 0
        for at in range(start, kept):
            node = _children[node * ALPHABET + letters[at]]
            if node == 0:
                break
            if _word_ends[node]:
                return True
    return False


cdef struct Words:  # the words attribute_tokens finds in one name, lowered, at most _min_slug_words
    int count
    size_t starts[16]
    size_t lengths[16]


cdef bint _words_of(const unsigned char *name, size_t length, Words *words) noexcept nogil:
    """rules.attribute_tokens' words of one name (runs of [a-z0-9], split too where a capital follows a
    small letter or digit): False where there are too many for a name that gives tokens (a slug)."""
    cdef size_t at
    cdef bint in_word = False
    words.count = 0
    for at in range(length):
        if not _is_word_byte(name[at]):
            in_word = False
            continue
        if in_word and 65 <= name[at] <= 90 and not 65 <= name[at - 1] <= 90:
            in_word = False  # camel case: "shareBar" is "share bar"
        if in_word:
            words.lengths[words.count - 1] += 1
            continue
        if words.count == _min_slug_words:
            return False
        words.starts[words.count], words.lengths[words.count] = at, 1
        words.count += 1
        in_word = True
    return words.count < _min_slug_words


cdef unsigned short _name_token_bits(const unsigned char *name, const unsigned char *lowered,
                                     size_t length) noexcept nogil:
    """The sets any token of one name is in (rules.attribute_tokens, of the name as written: its capitals
    split camel case; `lowered` is the same name with them made small)."""
    cdef Words words
    cdef unsigned char key[MAX_KEY]
    cdef unsigned short found = 0
    cdef int index, start
    if not _words_of(name, length, &words) or words.count == 0:
        return 0
    if _bits_of(lowered + words.starts[0], words.lengths[0]) & MODIFIER_WORD:
        return 0
    start = 1 if words.count > 2 and words.lengths[0] <= <size_t> _style_prefix_chars else 0
    if words.count - start > 1 and (
            _bits_of(lowered + words.starts[start], words.lengths[start]) & STYLE_PROPERTY_WORD):
        return 0  # a utility class of the theme ("bg-secondary")
    for index in range(words.count):
        found |= _bits_of(lowered + words.starts[index], words.lengths[index])
        if words.lengths[index] > 3 and lowered[words.starts[index] + words.lengths[index] - 1] == 115:
            found |= _bits_of(lowered + words.starts[index], words.lengths[index] - 1)  # a plural's "s"
        if index > 0:  # joined neighbours
            found |= _joined_bits(lowered, &words, index - 1, 2, key)
    if words.count > 1:  # the last three words joined ("call-to-action")
        start = words.count - 3 if words.count > 3 else 0
        found |= _joined_bits(lowered, &words, start, words.count - start, key)
    return found


cdef unsigned short _joined_bits(const unsigned char *lowered, Words *words, int first, int count,
                                 unsigned char *key) noexcept nogil:
    cdef size_t length = 0
    cdef int index
    for index in range(first, first + count):
        if length + words.lengths[index] > MAX_KEY:
            return 0
        memcpy(key + length, lowered + words.starts[index], words.lengths[index])
        length += words.lengths[index]
    return _bits_of(key, length)


cdef int _verdict(const unsigned char *names, size_t length) noexcept nogil:
    """clutter_of_attributes' verdict by the names alone (`_clutter_of_names` where `_any_clutter_word`
    finds a clutter word, else no clutter) of ASCII class and id names, space-separated; -1 for others."""
    cdef unsigned char lowered[MAX_NAMES_BYTES]
    cdef size_t at, start, end, element
    cdef unsigned short flagged_bits = 0, content_bits = 0
    cdef bint flagged = False, hidden = False
    if not _bound or length > MAX_NAMES_BYTES:
        return -1
    for at in range(length):
        if names[at] >= 128:
            return -1
        lowered[at] = _lower(names[at])
    start = 0
    while _next_name(names, length, &start, &end):  # whether each holds a clutter word, is a hidden class
        if _holds_clutter_word(names + start, end - start):
            flagged = True
            flagged_bits |= _name_token_bits(names + start, lowered + start, end - start)
        hidden = hidden or (_bits_of(lowered + start, end - start) & HIDDEN_CLASS) != 0
        start = end
    if not flagged:
        return NO_CLUTTER
    if hidden:
        return STRONG
    if flagged_bits & STRONG_TOKEN:
        return STRONG
    if flagged_bits & GATED_TOKEN:
        return GATED
    if not flagged_bits & WEAK_TOKEN:
        return NO_CLUTTER
    start = 0
    while _next_name(names, length, &start, &end):  # BEM: only a name's element part ("story__meta":
        element = _element_start(lowered, start, end)  # "meta") may claim content
        content_bits |= _name_token_bits(names + element, lowered + element, end - element)
        start = end
    return NO_CLUTTER if content_bits & CONTENT_TOKEN else WEAK


cdef size_t _element_start(const unsigned char *name, size_t start, size_t end) noexcept nogil:
    """Where `name.rpartition("__")[2]` starts: after the last "__", else at the name's start."""
    cdef size_t at = end
    while at >= start + 2:
        if name[at - 1] == 95 and name[at - 2] == 95:
            return at
        at -= 1
    return start


cdef int verdict_of(const unsigned char *class_, size_t class_length, const unsigned char *id_,
                    size_t id_length) noexcept nogil:
    """The verdict of an element's class and id values (either NULL for none), -1 where Python judges."""
    cdef unsigned char names[MAX_NAMES_BYTES]
    cdef size_t length = 0
    if class_length + id_length + 1 > MAX_NAMES_BYTES:
        return -1
    if class_ != NULL:
        memcpy(names, class_, class_length)
        length = class_length
    if id_ != NULL:
        names[length] = 32
        memcpy(names + length + 1, id_, id_length)
        length += 1 + id_length
    return _verdict(names, length)


def verdict(str names):
    """The verdict of space-separated class and id names (a Clutter value), or -1 where only Python
    judges (a name that is not ASCII)."""
    if not names.isascii():
        return -1
    encoded = names.encode("ascii")
    return _verdict(encoded, len(encoded))


cdef int verdict_of_attributes(const Attributes *attributes, bint furniture, bint heading) noexcept nogil:
    """clutter.clutter_of_attributes of an element's values: -1 where Python judges (a value not ASCII)."""
    cdef const unsigned char *value
    cdef int by_name
    if not _bound:
        return -1
    value = attributes.data[ROLE]
    if value != NULL and attributes.length[ROLE] > 0:
        if not _ascii(value, attributes.length[ROLE]):
            return -1
        if _lowered_bits(value, attributes.length[ROLE]) & SKIP_ROLE:
            return STRONG  # a dialog or menu, even one hidden until opened
    if attributes.present[HIDDEN_ATTRIBUTE]:
        return HIDDEN
    value = attributes.data[ARIA_HIDDEN]
    if value != NULL and attributes.length[ARIA_HIDDEN] == 4 and memcmp(value, b"true", 4) == 0:
        return HIDDEN
    value = attributes.data[STYLE]
    if value != NULL and attributes.length[STYLE] > 0:
        if not _ascii(value, attributes.length[STYLE]):
            return -1
        if _style_hides(value, attributes.length[STYLE]):
            return HIDDEN
    by_name = verdict_of(
        attributes.data[CLASS], attributes.length[CLASS],
        NULL if heading else attributes.data[ID], 0 if heading else attributes.length[ID],
    )
    if by_name < 0:
        return -1
    return WEAK if furniture and by_name < WEAK else by_name


cdef bint _ascii(const unsigned char *value, size_t length) noexcept nogil:
    cdef size_t at
    for at in range(length):
        if value[at] >= 128:
            return False
    return True


cdef unsigned short _lowered_bits(const unsigned char *value, size_t length) noexcept nogil:
    cdef unsigned char lowered[MAX_KEY]
    cdef size_t at
    if length > MAX_KEY:
        return 0
    for at in range(length):
        lowered[at] = _lower(value[at])
    return _bits_of(lowered, length)


cdef bint _style_hides(const unsigned char *style, size_t length) noexcept nogil:
    """clutter._STYLE_HIDDEN_RE's search of the lowered style: a property, white space, ":", white space
    and the value that hides."""
    cdef size_t at
    cdef int declared
    for declared in range(_hiding_count):
        for at in range(length):
            if _lowered_at(style, length, at, _hiding_names[declared], _hiding_name_lengths[declared]) and (
                    _value_follows(style, length, at + _hiding_name_lengths[declared],
                                   _hiding_values[declared], _hiding_value_lengths[declared])):
                return True
    return False


cdef bint _value_follows(const unsigned char *style, size_t length, size_t at, const unsigned char *value,
                         size_t value_length) noexcept nogil:
    while at < length and _is_space(style[at]):
        at += 1
    if at >= length or style[at] != 58:  # ":"
        return False
    at += 1
    while at < length and _is_space(style[at]):
        at += 1
    return _lowered_at(style, length, at, value, value_length)


cdef inline bint _lowered_at(const unsigned char *text, size_t length, size_t at, const unsigned char *word,
                             size_t word_length) noexcept nogil:
    cdef size_t index
    if at + word_length > length:
        return False
    for index in range(word_length):
        if _lower(text[at + index]) != word[index]:
            return False
    return True


def verdict_of_values(values, bint furniture=False, bint heading=False):
    """`verdict_of_attributes` of the values by name (ATTRIBUTE_NAMES; absent: not a key; no value: None):
    a Clutter value, or -1 where only Python judges."""
    cdef Attributes attributes
    cdef int place
    kept = []
    for place, name in enumerate(ATTRIBUTE_NAMES):
        attributes.present[place] = name in values
        attributes.data[place], attributes.length[place] = NULL, 0
        value = values.get(name)
        if value is not None:
            if not value.isascii():
                return -1
            encoded = value.encode("ascii")
            kept.append(encoded)
            attributes.data[place], attributes.length[place] = <const unsigned char *> encoded, len(encoded)
    return verdict_of_attributes(&attributes, furniture, heading)


def token_sets(str names):
    """The three tests clutter.py makes of the tokens of `names` (rules.attribute_tokens), as bits: 1 a
    footer's token among them (is_footer), 2 weak clutter tokens all naming layout (names_only_layout), 4
    strong clutter tokens all a definition list's terms (names_its_terms); -1 where only Python judges (a
    name that is not ASCII)."""
    cdef unsigned short found = 0
    cdef size_t start = 0, end, length
    if not _bound or not names.isascii():
        return -1
    encoded = names.encode("ascii")
    cdef const unsigned char *data = encoded
    lowered = encoded.lower()
    length = len(encoded)
    while _next_name(data, length, &start, &end):
        found |= _name_token_bits(data + start, <const unsigned char *> lowered + start, end - start)
        start = end
    return (
        (1 if found & FOOTER_TOKEN else 0)
        | (2 if found & WEAK_TOKEN and not found & WEAK_NOT_LAYOUT else 0)
        | (4 if found & STRONG_TOKEN and not found & STRONG_NOT_TERMS else 0)
    )
