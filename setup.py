"""The optional compiled block walk (scraper/extract/_cwalk.pyx); everything else is in pyproject.toml.

Without Cython or a C compiler the package installs all the same and the Python walk runs
(scraper/extract/accelerator.py says which walk runs).
"""

from setuptools import Extension, setup

try:
    from Cython.Build import cythonize
except ImportError:  # Cython is a build requirement: missing only in a build that skips them
    extensions = []
else:
    extensions = cythonize(
        [Extension("scraper.extract._cwalk", ["scraper/extract/_cwalk.pyx"])],
        compiler_directives={"language_level": 3},
    )
    for extension in extensions:
        # A failed compile (no compiler, no Python headers) is a warning, not a failed install. Set after
        # cythonize, which makes its Extensions anew without the flag.
        extension.optional = True

setup(ext_modules=extensions)
