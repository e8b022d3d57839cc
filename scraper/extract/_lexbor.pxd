# cython: language_level=3
# Lexbor's node structs and selectolax's LexborNode, as far as the compiled loops read them: those of
# selectolax SELECTOLAX_VERSION and the Lexbor it bundles (lexbor/dom/interfaces/node.h, element.h,
# character_data.h, document.h, core/hash.h; LexborNode as selectolax's lexbor.c lays it out). A module that cimports these runs
# only with that selectolax installed (its loader compares SELECTOLAX_VERSION); Cython also refuses, at
# import, a LexborNode whose size changed.

from libc.stdint cimport uintptr_t
from libc.string cimport memcmp

cdef extern from *:
    """
    #define SCRAPER_SELECTOLAX_VERSION "1.0.2"
    typedef struct scraper_lxb_node scraper_lxb_node;
    struct scraper_lxb_node {
        void *events;                  /* lxb_dom_event_target_t */
        uintptr_t local_name;          /* the tag's number (lxb_dom_node_tag_id), or an attribute name's */
        uintptr_t prefix;
        uintptr_t ns;
        void *owner_document;
        scraper_lxb_node *next;
        scraper_lxb_node *prev;
        scraper_lxb_node *parent;
        scraper_lxb_node *first_child;
        scraper_lxb_node *last_child;
        void *user;
        int type;                      /* lxb_dom_node_type_t */
    };
    typedef struct {                   /* lexbor_str_t */
        unsigned char *data;
        size_t length;
    } scraper_lxb_str;
    typedef struct {                   /* lxb_dom_character_data_t: a text node */
        scraper_lxb_node node;
        scraper_lxb_str data;
    } scraper_lxb_text;
    typedef struct scraper_lxb_attr scraper_lxb_attr;
    struct scraper_lxb_attr {          /* lxb_dom_attr_t */
        scraper_lxb_node node;
        uintptr_t upper_name;
        uintptr_t qualified_name;      /* 0 but for foreign content's adjusted names (xlink:href) */
        scraper_lxb_str *value;
        void *owner;
        scraper_lxb_attr *next;
        scraper_lxb_attr *prev;
    };
    typedef struct {                   /* lxb_dom_element_t, as far as its first attribute */
        scraper_lxb_node node;
        uintptr_t upper_name;
        uintptr_t qualified_name;
        scraper_lxb_str *is_value;
        scraper_lxb_attr *first_attr;
    } scraper_lxb_element;
    typedef struct {                   /* lxb_dom_document_t, as far as its compatibility mode */
        scraper_lxb_node node;
        int compat_mode;
    } scraper_lxb_document;
    typedef struct {                   /* lexbor_hash_entry_t (lexbor/core/hash.h): a page's own name */
        union { unsigned char *long_str; unsigned char short_str[17]; } u;
        size_t length;
        void *next;
    } scraper_lxb_name;
    typedef struct {                   /* selectolax's LexborNode */
        PyObject_HEAD
        void *vtab;
        scraper_lxb_node *node;
        PyObject *parser;
        int is_fragment_root;
        int is_template_content;
    } scraper_lexbor_node_object;
    """
    const char *SCRAPER_SELECTOLAX_VERSION

    ctypedef struct scraper_lxb_node:
        uintptr_t local_name
        uintptr_t ns
        void *owner_document
        scraper_lxb_node *next
        scraper_lxb_node *parent
        scraper_lxb_node *first_child
        int type

    ctypedef struct scraper_lxb_str:
        unsigned char *data
        size_t length

    ctypedef struct scraper_lxb_text:
        scraper_lxb_str data

    ctypedef struct scraper_lxb_attr:
        scraper_lxb_node node
        uintptr_t qualified_name
        scraper_lxb_str *value
        scraper_lxb_attr *next

    ctypedef struct scraper_lxb_element:
        scraper_lxb_attr *first_attr

    ctypedef struct scraper_lxb_document:
        int compat_mode

    ctypedef union scraper_lxb_name_letters:
        unsigned char *long_str
        unsigned char short_str[17]

    ctypedef struct scraper_lxb_name:
        scraper_lxb_name_letters u
        size_t length

    ctypedef class selectolax.lexbor.LexborNode [object scraper_lexbor_node_object, check_size error]:
        cdef scraper_lxb_node *node
        cdef object parser
        cdef int is_fragment_root


cdef inline scraper_lxb_node *following(scraper_lxb_node *node, scraper_lxb_node *start) noexcept nogil:
    """The node after `node` in document order inside `start`'s subtree (its first child first, then the
    next sibling of it or of the nearest ancestor below `start` that has one); NULL past the subtree. A
    loop of these walks a subtree without recursion, however deep the page nests."""
    if node.first_child != NULL:
        return node.first_child
    while node != start and node.next == NULL:
        node = node.parent
    if node == start:
        return NULL
    return node.next


cdef inline LexborNode node_of(scraper_lxb_node *pointer, object parser):
    """A LexborNode of `pointer` in `parser`'s tree, as selectolax's LexborNode.new makes one."""
    cdef LexborNode node = LexborNode.__new__(LexborNode)
    node.node = pointer
    node.parser = parser
    return node


cdef enum:
    SHORT_NAME_CHARS = 16  # LEXBOR_HASH_SHORT_SIZE: a longer name is kept out of its entry


cdef inline bint name_spells(const scraper_lxb_name *entry, const unsigned char *letters, size_t length) noexcept nogil:
    """Whether the entry Lexbor made for a page's own name (its number is the entry's address) holds these
    letters."""
    cdef const unsigned char *held = entry.u.long_str
    if entry.length <= SHORT_NAME_CHARS:
        held = &entry.u.short_str[0]
    return entry.length == length and memcmp(held, letters, length) == 0
