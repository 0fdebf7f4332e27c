"""`Detections` as a value: validation, indexing, per-frame access, files."""

from __future__ import annotations

import json
from contextlib import nullcontext

import pytest

from vnb.detect import Detections
from vnb.errors import DetectionError


def sample() -> Detections:
    return Detections(
        frame=[0, 0, 2, 4],
        time=[0.0, 0.0, 0.2, 0.4],
        xyxy=[[0, 0, 10, 10], [5, 5, 20, 30], [1, 1, 11, 11], [2, 2, 12, 12]],
        score=[0.9, 0.5, 0.8, 0.7],
        class_id=[0, 2, 0, 0],
        class_name=["person", "car", "person", "person"],
        track_id=[1, 2, 1, -1],
        analyzed_frames=[0, 2, 4, 6],
        analyzed_times=[0.0, 0.2, 0.4, 0.6],
        meta={"fps": 10.0, "every": 2, "duration": 0.8, "width": 64, "height": 48,
              "names": ["person", "bicycle", "car"], "source": "/x/street.mp4"},
    )  # fmt: skip


@pytest.mark.parametrize(
    ("changes", "expectation"),
    [
        ({}, nullcontext()),
        ({"xyxy": [[0, 0, 1, 1]] * 4}, nullcontext()),
        ({"xyxy": [[0, 0, 1]] * 4}, pytest.raises(ValueError, match=r"xyxy: shape \(4, 3\)")),
        ({"score": [0.1]}, pytest.raises(ValueError, match=r"score: shape \(1,\), expected")),
        ({"class_name": ["a"]}, pytest.raises(ValueError, match="class_name")),
        ({"analyzed_times": [0.0]}, pytest.raises(ValueError, match="analyzed_times")),
    ],
)
def test_validation(changes, expectation):
    with expectation:
        sample()._with(**changes)


def test_indexing_and_views():
    d = sample()
    people = d[d.class_name == "person"]
    assert len(people) == 3 and people.track_ids == [1]
    assert list(people.analyzed_frames) == [0, 2, 4, 6]  # the analysed frames come along
    assert len(d[1:3]) == 2 and d[0].class_name.tolist() == ["person"]
    assert d.track(1).frame.tolist() == [0, 2]
    assert d.of_class("car").score.tolist() == [pytest.approx(0.5)]
    with pytest.raises(ValueError, match="read-only"):
        d.score[0] = 1.0
    assert "4 boxes in 4 analysed frames" in repr(d)


def test_at_frame_and_time():
    d = sample()
    assert d.at(0).class_name.tolist() == ["person", "car"]
    assert d.at(1).frame.tolist() == [0, 0]  # held until the next analysed frame
    assert d.at(4).frame.tolist() == [4]
    assert len(d.at(6)) == 0 and len(d.at(7)) == 0 and len(d.at(50)) == 0
    assert d.at_time(0.25).frame.tolist() == [2]
    assert len(d.at_time(-1)) == 0


def test_json_round_trips():
    d = sample()
    rows = d.to_json()
    assert rows[3] == {
        "frame": 4, "time": 0.4, "box": [2.0, 2.0, 12.0, 12.0], "score": 0.7,
        "class_name": "person", "track_id": None,
    }  # fmt: skip
    back = Detections.from_json(json.loads(d.dumps()))
    assert back.to_json() == rows
    full = Detections.from_json(json.loads(json.dumps(d.to_dict())))
    assert full.to_dict() == d.to_dict()
    with pytest.raises(DetectionError, match="not vnb detections"):
        Detections.from_json({"format": "other"})
    with pytest.raises(DetectionError, match="not vnb detections"):
        Detections.from_json([{"frame": 1}])


def test_coco(tmp_path):
    d = sample()
    coco = d.to_coco()
    assert len(coco["images"]) == 4 and len(coco["annotations"]) == 4
    first = coco["annotations"][1]
    assert first["bbox"] == [5.0, 5.0, 15.0, 25.0]
    assert first["category_id"] == 3  # "car" in a 3-class model
    assert coco["images"][0]["file_name"] == "street.mp4#frame=0"
    path = d.save(tmp_path / "d.json", format="coco")
    assert json.loads(path.read_text())["categories"][0] == {"id": 1, "name": "person"}
    with pytest.raises(DetectionError, match="unknown detections format"):
        d.save(tmp_path / "d.xml", format="xml")


def test_coco_ids_for_coco80():
    from vnb.detect.postprocess import COCO_NAMES

    d = sample()._with(meta={**sample().meta, "names": list(COCO_NAMES)}, class_id=[0, 79, 0, 0])
    ids = [a["category_id"] for a in d.to_coco()["annotations"]]
    assert ids == [1, 90, 1, 1]  # toothbrush is category 90 in COCO


def test_empty_and_concat():
    e = Detections.empty(fps=10.0)
    assert len(e) == 0 and e.to_json() == [] and e.track_ids == []
    joined = Detections.concat([sample()[:2], sample()[2:]])
    assert joined.frame.tolist() == [0, 0, 2, 4]
