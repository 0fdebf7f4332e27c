"""Blurring and pixelating a tracked object: in `frame_at` and in the render, only in its box.

The reference for "unchanged" is the same project with an identity Python effect: a custom
effect turns the picture into RGBA and back, so with it the only difference left is the
redaction itself, and outside the box it must be exact (the lossless render too).
"""

from __future__ import annotations

import math

import av
import numpy as np
import pytest

import vnb
from vnb.errors import DetectionError, ProjectError


@vnb.effects.python_effect(name="same_picture")
def same_picture(frame, t):
    """Identity: the custom-effect path without a change."""
    return frame


@pytest.fixture(scope="module")
def astronaut(still_video):
    video = still_video("astronaut", seconds=2.0)
    dets = vnb.detect.analyze(video, size=288, progress=False)
    (tid,) = dets.of_class("person").track_ids
    return video, dets.track(tid)


def _pair(video, seconds=2.0, **clip):
    """The project with the identity effect, twice: (reference, to be redacted)."""
    made = []
    for _ in range(2):
        p = vnb.Project(width=512, height=512, fps=10)
        p.add_track("video").add_clip(
            str(video), duration=seconds, effects=[same_picture()], **clip
        )
        made.append(p)
    return made


def _enlarged(box, margin):
    w, h = box[2] - box[0], box[3] - box[1]
    return (box[0] - margin * w, box[1] - margin * h, box[2] + margin * w, box[3] + margin * h)


def _mask(shape, box, ring=0):
    """Pixels a redaction of ``box`` may change: the whole pixels it touches, and ``ring``
    more on each side (the RGBA picture goes back to 4:2:0: chroma is resampled)."""
    m = np.zeros(shape[:2], bool)
    x1, y1 = max(0, math.floor(box[0]) - ring), max(0, math.floor(box[1]) - ring)
    m[y1 : math.ceil(box[3]) + ring, x1 : math.ceil(box[2]) + ring] = True
    return m


def _detail(img, box):
    """High-frequency energy (mean squared Laplacian of luma) inside ``box``."""
    x1, y1, x2, y2 = (round(v) for v in box)
    y = img[y1:y2, x1:x2].astype(float) @ [0.299, 0.587, 0.114]
    lap = 4 * y[1:-1, 1:-1] - y[:-2, 1:-1] - y[2:, 1:-1] - y[1:-1, :-2] - y[1:-1, 2:]
    return float(np.mean(lap**2))


def _decode(path):
    with av.open(str(path)) as c:
        return [f.to_ndarray(format="rgb24") for f in c.decode(video=0)]


def test_blur_in_preview_and_render(tmp_path, astronaut):
    video, subject = astronaut
    plain, p = _pair(video)
    events = []
    p.on_change(lambda project: events.append(len(project.redactions)))
    redaction = p.blur(subject, margin=0.1)
    assert events == [1] and p.redactions == [redaction] and redaction.mode == "blur"
    (box,) = subject.at(5).xyxy
    inside = _mask((512, 512), _enlarged(box, 0.1))
    # The strip between the box and its margin is blurred too (the box ends at x 367).
    assert inside[:, 395].all() and not inside[:, 402].any()
    ref, got = plain.frame_at(0.5), p.frame_at(0.5)
    assert np.array_equal(got[~inside], ref[~inside])
    assert _detail(got, box) < 0.05 * _detail(ref, box)
    assert _detail(got, (370, 20, 398, 490)) < 0.2 * _detail(ref, (370, 20, 398, 490))
    # The render, lossless: exactly the preview's frames.
    p.render(tmp_path / "blurred.mp4", crf=0, progress_bar=False)
    plain.render(tmp_path / "plain.mp4", crf=0, progress_bar=False)
    blurred, reference = _decode(tmp_path / "blurred.mp4"), _decode(tmp_path / "plain.mp4")
    assert len(blurred) == 20
    assert np.array_equal(blurred[5][~inside], reference[5][~inside])
    assert _detail(blurred[5], box) < 0.05 * _detail(reference[5], box)
    assert np.array_equal(blurred[5], got)
    # The usual lossy render agrees with the preview (PSNR).
    p.render(tmp_path / "lossy.mp4", progress_bar=False)
    for k in (0, 5, 19):
        frame = _decode(tmp_path / "lossy.mp4")[k].astype(float)
        mse = np.mean((frame - p.frame_at(k / 10).astype(float)) ** 2)
        assert 10 * math.log10(255**2 / mse) >= 35


@pytest.mark.parametrize(
    ("source_start", "frames"),
    [(0.0, (4, 5, 10, 11)), (0.9, (1, 2, 7, 8))],  # source times between analysed frames
)
def test_the_box_is_interpolated_between_analysed_frames(pan_video, source_start, frames):
    dets = vnb.detect.analyze(pan_video, every=3, progress=False)
    (tid,) = dets.of_class("cup").track_ids
    cup = dets.track(tid)
    plain, p = (vnb.Project(width=600, height=400, fps=10) for _ in range(2))
    for q in (plain, p):
        q.add_track("video").add_clip(
            str(pan_video), source_start=source_start, duration=1.5, effects=[same_picture()]
        )
    p.blur(cup, margin=0.0)
    for k in frames:
        t = k / 10
        s = source_start + t
        a = int(np.searchsorted(cup.time, s)) - 1
        w = (s - cup.time[a]) / (cup.time[a + 1] - cup.time[a])
        assert 0 < w < 1
        box = cup.xyxy[a] * (1 - w) + cup.xyxy[a + 1] * w
        changed = np.abs(p.frame_at(t).astype(int) - plain.frame_at(t).astype(int)).max(axis=2)
        cols = np.flatnonzero(changed.any(axis=0))
        assert not changed[~_mask(changed.shape, box, ring=4)].any(), k
        assert abs(cols.min() - math.floor(box[0])) <= 2, (k, cols.min(), box)
        assert abs(cols.max() - (math.ceil(box[2]) - 1)) <= 2, (k, cols.max(), box)


def test_short_gaps_are_held_long_ones_are_not(astronaut):
    video, subject = astronaut
    gappy = subject[(subject.frame < 3) | (subject.frame > 9)]  # frames 3..9 missing
    (box,) = subject.at(6).xyxy
    for hold, covered in ((1.0, True), (0.2, False)):
        plain, p = _pair(video)
        p.blur(gappy, hold=hold)
        ref, got = plain.frame_at(0.6), p.frame_at(0.6)
        assert (_detail(got, box) < 0.05 * _detail(ref, box)) is covered
        assert np.array_equal(got, ref) is not covered


def test_pixelate_and_every_clip_of_the_source(astronaut):
    video, subject = astronaut
    plain, p = _pair(video, seconds=1.0)
    for q in (plain, p):  # a second, small picture of the same source on top
        q.add_track("video").add_clip(
            str(video), duration=1.0, effects=[same_picture()],
            transform={"scale": 0.25, "x": 160, "y": 160},
        )  # fmt: skip
    p.pixelate(subject, strength=0.5)
    assert p.redactions[0].mode == "pixelate"
    ref, got = plain.frame_at(0.5), p.frame_at(0.5)
    (box,) = subject.at(5).xyxy
    x1, y1, x2, y2 = 60, 60, 330, 300  # inside the box, below the small picture
    block = got[y1:y2, x1:x2].astype(int)
    same_as_right = np.mean(np.all(block[:, 1:] == block[:, :-1], axis=2))
    assert same_as_right > 0.8, same_as_right  # flat blocks ~43 px wide
    assert np.mean(np.all(ref[y1:y2, x1 + 1 : x2] == ref[y1:y2, x1 : x2 - 1], axis=2)) < 0.3
    # The small picture (128 px at 384, 384) is redacted too, in its box scaled by 1/4.
    x2 = 384 + math.ceil(_enlarged(box, 0.15)[2] / 4)
    diff = np.abs(got.astype(int) - ref.astype(int)).max(axis=2)
    assert diff[392:504, 388 : x2 - 4].mean() > 10
    assert not diff[384:, x2 + 4 :].any()


def test_redaction_errors(astronaut, pan_video):
    video, subject = astronaut
    p = vnb.Project(width=512, height=512, fps=10)
    p.add_track("video").add_clip(str(video), duration=2)
    two = vnb.detect.Detections.concat(
        [subject, subject._with(track_id=subject.track_id + 1)], **subject.meta
    )
    with pytest.raises(DetectionError, match="one track at a time"):
        p.blur(two)
    with pytest.raises(DetectionError, match="nothing to blur"):
        p.blur(subject.track(999))
    with pytest.raises(ProjectError, match=r"redactions\[0\]\.strength"):
        p.blur(subject, strength=3)
    with pytest.raises(ProjectError, match=r"redactions\[0\]\.mode"):
        p.blur(subject, mode="smudge")
    assert p.redactions == []


def test_scrubbing_through_a_proxy_keeps_the_blur(tmp_path, photo_png):
    from tests.helpers.ffmpeg import run_ffmpeg
    from vnb.media.proxy import make_proxy

    video = tmp_path / "wide.mp4"  # 1280×720: large enough to get a proxy (640×360)
    run_ffmpeg(
        "-loop", "1", "-framerate", "10", "-i", str(photo_png("astronaut")),
        "-vf", "pad=1280:720:384:104:gray,format=yuv420p", "-t", "1", "-c:v", "libx264",
        "-crf", "12", str(video),
    )  # fmt: skip
    dets = vnb.detect.analyze(video, size=416, progress=False)
    (tid,) = dets.of_class("person").track_ids
    make_proxy(video)
    plain, p = (vnb.Project(width=1280, height=720, fps=10) for _ in range(2))
    for q in (plain, p):
        q.add_track("video").add_clip(str(video), duration=1, effects=[same_picture()])
    p.blur(dets.track(tid), margin=0.0)
    (box,) = dets.track(tid).at(5).xyxy
    half = box / 2 + (2, 2, -2, -2)
    small, ref = p.frame_at(0.5, size=(640, 360)), plain.frame_at(0.5, size=(640, 360))
    assert _detail(small, half) < 0.1 * _detail(ref, half)
    outside = ~_mask(small.shape, box / 2, ring=4)
    assert np.abs(small[outside].astype(int) - ref[outside]).max() <= 2
