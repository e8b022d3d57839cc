# The compiled block walk (_cwalk.pyx), as mypy sees it.
from types import ModuleType
from typing import Any

from selectolax.lexbor import LexborNode

SELECTOLAX_VERSION: str

def bind(blocks: ModuleType) -> None: ...
def walk(collector: Any, root: LexborNode, recorder: Any) -> None: ...
