"""The package version, in its own module so that every other module can import it early."""

__version__ = "0.1.0"
