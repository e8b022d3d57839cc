"""The optional compiled extensions; everything else is in pyproject.toml.

Without Cython or a C compiler the package installs all the same and the Python code runs.
"""

from setuptools import Extension, setup

try:
    from Cython.Build import cythonize
except ImportError:  # Cython is a build requirement: missing only in a build that skips them
    extensions = []
else:
    extensions = cythonize(
        # optional: a failed compile is a warning, not a failed install
        [Extension("scraper.storage._shingling", ["scraper/storage/_shingling.pyx"], optional=True)],
        compiler_directives={"language_level": 3},
    )

setup(ext_modules=extensions)
