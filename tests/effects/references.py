"""Numpy references of the shipped WASM examples (the formulas in each ``.wat`` header)."""

from __future__ import annotations

import numpy as np

SEPIA = ((0.393, 0.769, 0.189), (0.349, 0.686, 0.168), (0.272, 0.534, 0.131))


def invert(f: np.ndarray) -> np.ndarray:
    out = f.copy()
    out[..., :3] = 255 - f[..., :3]
    return out


def grayscale(f: np.ndarray) -> np.ndarray:
    c = f.astype(np.uint32)
    y = ((77 * c[..., 0] + 150 * c[..., 1] + 29 * c[..., 2] + 128) >> 8).astype(np.uint8)
    out = f.copy()
    out[..., 0] = out[..., 1] = out[..., 2] = y
    return out


def sepia(f: np.ndarray, strength: float) -> np.ndarray:
    s = np.float32(strength)
    c = [f[..., k].astype(np.float32) for k in range(3)]
    out = f.copy()
    for i in range(3):
        m = []
        for j in range(3):
            ident = np.float32(1.0 if i == j else 0.0)
            m.append(ident + (np.float32(SEPIA[i][j]) - ident) * s)
        v = (c[0] * m[0] + c[1] * m[1]) + c[2] * m[2]
        out[..., i] = np.minimum(np.rint(v), 255).astype(np.uint8)
    return out


def vignette(f: np.ndarray, strength: float) -> np.ndarray:
    h, w = f.shape[:2]
    one, half = np.float32(1), np.float32(0.5)
    k = np.float32(strength) * half
    u = (np.arange(w, dtype=np.float32) + half) * (np.float32(2) / np.float32(w)) - one
    v = (np.arange(h, dtype=np.float32) + half) * (np.float32(2) / np.float32(h)) - one
    fac = one - k * (u[None, :] * u[None, :] + (v * v)[:, None])
    out = f.copy()
    for ch in range(3):
        out[..., ch] = np.rint(f[..., ch].astype(np.float32) * fac).astype(np.uint8)
    return out


def pixelate(f: np.ndarray, size: float) -> np.ndarray:
    b = int(np.rint(np.float32(size)))
    h, w = f.shape[:2]
    rows, cols = np.arange(0, h, b), np.arange(0, w, b)
    sums = np.add.reduceat(np.add.reduceat(f.astype(np.int64), rows, axis=0), cols, axis=1)
    bh = np.minimum(b, h - rows)
    bw = np.minimum(b, w - cols)
    n = (bh[:, None] * bw[None, :])[..., None]
    mean = ((sums + n // 2) // n).astype(np.uint8)
    return np.repeat(np.repeat(mean, bh, axis=0), bw, axis=1)


def wave(f: np.ndarray, t: float, amplitude: float, wavelength: float, speed: float) -> np.ndarray:
    h, w = f.shape[:2]
    amp = np.float64(np.float32(amplitude))
    wl = np.float64(np.float32(wavelength))
    phase = (t * 1000.0 / 1000.0) * np.float64(np.float32(speed))
    turns = np.arange(h, dtype=np.float64) / wl + phase
    q = (turns - np.floor(turns)) - 0.5
    s = 8.0 * q - (16.0 * q) * np.abs(q)
    s = 0.225 * ((s * np.abs(s)) - s) + s
    d = np.clip(np.rint(amp * -s), -w, w).astype(np.int64)
    x = np.clip(np.arange(w)[None, :] - d[:, None], 0, w - 1)
    return f[np.arange(h)[:, None], x]
