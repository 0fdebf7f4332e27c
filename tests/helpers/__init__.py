"""Helpers shared by the tests and the benchmarks (``benchmarks/media.py`` imports them).

- `tests.helpers.ffmpeg`: the one way to run the ffmpeg binary (the one vnb renders with).
- `tests.helpers.media`: the one maker of test media: lavfi files, stills, scikit-image photos.

The fixtures that hand them to tests are in ``tests/conftest.py`` (session-wide),
``tests/media/conftest.py`` and ``tests/detect/conftest.py``.
"""
