"""The optional compiled loops; everything else is in pyproject.toml.

Without Cython or a C compiler the package installs all the same and the Python code runs: the same
results, slower (each module's test holds the two to each other; scraper/_compiled.py loads them).
"""

from setuptools import Extension, setup

# Each a .pyx beside the Python module that falls back to its own code when it is missing.
COMPILED = (
    "scraper.extract._cclutter",
    "scraper.extract._cwalk",
    "scraper.extract._measure",
    "scraper.extract._repeats",
    "scraper.extract._scan",
    "scraper.extract._totals",
    "scraper.extract.metadata._cnear",
    "scraper.extract.metadata._cpage",
    "scraper.storage._shingling",
)

try:
    from Cython.Build import cythonize
except ImportError:  # Cython is a build requirement: missing only in a build that skips them
    extensions = []
else:
    extensions = cythonize(
        [Extension(name, [name.replace(".", "/") + ".pyx"]) for name in COMPILED],
        compiler_directives={"language_level": 3},
    )
    for extension in extensions:
        # A failed compile is a warning, not a failed install. Set here: cythonize() makes new Extensions,
        # without the flag they were given.
        extension.optional = True

setup(ext_modules=extensions)
