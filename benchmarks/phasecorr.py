"""Sub-pixel phase correlation (numpy and scipy), for `animation_bench.py`'s smoothness measure.

`displacement(a, b, n)` is how far the content at the centre of picture ``a`` has moved in
picture ``b`` (x right, y down, in pixels). An ``n``×``n`` crop of each, windowed (Hann), is
transformed; the normalised cross-power spectrum's inverse peaks at the shift, found on the
pixel grid and then on a grid `UPSAMPLE` times finer around it by evaluating the inverse DFT
there directly (the matrix-product DFT of Guizar-Sicairos et al., 2008: no model of the peak's
shape). The window stays put while the content moves, which pulls the estimate towards zero by
a few hundredths of a pixel; so the estimate is refined: ``b``'s crop is taken again at the
estimated offset (cubic spline) and the residual shift measured and added, `PASSES` times.

The spectrum is normalised by the square root of its magnitude rather than the magnitude
itself: frequencies that carry no picture (an upscaled photo has few) then add less noise.
On a photo shifted by known amounts the error is at most ~0.03 px (`animation_bench.py`'s
"exact warp" row measures the same floor on the benchmark's own move).
"""

from __future__ import annotations

import numpy as np

__all__ = ["PASSES", "UPSAMPLE", "displacement", "gray"]

UPSAMPLE = 100
"""Steps per pixel of the refined peak (a resolution of 0.01 px)."""
PASSES = 2
"""Refinements after the first estimate."""
MARGIN = 8
"""Pixels around a crop that is resampled (the spline's edges stay out of it)."""


def gray(rgb: np.ndarray) -> np.ndarray:
    """BT.709 luma of an H×W×3 uint8 picture, as float64."""
    return rgb[..., :3].astype(np.float64) @ np.array([0.2126, 0.7152, 0.0722])


def _hann(n: int) -> np.ndarray:
    return np.outer(np.hanning(n), np.hanning(n))


def _spectrum(a: np.ndarray, window: np.ndarray) -> np.ndarray:
    return np.fft.fft2((a - a.mean()) * window)


def _surface_max(cross: np.ndarray, ys: np.ndarray, xs: np.ndarray) -> tuple[float, float]:
    h, w = cross.shape
    rows = np.exp(2j * np.pi * np.outer(ys, np.fft.fftfreq(h)))
    cols = np.exp(2j * np.pi * np.outer(np.fft.fftfreq(w), xs))
    surface = (rows @ cross @ cols).real
    i, j = np.unravel_index(int(np.argmax(surface)), surface.shape)
    return float(ys[i]), float(xs[j])


def _refine(cross: np.ndarray, peak: tuple[float, float]) -> tuple[float, float]:
    """The correlation's maximum within ±1 px of ``peak`` (y, x), to 1/`UPSAMPLE` px.

    In two steps: a tenth of a pixel over ±1 px, then 1/`UPSAMPLE` over ±0.1 px around that.
    """
    tenths = np.linspace(-1.0, 1.0, 21)
    y, x = _surface_max(cross, peak[0] + tenths, peak[1] + tenths)
    fine = np.arange(-10, 11) / UPSAMPLE
    return _surface_max(cross, y + fine, x + fine)


def _crop(picture: np.ndarray, n: int) -> np.ndarray:
    """The central ``n``×``n`` pixels."""
    h, w = picture.shape
    y0, x0 = (h - n) // 2, (w - n) // 2
    return picture[y0 : y0 + n, x0 : x0 + n]


def _resampled(picture: np.ndarray, n: int, offset: tuple[float, float], zoom: float) -> np.ndarray:
    """The ``n``×``n`` crop about the centre moved by ``offset`` (dx, dy) and scaled by ``zoom``.

    Crop pixel j samples the picture at ``centre + (j - centre of the crop)·zoom + offset``
    (cubic spline), so content ``zoom`` times larger than in the straight crop comes out at its
    size there.
    """
    from scipy import ndimage

    h, w = picture.shape
    dx, dy = offset
    m = n + 2 * MARGIN
    iy, ix = (h - m) // 2 + round(dy), (w - m) // 2 + round(dx)
    part = picture[max(0, iy) : iy + m, max(0, ix) : ix + m]
    if part.shape != (m, m):
        msg = f"the crop moved {offset} px, off the picture"
        raise ValueError(msg)
    starts = [
        (size - 1) / 2 - (n - 1) / 2 * zoom + d - i for size, d, i in ((h, dy, iy), (w, dx, ix))
    ]
    return ndimage.affine_transform(
        part, [zoom, zoom], offset=starts, output_shape=(n, n), order=3, mode="nearest"
    )


def _residual(fa: np.ndarray, b: np.ndarray, window: np.ndarray) -> tuple[float, float]:
    """The shift of ``b`` from the picture whose windowed spectrum is ``fa``."""
    cross = _spectrum(b, window) * np.conj(fa)
    cross /= np.sqrt(np.maximum(np.abs(cross), 1e-12))
    corr = np.fft.ifft2(cross).real
    h, w = corr.shape
    i, j = np.unravel_index(int(np.argmax(corr)), corr.shape)
    coarse = (float(i - h if i > h // 2 else i), float(j - w if j > w // 2 else j))
    dy, dx = _refine(cross, coarse)
    return dx, dy


def displacement(a: np.ndarray, b: np.ndarray, n: int, zoom: float = 1.0) -> tuple[float, float]:
    """``(dx, dy)``: how far the content at the centre of ``a`` moved in ``b`` (gray, same size).

    Args:
        a: the first picture (gray).
        b: the next one.
        n: the side of the central crop that is compared (at most the pictures' smaller side
            minus `MARGIN` on each side and the shift).
        zoom: how much larger the content is in ``b`` than in ``a``. ``b`` is scaled back by it
            about its centre before the comparison: a zoom moves every point away from the
            centre, and the correlation of textures weighted unevenly would turn that into a
            shift (0.03 px on a 1080p Ken Burns).
    """
    window = _hann(n)
    fa = _spectrum(_crop(a, n), window)
    dx, dy = _residual(fa, _resampled(b, n, (0.0, 0.0), zoom), window)
    for _ in range(PASSES):
        rx, ry = _residual(fa, _resampled(b, n, (dx, dy), zoom), window)
        dx, dy = dx + rx, dy + ry
    return dx, dy
