"""vnb's version, from the installed package's metadata (a low module anything may import)."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

__all__ = ["__version__"]

try:
    __version__ = version("vnb")
except PackageNotFoundError:  # a source checkout that was not installed
    __version__ = "0.0.0"
