"""Detections as files: vnb's JSON (one object per detection) and COCO."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from vnb.detect.postprocess import COCO_CATEGORY_IDS, COCO_NAMES

if TYPE_CHECKING:
    from vnb.detect.detections import Detections

__all__: list[str] = []  # internal: used only inside its own package


def to_coco(dets: Detections) -> dict[str, Any]:
    """The detections as a COCO-format dataset: one image per analysed frame.

    COCO-80 models use the official COCO category ids; other models number their classes
    from 1. Each annotation also carries ``score`` and ``track_id``.
    """
    names = list(dets.names) or sorted(set(dets.class_name.tolist()))
    ids = list(COCO_CATEGORY_IDS) if tuple(names) == COCO_NAMES else list(range(1, len(names) + 1))
    source = str(dets.meta.get("source") or "video")
    image_of = {int(f): i + 1 for i, f in enumerate(dets.analyzed_frames)}
    images = [
        {
            "id": image_of[int(f)],
            "file_name": f"{Path(source).name}#frame={int(f)}",
            "width": int(dets.meta.get("width") or 0),
            "height": int(dets.meta.get("height") or 0),
            "frame": int(f),
            "time": round(float(t), 6),
        }
        for f, t in zip(dets.analyzed_frames, dets.analyzed_times, strict=True)
    ]
    annotations = []
    for n, (f, box, s, c, k) in enumerate(
        zip(dets.frame, dets.xyxy, dets.score, dets.class_id, dets.track_id, strict=True), 1
    ):
        x1, y1, x2, y2 = (float(v) for v in box)
        annotations.append(
            {
                "id": n,
                "image_id": image_of.get(int(f), 0),
                "category_id": ids[int(c)] if int(c) < len(ids) else int(c) + 1,
                "bbox": [round(x1, 2), round(y1, 2), round(x2 - x1, 2), round(y2 - y1, 2)],
                "area": round((x2 - x1) * (y2 - y1), 2),
                "iscrowd": 0,
                "score": round(float(s), 4),
                "track_id": int(k) if k >= 0 else None,
            }
        )
    return {
        "info": {"description": f"vnb detections of {source}", "source": source},
        "images": images,
        "annotations": annotations,
        "categories": [{"id": i, "name": name} for i, name in zip(ids, names, strict=False)],
    }
