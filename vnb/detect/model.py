"""Detection models: the shipped YOLOv3-tiny, users' YOLO exports, and their onnxruntime sessions.

The shipped model is pinned by sha256 (its model card is ``models/README.md``). A user's model
is used only by explicit choice — a path, or a name registered with :func:`add_model` (``vnb
models add PATH``), whose sha256 was recorded then — and always loaded from bytes, refusing
models that refer to external data. onnxruntime is imported only when a model is loaded.

A model is code-adjacent: a ``Loop`` with a huge trip count runs for ever. Every call of a
model (`Model.run`) has a wall-clock deadline — ``timeout`` seconds, default
`DEFAULT_TIMEOUT` (changeable: ``vnb.detect.model.DEFAULT_TIMEOUT = 300``) — and can be
cancelled: a watcher thread sets onnxruntime's ``RunOptions.terminate``, which stops the
running ``session.run`` between two of its operators (inside loops too).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from vnb.cache.memory import LRU
from vnb.detect.layouts import (
    Layout,
    class_names,
    expected_shape,
    numbered_classes,
    output_layout,
)
from vnb.detect.onnxcheck import OnnxFormatError, check_model_bytes
from vnb.errors import DetectionCancelledError, DetectionError, FileAccessError
from vnb.fileio import atomic_output, atomic_write, read_regular_file

__all__ = [
    "DEFAULT_TIMEOUT",
    "Model",
    "add_model",
    "list_models",
    "load_model",
]

SHIPPED_MODEL = "yolov3-tiny-coco"
"""The name of the model vnb ships and uses by default."""
SHIPPED_SHA256 = "a152cf7e2e3750a059f1c8202c013d619c3b5f1f99a81461a2c6613d86248598"
"""The sha256 of ``yolov3-tiny-coco.onnx``, as its model card gives it."""
_PROVIDERS = (
    "CUDAExecutionProvider",
    "CoreMLExecutionProvider",
    "DmlExecutionProvider",
    "CPUExecutionProvider",
)
DEFAULT_TIMEOUT = 60.0
"""Seconds one model call (one batch of frames) may take when no ``timeout`` is given."""
MAX_TIMEOUT = 24 * 3600.0
_POLL = 0.02
_MAX_BYTES = 2 * 1024**3
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
_lock = threading.Lock()
_loaded: LRU[tuple[str, tuple[str, ...]], Model] = LRU(8)  # sessions: the last models used


@dataclass(frozen=True, slots=True, kw_only=True)
class Model:
    """A loaded detection model: its onnxruntime session and what vnb knows of it.

    Example:
        ```python
        m = vnb.detect.load_model()  # the shipped YOLOv3-tiny
        m.names[:3], m.layout  # (('person', 'bicycle', 'car'), 'yolov5')
        ```
    """

    name: str
    """The registered or shipped name, or the file's name for a model given by path."""
    path: str
    """The file it was read from."""
    sha256: str
    """Of the file's bytes: part of every cache key."""
    layout: Layout
    """``yolov5``: output ``[batch, N, 5+C]`` with objectness; ``yolov8``: ``[batch, 4+C, N]``."""
    names: tuple[str, ...]
    """Class names, in the model's order."""
    input_name: str
    input_size: tuple[int, int] | None
    """``(width, height)`` when the model's input is fixed, else None (any multiple of 32)."""
    batch: bool
    """The model takes several images at once (a dynamic batch dimension)."""
    provider: str
    """The onnxruntime execution provider in use."""
    session: Any
    """The ``onnxruntime.InferenceSession``."""

    def run(
        self,
        images: np.ndarray,
        *,
        timeout: float | None = None,
        cancel: threading.Event | None = None,
    ) -> np.ndarray:
        """Run the model on ``[batch, 3, H, W]`` float32 images; returns ``[batch, N, 5+C]``.

        The output is given in the YOLOv5 layout whatever the model's own (YOLOv8 outputs are
        transposed, and carry no objectness column: decode with `layout` in mind).

        Args:
            images: the batch.
            timeout: seconds the call may take (default `DEFAULT_TIMEOUT`); past it the run
                is stopped (within about 20 ms of the model's current operator).
            cancel: setting this event stops the run too.

        Raises:
            DetectionError: onnxruntime failed, the call ran past ``timeout``, or the output
                has an unexpected shape.
            DetectionCancelledError: ``cancel`` was set.
        """
        import onnxruntime  # noqa: PLC0415

        limit = check_timeout(timeout)
        options = onnxruntime.RunOptions()
        options.log_severity_level = 4  # a terminated run is reported here, not logged
        stopped: list[str] = []
        finished = threading.Event()

        def watch() -> None:
            end = time.monotonic() + limit
            while not finished.wait(_POLL):
                if cancel is not None and cancel.is_set():
                    stopped.append("cancelled")
                elif time.monotonic() >= end:
                    stopped.append("timeout")
                else:
                    continue
                options.terminate = True
                return

        watcher = threading.Thread(target=watch, name="vnb-detect-deadline", daemon=True)
        watcher.start()
        try:
            (out,) = self.session.run(None, {self.input_name: images}, options)[:1]
        except Exception as err:
            if stopped == ["cancelled"]:
                msg = f"{self.path}: analysis cancelled while the model ran"
                raise DetectionCancelledError(msg) from None
            if stopped == ["timeout"]:
                msg = (
                    f"{self.path}: the model ran past its deadline of {limit:g} s on input "
                    f"{list(images.shape)} and was stopped (give analyze(timeout=...) or "
                    "vnb detect --timeout more seconds if it needs them)"
                )
                raise DetectionError(msg) from None
            msg = f"{self.path}: the model failed on input {list(images.shape)}: {err}"
            raise DetectionError(msg) from err
        finally:
            finished.set()
        out = np.asarray(out)
        want = len(self.names) + (5 if self.layout == "yolov5" else 4)
        if self.layout == "yolov8" and out.ndim == 3:
            out = out.transpose(0, 2, 1)
        if out.ndim != 3 or out.shape[0] != images.shape[0] or out.shape[2] != want:
            msg = (
                f"{self.path}: output of shape {list(out.shape)}; expected "
                f"{expected_shape(self.layout, len(self.names))}"
            )
            raise DetectionError(msg)
        return out


def check_timeout(timeout: float | None) -> float:
    """The seconds a model call may take: ``timeout``, or `DEFAULT_TIMEOUT` for None.

    Raises:
        DetectionError: not a positive number of seconds (at most a day).
    """
    if timeout is None:
        return DEFAULT_TIMEOUT
    ok = isinstance(timeout, int | float) and not isinstance(timeout, bool)
    if not ok or not 0 < timeout <= MAX_TIMEOUT:
        msg = f"timeout must be a number of seconds in (0, {MAX_TIMEOUT:g}], not {timeout!r}"
        raise DetectionError(msg)
    return float(timeout)


def models_dir() -> Path:
    """The folder of registered models: ``VNB_MODELS_DIR``, else ``models`` in vnb's data dir."""
    env = os.environ.get("VNB_MODELS_DIR")
    if env:
        return Path(env).expanduser()
    from platformdirs import user_data_dir  # noqa: PLC0415

    return Path(user_data_dir("vnb")) / "models"


def shipped_model_path() -> Path:
    """Where the shipped model is: inside the installed package, else the source tree's models/.

    Raises:
        DetectionError: Neither holds it.
    """
    here = Path(__file__).resolve().parent.parent  # the vnb package
    for folder in (here / "_models", here.parent / "models"):
        candidate = folder / f"{SHIPPED_MODEL}.onnx"
        if candidate.is_file():
            return candidate
    msg = (
        f"the shipped model {SHIPPED_MODEL}.onnx is missing (looked in {here / '_models'} and "
        f"{here.parent / 'models'}); remake it with models/convert_darknet.py"
    )
    raise DetectionError(msg)


def _registry_file() -> Path:
    return models_dir() / "registry.json"


def _registry() -> dict[str, dict[str, str]]:
    path = _registry_file()
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        msg = f"{path}: cannot read the model registry: {err}"
        raise DetectionError(msg) from err
    return data if isinstance(data, dict) else {}


def list_models() -> dict[str, dict[str, str]]:
    """The shipped model and the registered ones: name → ``{"file", "sha256"}``."""
    models = {SHIPPED_MODEL: {"file": "(shipped)", "sha256": SHIPPED_SHA256}}
    for name, entry in _registry().items():
        models[name] = {"file": str(models_dir() / entry["file"]), "sha256": entry["sha256"]}
    return models


def _read(path: Path) -> bytes:
    try:  # a regular file only, with a cap: a FIFO or /dev/zero must not hang or fill memory
        return read_regular_file(path, max_bytes=_MAX_BYTES, what="model file")
    except FileAccessError as err:
        raise DetectionError(str(err)) from None


def _resolve(model: str | os.PathLike[str] | None) -> tuple[str, Path, bytes, str]:
    """Find a model's file and bytes, checking the pinned sha256: ``(name, path, data, sha)``."""
    if model is None or model == SHIPPED_MODEL:
        path = shipped_model_path()
        name, pinned = SHIPPED_MODEL, SHIPPED_SHA256
    elif isinstance(model, str) and _NAME_RE.match(model) and model in _registry():
        entry = _registry()[model]
        path, name, pinned = models_dir() / entry["file"], model, entry["sha256"]
    else:
        path = Path(model).expanduser()
        name, pinned = path.stem, ""
        if not os.path.lexists(path):  # a FIFO or folder is named as such by _read
            msg = f"{model}: no such model file, and no registered model of that name"
            raise DetectionError(msg)
    data = _read(path)
    sha = hashlib.sha256(data).hexdigest()
    if pinned and sha != pinned:
        what = "its model card" if name == SHIPPED_MODEL else "the registry"
        msg = f"{path}: sha256 is {sha}, expected {pinned} (from {what}); the file was altered"
        raise DetectionError(msg)
    return name, path, data, sha


def load_model(model: str | os.PathLike[str] | None = None) -> Model:
    """Load a detection model (once per process; later calls reuse the session).

    Args:
        model: None (or ``"yolov3-tiny-coco"``) for the shipped model, the name of a model
            registered with :func:`add_model`, or the path of an ONNX file.

    Returns:
        The loaded model.

    Raises:
        DetectionError: No such model, a sha256 that does not match, not an ONNX model,
            external data, or inputs and outputs of shapes vnb cannot use.
    """
    name, path, data, sha = _resolve(model)
    providers = _providers()
    key = (sha, providers)
    found = _loaded.get(key)
    if found is not None:
        return found
    if sha != SHIPPED_SHA256:
        try:
            check_model_bytes(data)
        except OnnxFormatError as err:
            msg = f"{path}: not a usable ONNX model: {err}"
            raise DetectionError(msg) from None
    loaded = _make(name, path, data, sha, providers)
    with _lock:  # two threads loading one model share the first session made
        found = _loaded.get(key)
        if found is not None:
            return found
        _loaded.put(key, loaded)
    return loaded


def health() -> dict[str, Any]:
    """What detection needs, for `vnb doctor`: onnxruntime and the model files, checked.

    Returns:
        A JSON-ready dict: ``onnxruntime`` (``version``, the ``available`` execution
        providers and the one vnb ``uses``; None when it cannot be imported), ``models``
        (each with ``file``, ``sha256``, ``ok`` and the ``problem`` when not ok: a missing
        file or a sha256 that is not the pinned one) and ``problems``.
    """
    problems: list[str] = []
    runtime: dict[str, Any] | None
    try:
        import onnxruntime  # noqa: PLC0415

        runtime = {
            "version": onnxruntime.__version__,
            "available": list(onnxruntime.get_available_providers()),
            "uses": _providers()[0],
        }
    except ImportError as err:
        runtime = None
        problems.append(f"onnxruntime cannot be imported (object detection needs it): {err}")
    models: dict[str, dict[str, Any]] = {}
    try:
        listed = list_models()
    except DetectionError as err:
        listed = {SHIPPED_MODEL: {"file": "(shipped)", "sha256": SHIPPED_SHA256}}
        problems.append(str(err))
    for name, entry in listed.items():
        fact: dict[str, Any] = {"file": entry["file"], "sha256": entry["sha256"], "ok": True}
        try:
            path = shipped_model_path() if name == SHIPPED_MODEL else Path(entry["file"])
            fact["file"] = str(path)
            if not path.is_file():
                msg = f"{path}: no such file"
                raise DetectionError(msg)
            sha = hashlib.sha256(_read(path)).hexdigest()
            if sha != entry["sha256"]:
                msg = f"{path}: sha256 is {sha}, expected {entry['sha256']}"
                raise DetectionError(msg)
        except DetectionError as err:
            fact.update(ok=False, problem=str(err))
            problems.append(f"model {name}: {err}")
        models[name] = fact
    return {"onnxruntime": runtime, "models": models, "problems": problems}


def _providers() -> tuple[str, ...]:
    import onnxruntime  # noqa: PLC0415 - heavy: imported only when a model is loaded

    available = set(onnxruntime.get_available_providers())
    return tuple(p for p in _PROVIDERS if p in available) or ("CPUExecutionProvider",)


def _make(name: str, path: Path, data: bytes, sha: str, providers: tuple[str, ...]) -> Model:
    import onnxruntime  # noqa: PLC0415

    options = onnxruntime.SessionOptions()
    options.log_severity_level = 3
    try:
        session = onnxruntime.InferenceSession(data, sess_options=options, providers=providers)
    except Exception as err:
        msg = f"{path}: onnxruntime cannot load it as an ONNX model: {err}"
        raise DetectionError(msg) from None
    inputs, outputs = session.get_inputs(), session.get_outputs()
    channels = inputs[0].shape[1] if len(inputs) == 1 and len(inputs[0].shape) == 4 else 0
    if not (channels == 3 or isinstance(channels, str) or channels is None):
        shapes = [list(i.shape) for i in inputs]
        msg = f"{path}: inputs {shapes}; expected one image input [batch, 3, height, width]"
        raise DetectionError(msg)
    if "float" not in inputs[0].type or "16" in inputs[0].type:
        msg = f"{path}: input of type {inputs[0].type}; expected tensor(float)"
        raise DetectionError(msg)
    meta = session.get_modelmeta().custom_metadata_map
    shape = list(outputs[0].shape)
    names = class_names(meta.get("names"))
    layout = output_layout(path, shape, names)
    if names is None:
        names = numbered_classes(layout, shape)
    b, _, h, w = inputs[0].shape
    fixed = (w, h) if isinstance(w, int) and isinstance(h, int) and w > 0 and h > 0 else None
    return Model(
        name=name,
        path=str(path),
        sha256=sha,
        layout=layout,
        names=tuple(names),
        input_name=inputs[0].name,
        input_size=fixed,
        batch=not (isinstance(b, int) and b > 0),
        provider=session.get_providers()[0],
        session=session,
    )


def add_model(path: str | os.PathLike[str], name: str | None = None) -> Model:
    """Register a user's ONNX export under a name, copying it into :func:`models_dir`.

    The model is loaded and checked first; its sha256 is recorded, and later loads by name
    refuse a file that no longer matches.

    Args:
        path: The ONNX file (YOLOv5 or YOLOv8/v11 layout).
        name: The name to register it under; the file's stem by default.

    Returns:
        The loaded model.

    Raises:
        DetectionError: The model cannot be used (see :func:`load_model`), or a bad name.
    """
    source = Path(path).expanduser()
    name = name or source.stem
    if not _NAME_RE.match(name) or name == SHIPPED_MODEL:
        msg = f"{name!r}: a model name is 1-64 letters, digits, '_', '.', '-', not the shipped one"
        raise DetectionError(msg)
    loaded = load_model(source)
    folder = models_dir()
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{name}.onnx"
    with atomic_output(target) as tmp:
        shutil.copyfile(source, tmp)
        if hashlib.sha256(tmp.read_bytes()).hexdigest() != loaded.sha256:
            msg = f"{source}: the file changed while it was being registered"
            raise DetectionError(msg)
    registry = _registry()
    registry[name] = {"file": target.name, "sha256": loaded.sha256, "added_from": str(source)}
    text = json.dumps(registry, indent=2)
    try:
        atomic_write(_registry_file(), text.encode(), what="model registry", backup=False)
    except FileAccessError as err:
        raise DetectionError(str(err)) from None
    return loaded
