"""Pre- and post-processing of YOLO detectors: letterbox, decode, per-class NMS (numpy only)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__: list[str] = []  # internal: used only inside its own package

COCO_NAMES: tuple[str, ...] = (
    "person", "bicycle", "car", "motorcycle", "airplane", "bus", "train", "truck", "boat",
    "traffic light", "fire hydrant", "stop sign", "parking meter", "bench", "bird", "cat", "dog",
    "horse", "sheep", "cow", "elephant", "bear", "zebra", "giraffe", "backpack", "umbrella",
    "handbag", "tie", "suitcase", "frisbee", "skis", "snowboard", "sports ball", "kite",
    "baseball bat", "baseball glove", "skateboard", "surfboard", "tennis racket", "bottle",
    "wine glass", "cup", "fork", "knife", "spoon", "bowl", "banana", "apple", "sandwich",
    "orange", "broccoli", "carrot", "hot dog", "pizza", "donut", "cake", "chair", "couch",
    "potted plant", "bed", "dining table", "toilet", "tv", "laptop", "mouse", "remote",
    "keyboard", "cell phone", "microwave", "oven", "toaster", "sink", "refrigerator", "book",
    "clock", "vase", "scissors", "teddy bear", "hair drier", "toothbrush",
)  # fmt: skip
"""The 80 COCO classes in the order YOLO models use."""
COCO_CATEGORY_IDS: tuple[int, ...] = (
    *range(1, 12), *range(13, 26), 27, 28, *range(31, 45), *range(46, 66), 67, 70,
    *range(72, 83), *range(84, 91),
)  # fmt: skip
"""The official COCO ``category_id`` of each of the 80 classes (COCO skips some numbers)."""
DARKNET_ALIASES = {
    "motorbike": "motorcycle",
    "aeroplane": "airplane",
    "sofa": "couch",
    "pottedplant": "potted plant",
    "diningtable": "dining table",
    "tvmonitor": "tv",
}
"""Darknet's spellings of six COCO classes, accepted wherever a class name is asked for."""


@dataclass(frozen=True, slots=True)
class Letterbox:
    """How a frame is fitted into the model's input: scaled by ``ratio``, centred, grey around.

    Example:
        ```python
        lb = Letterbox.fit((1280, 720), (320, 320))
        (lb.width, lb.height, lb.left, lb.top)  # (320, 180, 0, 70)
        ```
    """

    ratio: float
    """Input pixels per frame pixel."""
    width: int
    """Size of the scaled frame inside the input."""
    height: int
    left: int
    """Where the scaled frame starts in the input."""
    top: int
    input_size: tuple[int, int]
    """``(width, height)`` of the model's input."""

    @classmethod
    def fit(cls, frame_size: tuple[int, int], input_size: tuple[int, int]) -> Letterbox:
        """The letterbox of a ``(width, height)`` frame in a ``(width, height)`` input."""
        fw, fh = frame_size
        iw, ih = input_size
        ratio = min(iw / fw, ih / fh)
        w, h = max(1, min(iw, round(fw * ratio))), max(1, min(ih, round(fh * ratio)))
        return cls(ratio, w, h, (iw - w) // 2, (ih - h) // 2, (iw, ih))

    def place(self, images: list[np.ndarray]) -> np.ndarray:
        """Put scaled ``height×width×3`` uint8 RGB frames into a ``[n, 3, H, W]`` float batch.

        Around them the input is 0.5 grey; pixel values become 0..1.
        """
        iw, ih = self.input_size
        batch = np.full((len(images), 3, ih, iw), 0.5, dtype=np.float32)
        region = batch[:, :, self.top : self.top + self.height, self.left : self.left + self.width]
        for i, image in enumerate(images):
            np.multiply(image.transpose(2, 0, 1), np.float32(1 / 255), out=region[i])
        return batch

    def undo(self, boxes: np.ndarray, frame_size: tuple[int, int]) -> np.ndarray:
        """Map ``xyxy`` boxes in input pixels back to frame pixels, clipped to the frame."""
        out = boxes.astype(np.float32, copy=True)
        out[:, [0, 2]] = (out[:, [0, 2]] - self.left) / self.ratio
        out[:, [1, 3]] = (out[:, [1, 3]] - self.top) / self.ratio
        out[:, [0, 2]] = np.clip(out[:, [0, 2]], 0, frame_size[0])
        out[:, [1, 3]] = np.clip(out[:, [1, 3]], 0, frame_size[1])
        return out


def iou_matrix(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Intersection over union of every box of ``a`` (n×4 xyxy) with every box of ``b`` (m×4)."""
    if len(a) == 0 or len(b) == 0:
        return np.zeros((len(a), len(b)), dtype=np.float32)
    lt = np.maximum(a[:, None, :2], b[None, :, :2])
    rb = np.minimum(a[:, None, 2:], b[None, :, 2:])
    inter = np.prod(np.clip(rb - lt, 0, None), axis=2)
    area_a = np.prod(np.clip(a[:, 2:] - a[:, :2], 0, None), axis=1)
    area_b = np.prod(np.clip(b[:, 2:] - b[:, :2], 0, None), axis=1)
    union = area_a[:, None] + area_b[None, :] - inter
    return np.where(union > 0, inter / np.maximum(union, 1e-9), 0.0).astype(np.float32)


def nms(boxes: np.ndarray, scores: np.ndarray, classes: np.ndarray, iou: float) -> np.ndarray:
    """Indices kept by greedy per-class non-maximum suppression, best score first.

    Args:
        boxes: ``n×4`` xyxy.
        scores: ``n`` scores.
        classes: ``n`` class ids; boxes of different classes never suppress each other.
        iou: Overlap above which the lower-scored box of a class is dropped.
    """
    if len(boxes) == 0:
        return np.zeros(0, dtype=np.int64)
    # Shift each class to its own region so one pass handles every class.
    offset = classes.astype(np.float32)[:, None] * (float(boxes.max()) + 1.0)
    shifted = boxes + offset
    order = np.argsort(-scores, kind="stable")
    keep: list[int] = []
    while order.size:
        best = int(order[0])
        keep.append(best)
        if order.size == 1:
            break
        rest = order[1:]
        overlap = iou_matrix(shifted[best : best + 1], shifted[rest])[0]
        order = rest[overlap <= iou]
    return np.asarray(keep, dtype=np.int64)


def decode(
    output: np.ndarray, *, objectness: bool, conf: float, iou: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Decode one image's raw YOLO rows into ``(xyxy, score, class_id)`` after NMS.

    Args:
        output: ``N×(5+C)`` rows ``cx, cy, w, h, objectness, classes…`` when ``objectness``,
            else ``N×(4+C)`` rows ``cx, cy, w, h, classes…``; in input pixels.
        objectness: Whether the rows have an objectness column (YOLOv5 and Darknet do).
        conf: Lowest score kept (objectness × class probability, or the class score).
        iou: The NMS overlap threshold.

    Returns:
        Boxes (xyxy, input pixels, float32), scores (float32) and class ids (int64), best first.
    """
    if objectness:
        rows = output[output[:, 4] >= conf]
        probs = rows[:, 5:] * rows[:, 4:5]
    else:
        rows = output
        probs = rows[:, 4:]
    if len(rows) == 0:
        return np.zeros((0, 4), np.float32), np.zeros(0, np.float32), np.zeros(0, np.int64)
    class_id = probs.argmax(axis=1)
    score = probs[np.arange(len(rows)), class_id]
    good = score >= conf
    rows, class_id, score = rows[good], class_id[good], score[good]
    half = rows[:, 2:4] / 2
    boxes = np.concatenate([rows[:, :2] - half, rows[:, :2] + half], axis=1).astype(np.float32)
    keep = nms(boxes, score, class_id, iou)
    return boxes[keep], score[keep].astype(np.float32), class_id[keep].astype(np.int64)
