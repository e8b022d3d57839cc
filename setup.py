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
        # optional: a failed compile is a warning, not a failed install
        [Extension("scraper.extract._cwalk", ["scraper/extract/_cwalk.pyx"], optional=True)],
        compiler_directives={"language_level": 3},
    )

setup(ext_modules=extensions)
