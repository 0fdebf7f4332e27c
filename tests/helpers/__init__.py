"""Helpers shared by the tests and the benchmarks (``benchmarks/media.py`` imports them).

- `tests.helpers.ffmpeg`: the one way to run the ffmpeg binary (the one vnb renders with).
- `tests.helpers.media`: the one maker of test media: lavfi files, stills, scikit-image photos.
- `tests.helpers.tools`: programs taken from the machine (node, fontconfig…): skipped without
  them, a failure under ``VNB_REQUIRE_TOOLS=1`` (CI).

The fixtures that hand them to tests are in ``tests/conftest.py`` (session-wide),
``tests/media/conftest.py`` and ``tests/detect/conftest.py``.
"""
