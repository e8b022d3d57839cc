# The compiled text near the title (_cnear.pyx), as mypy sees it.
from selectolax.lexbor import LexborNode

SELECTOLAX_VERSION: str

def bind() -> None: ...
def text_through(root: LexborNode, title: bytes, after: int) -> tuple[str, bool]: ...
