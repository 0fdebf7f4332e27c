"""Object detection in videos, and edits driven by it.

```python
dets = vnb.detect.analyze("street.mp4", every=2, classes=["person", "car"])
dets[dets.class_name == "person"].track_ids  # stable ids
segs = dets.segments("person", min_duration=1.0)  # where a person is visible
p.tracks[0].add_clips_from(segs, source="street.mp4")  # cut to those moments
vertical = vnb.detect.reframe(p, track_id=3, aspect="9:16")  # the crop follows the subject
p.add_overlay(dets)  # the editor draws boxes, labels and ids: vnb.detect.overlay_boxes(p, t)
p.blur(dets.track(3))  # privacy blur of one tracked object, in the preview and the render
```

The default model is YOLOv3-tiny (COCO, 80 classes) converted from the original Darknet
release and shipped with vnb, pinned by sha256; users' YOLOv5 and YOLOv8/v11 ONNX exports work
too (`load_model`, `add_model`). onnxruntime is imported only when a model is loaded.
"""

from __future__ import annotations

from vnb.detect.analyze import analyze
from vnb.detect.detections import Detections
from vnb.detect.edits import add_clips_from, add_markers, reframe, save_corrections
from vnb.detect.model import Model, add_model, list_models, load_model
from vnb.detect.overlay import add_overlay, blur, overlay_boxes, set_overlay
from vnb.detect.tracker import ByteTrack

__all__ = [
    "ByteTrack",
    "Detections",
    "Model",
    "add_clips_from",
    "add_markers",
    "add_model",
    "add_overlay",
    "analyze",
    "blur",
    "list_models",
    "load_model",
    "overlay_boxes",
    "reframe",
    "save_corrections",
    "set_overlay",
]
