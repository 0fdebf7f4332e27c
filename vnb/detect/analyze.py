"""`analyze`: run a detector over a video, every N-th frame, cached by content.

Decoding (PyAV, through `vnb.media.open_input`) and scaling into the letterbox (libswscale)
run in a thread of their own, ahead of the model, so the model is never kept waiting for
frames; the model runs in the calling thread (onnxruntime releases the GIL).
"""

from __future__ import annotations

import math
import os
import queue
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from vnb import cache
from vnb._bars import open_bar
from vnb.cache.memory import LRU
from vnb.detect.detections import Detections
from vnb.detect.model import Model, check_timeout, load_model
from vnb.detect.postprocess import DARKNET_ALIASES, Letterbox, decode
from vnb.detect.tracker import track_detections
from vnb.errors import DetectionCancelledError, DetectionError, MediaError

if TYPE_CHECKING:
    from vnb.media import MediaInfo, VideoStreamInfo

__all__ = ["analyze"]

DEFAULT_SIZE = 320
"""The model's input side when the model accepts any size (a multiple of 32)."""
_TRACK_LOW = 0.1  # weak detections kept for the tracker's second stage
_KEY = "vnb.detect.analyze/2"  # 2: boxes of display-rotated sources are upright
_END = object()
_last: LRU[str, Detections] = LRU(32)  # the latest analysis of each of the last videos


@dataclass(frozen=True, slots=True)
class _Item:
    index: int
    time: float
    image: np.ndarray  # scaled RGB, uint8
    letterbox: Letterbox
    frame_size: tuple[int, int]


def last_analysis(video: str | os.PathLike[str]) -> Detections | None:
    """The detections of the latest :func:`analyze` of ``video`` in this process, if any."""
    return _last.get(str(Path(video).resolve()))


def analyze(
    video: str | os.PathLike[str],
    *,
    every: int = 1,
    classes: Sequence[str] | None = None,
    model: str | os.PathLike[str] | None = None,
    size: int | None = None,
    conf: float = 0.25,
    iou: float = 0.45,
    track: bool = True,
    batch: int | None = None,
    progress: bool = True,
    cancel: threading.Event | None = None,
    project: Any = None,
    timeout: float | None = None,
) -> Detections:
    """Detect objects in every ``every``-th frame of a video, and track them.

    The result is cached by the file's identity (path, size, mtime), the model's sha256 and
    the parameters, so a second call is instant; ``classes`` only filters what is returned.

    Args:
        video: A local video file (relative to ``project``'s folder when one is given).
        every: Analyse one frame in this many (1: every frame).
        classes: Keep only these class names (e.g. ``["person", "car"]``); None for all.
        model: None for the shipped YOLOv3-tiny, a registered model's name, or an ONNX path.
        size: The model's input side in pixels (a multiple of 32); default 320, or the
            model's own for a model with a fixed input. Small objects need larger sizes.
        conf: Lowest score kept.
        iou: NMS overlap threshold (per class).
        track: Give detections track ids (see `vnb.detect.ByteTrack`).
        batch: Frames per model call; default 1 on CPU (no faster there), 8 on a GPU.
        progress: Show a progress bar (tqdm; a widget in notebooks).
        cancel: Set this event to stop the analysis (a running model call stops too).
        project: A `vnb.Project`: resolves ``video`` against its folder, and applies the
            track corrections saved in it (see `vnb.detect.save_corrections`).
        timeout: Seconds one model call (one batch of frames) may take before it is stopped
            with a `DetectionError`; default `vnb.detect.model.DEFAULT_TIMEOUT` (60 s). A
            model that loops for ever cannot hang the analysis.

    Returns:
        The detections, in frame order.

    Raises:
        DetectionError: A bad model or parameter; the video is damaged part-way, or the
            model ran past ``timeout`` (the error's ``partial`` holds what was found before).
        DetectionCancelledError: ``cancel`` was set (``partial`` too).
        MediaError: The video cannot be opened.
    """
    if not isinstance(every, int) or every < 1:
        msg = f"every must be a whole number of frames >= 1, not {every!r}"
        raise DetectionError(msg)
    limit = check_timeout(timeout)
    path, info, stream = _video_info(video, project)
    loaded = load_model(model)
    input_size = _input_size(loaded, size)
    meta = _meta(
        path, info, stream, loaded, input_size, every=every, conf=conf, iou=iou, track=track
    )
    params = {key: meta[key] for key in ("every", "size", "conf", "iou", "tracked")}
    key = cache.make_key(_KEY, cache.source_identity(path), loaded.sha256, params)
    dets = _cached(key)
    if dets is None:
        frames = stream.frames or math.ceil((info.duration or 0) * meta["fps"]) or None
        expected = None if frames is None else math.ceil(frames / every)
        dets = _run(
            path,
            loaded,
            meta,
            input_size=input_size,
            batch=batch,
            expected=expected,
            progress=progress,
            cancel=cancel,
            timeout=limit,
        )
        cache.put_json(key, dets.to_dict())
    _last.put(str(path), dets)
    if project is not None:
        from vnb.detect.edits import stored_corrections  # noqa: PLC0415

        dets = dets.apply_corrections(stored_corrections(project, path))
    if classes is not None:
        classes = [classes] if isinstance(classes, str) else list(classes)
        _check_classes(classes, loaded.names)
        dets = dets.of_class(*classes)
    return dets


def _video_info(
    video: str | os.PathLike[str], project: Any
) -> tuple[Path, MediaInfo, VideoStreamInfo]:
    """The video's path (resolved against ``project``'s folder) and its probe; it has video."""
    from vnb.media import probe, resolve_media_path  # noqa: PLC0415 - PyAV

    base = project.base_dir if project is not None else None
    path = resolve_media_path(video, base)
    info = probe(path)
    if info.video is None:
        msg = f"{path}: has no video stream to analyse"
        raise DetectionError(msg)
    return path, info, info.video


def _meta(
    path: Path,
    info: MediaInfo,
    video: VideoStreamInfo,
    model: Model,
    input_size: tuple[int, int],
    *,
    every: int,
    conf: float,
    iou: float,
    track: bool,
) -> dict[str, Any]:
    """What the detections record about their making (the parameters key the cache)."""
    turned = video.rotation in (90, 270)  # boxes are in the upright picture
    return {
        "source": str(path),
        "width": video.height if turned else video.width,
        "height": video.width if turned else video.height,
        "fps": float(video.fps) if video.fps else 0.0,
        "duration": info.duration,
        "every": every,
        "names": list(model.names),
        "model": model.name,
        "model_sha256": model.sha256,
        "size": list(input_size),
        "conf": conf,
        "iou": iou,
        "tracked": bool(track),
    }


def _cached(key: str) -> Detections | None:
    """The stored detections under ``key``; None when absent or unreadable."""
    stored = cache.get_json(key)
    if stored is None:
        return None
    try:
        return Detections.from_json(stored)
    except DetectionError:
        return None


def _input_size(model: Model, size: int | None) -> tuple[int, int]:
    if model.input_size is not None:
        if size is not None and (size, size) != model.input_size:
            fixed = model.input_size
            msg = f"{model.path}: its input is fixed at {fixed}; size={size} cannot be used"
            raise DetectionError(msg)
        return model.input_size
    size = DEFAULT_SIZE if size is None else size
    if not isinstance(size, int) or size < 32 or size % 32 or size > 4096:
        msg = f"size must be a multiple of 32 between 32 and 4096, not {size!r}"
        raise DetectionError(msg)
    return (size, size)


def _check_classes(classes: Sequence[str], names: Sequence[str]) -> None:
    unknown = [c for c in classes if c not in names and DARKNET_ALIASES.get(c) not in names]
    if unknown:
        listing = ", ".join(names[:12]) + (", …" if len(names) > 12 else "")
        msg = f"unknown class {unknown[0]!r}; the model knows {len(names)}: {listing}"
        raise DetectionError(msg)


def _decode_frames(
    path: Path,
    every: int,
    input_size: tuple[int, int],
    out: queue.Queue[Any],
    stop: threading.Event,
) -> None:
    """Decode ``path`` and put every ``every``-th frame, scaled into its letterbox, in ``out``."""
    import av.error  # noqa: PLC0415

    from vnb.media import open_input  # noqa: PLC0415

    def put(item: object) -> bool:
        while not stop.is_set():
            try:
                out.put(item, timeout=0.1)
            except queue.Full:
                continue
            return True
        return False

    from vnb.media import probe  # noqa: PLC0415

    boxes: dict[tuple[int, int], Letterbox] = {}
    try:
        video = probe(path).video
        turns = (video.rotation if video is not None else 0) // 90  # counter-clockwise
        with open_input(path) as container:
            stream = container.streams.video[0]
            stream.thread_type = "SLICE"  # frame threading hides decoding errors
            rate = float(stream.average_rate or 0) or 30.0
            for index, frame in enumerate(container.decode(stream)):
                if stop.is_set():
                    return
                if index % every:
                    continue
                # Boxes are in the picture as displayed (upright, as preview and render show it).
                w, h = frame.width, frame.height
                frame_size = (h, w) if turns % 2 else (w, h)
                lb = boxes.get(frame_size) or boxes.setdefault(
                    frame_size, Letterbox.fit(frame_size, input_size)
                )
                coded = (lb.height, lb.width) if turns % 2 else (lb.width, lb.height)
                image: np.ndarray  # PyAV's union of array types would refuse the rotated one
                image = frame.reformat(  # AREA: anti-aliased, and cheaper than the default
                    width=coded[0], height=coded[1], format="rgb24", interpolation="AREA"
                ).to_ndarray()
                if turns:  # a lossless quarter turn of the small picture, as transpose does
                    image = np.ascontiguousarray(np.rot90(image, turns))
                t = frame.time if frame.time is not None else index / rate
                if not put(_Item(index, float(t), image, lb, frame_size)):
                    return
    except (av.error.FFmpegError, MediaError, OSError) as err:
        put(err)
        return
    put(_END)


def _run(
    path: Path,
    model: Model,
    meta: dict[str, Any],
    *,
    input_size: tuple[int, int],
    batch: int | None,
    expected: int | None,
    progress: bool,
    cancel: threading.Event | None,
    timeout: float,
) -> Detections:
    def infer(items: list[_Item]) -> Detections:
        return _infer(model, items, meta, threshold, timeout=timeout, cancel=cancel)

    if batch is None:
        batch = 1 if model.provider == "CPUExecutionProvider" else 8
    batch = max(1, batch) if model.batch else 1
    threshold = min(meta["conf"], _TRACK_LOW) if meta["tracked"] else meta["conf"]
    frames: queue.Queue[Any] = queue.Queue(maxsize=2 * batch + 2)
    stop = threading.Event()
    worker = threading.Thread(
        target=_decode_frames,
        args=(path, meta["every"], input_size, frames, stop),
        name="vnb-detect-decode",
        daemon=True,
    )
    bar = open_bar(progress, total=expected, unit="frame", desc=f"detect {path.name}")
    worker.start()
    try:
        parts, failure = _infer_all(path, frames, batch, infer, bar, cancel)
    finally:
        stop.set()
        bar.close()
        worker.join(timeout=10)
    found = Detections.concat(parts, **meta)
    if meta["tracked"]:
        found = track_detections(found, high=meta["conf"], low=_TRACK_LOW)
    if isinstance(failure, DetectionError):
        failure.partial = found
        raise failure
    if failure is not None:
        last = int(found.analyzed_frames[-1]) if len(found.analyzed_frames) else None
        where = "before the first frame" if last is None else f"after frame {last}"
        msg = f"{path}: the video is damaged {where}: {failure}"
        raise DetectionError(msg, partial=found) from failure
    return found


def _infer_all(  # noqa: PLR0917 - private, one caller
    path: Path,
    frames: queue.Queue[Any],
    batch: int,
    infer: Callable[[list[_Item]], Detections],
    bar: Any,
    cancel: threading.Event | None,
) -> tuple[list[Detections], BaseException | None]:
    """Run the model over the decoded frames, ``batch`` at a time, until the end or a failure.

    Returns the detections of each batch, and what stopped it early: a `DetectionError`
    (cancelled, or the model failed), or the decoder's error; None when all went through.
    """
    parts: list[Detections] = []
    pending: list[_Item] = []
    failure: BaseException | None = None
    while True:
        if cancel is not None and cancel.is_set():
            failure = DetectionCancelledError(f"{path}: analysis cancelled")
            break
        item = frames.get()
        if not isinstance(item, _Item):
            failure = None if item is _END else item
            break
        pending.append(item)
        if len(pending) == batch:
            try:
                parts.append(infer(pending))
            except DetectionError as err:  # stopped, or the model failed
                return parts, err
            bar.advance(len(pending))
            pending = []
    if pending and not isinstance(failure, DetectionCancelledError):
        try:
            parts.append(infer(pending))
            bar.advance(len(pending))
        except DetectionError as err:
            failure = failure or err
    return parts, failure


def _infer(
    model: Model,
    items: list[_Item],
    meta: dict[str, Any],
    conf: float,
    *,
    timeout: float,
    cancel: threading.Event | None,
) -> Detections:
    """Run the model on a batch of frames (under ``timeout``) and decode each frame's boxes."""
    groups: dict[Letterbox, list[int]] = {}
    for i, item in enumerate(items):
        groups.setdefault(item.letterbox, []).append(i)
    rows: list[tuple[int, float, np.ndarray, np.ndarray, np.ndarray]] = [None] * len(items)  # type: ignore[list-item]
    for lb, members in groups.items():
        images = lb.place([items[i].image for i in members])
        output = model.run(images, timeout=timeout, cancel=cancel)
        for k, i in enumerate(members):
            boxes, scores, classes = decode(
                output[k], objectness=model.layout == "yolov5", conf=conf, iou=meta["iou"]
            )
            rows[i] = (
                items[i].index,
                items[i].time,
                lb.undo(boxes, items[i].frame_size),
                scores,
                classes,
            )
    names = np.asarray(model.names)
    return Detections(
        frame=np.concatenate([np.full(len(r[3]), r[0]) for r in rows]),
        time=np.concatenate([np.full(len(r[3]), r[1]) for r in rows]),
        xyxy=np.concatenate([r[2] for r in rows]),
        score=np.concatenate([r[3] for r in rows]),
        class_id=np.concatenate([r[4] for r in rows]),
        class_name=names[np.concatenate([r[4] for r in rows]).astype(np.int64)],
        track_id=np.full(sum(len(r[3]) for r in rows), -1),
        analyzed_frames=np.array([item.index for item in items], dtype=np.int64),
        analyzed_times=np.array([item.time for item in items], dtype=np.float64),
    )
