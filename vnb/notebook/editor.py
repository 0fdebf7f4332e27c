"""The editor widget: preview on top, timeline below, inspector beside — one anywidget.

State that must survive a re-render is in traits (the timeline view model, playhead,
selection, zoom…). Bulk, transient data travels as custom messages with binary buffers:

==========================================  ==============================================
browser → kernel                            kernel → browser
==========================================  ==============================================
``{kind: "frame", id, t, width, more?}``    ``{kind: "frame", id, t, frame_index, width,
                                            height, rev, content}`` + [JPEG], or
                                            ``{…, error}`` (``content``: the project's
                                            `content_key` the frame was made from;
                                            ``boxes``: its detection boxes when the
                                            project has overlays); ``more``: further
                                            ``{id, t, width}``, one reply each
``{kind: "media", clips: [id…], height}``   ``{kind: "media", thumbs, waves, keys}`` +
                                            sprite sheets and float32 peaks (`wire`)
``{kind: "edit", id, op, key?, final?, …}`` ``{kind: "edit", id, ok, error?}`` (the
                                            inspector's edits carry ``inline: true``:
                                            it shows a refusal under its field, so the
                                            error area does not)
``{kind: "overlay", index, …}``             (``classes``, ``min_score``: the filters of
                                            overlay ``index``; the project changes)
``{kind: "settle", t, width}``              (no reply: the browser painted the frame at
                                            ``t`` from its own cache; Python makes it the
                                            settled ``frame_jpeg`` / ``frame_index``)
``{kind: "error", message}``                (sets the ``error`` trait)
==========================================  ==============================================

Edits change the Python `Project` through `vnb.edit` (atomic and validated) and become undo
steps of the widget's `History`; edits made in Python reach the widget through
``project.on_change``. Nothing raised while handling a message escapes into the kernel: it
lands in the ``error`` trait, which the editor shows.
"""

from __future__ import annotations

import logging
import math
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

import anywidget
import ipywidgets
import numpy as np
import traitlets as t

from vnb.edit import History
from vnb.errors import ArgumentTypeError, VnbError
from vnb.notebook import actions, i18n
from vnb.notebook._assets import EDITOR_CSS, HOT_RELOAD, editor_esm, shared_bundle
from vnb.notebook.view import (
    content_key,
    frame_boxes,
    inspector_view,
    media_key,
    overlays_view,
    set_overlay_filters,
    timeline_view,
)
from vnb.notebook.wire import jpeg, media_payload

if TYPE_CHECKING:
    from vnb.preview.prefetch import Prefetcher
    from vnb.schema import Project

__all__ = ["Editor"]

_log = logging.getLogger("vnb")
_OPTIONS = (
    "playhead",
    "selection",
    "zoom",
    "scroll",
    "snap",
    "preview_width",
    "layout",
    "selected_track",
)


class Editor(anywidget.AnyWidget):
    """The editor of one project: preview, timeline, inspector and an error area.

    Example:
        ```python
        ed = vnb.notebook.Editor(p, preview_width=480)
        ed               # shows it; `p` in a cell shows the same editor after %load_ext vnb
        ed.playhead = 2  # moves the playhead in the browser
        ```
    """

    _esm = editor_esm()
    if HOT_RELOAD:  # else the stylesheet comes with the shared bundle
        _css = EDITOR_CSS

    bundle = t.Instance(ipywidgets.Widget, allow_none=True).tag(
        sync=True, **ipywidgets.widget_serialization
    )
    """The kernel's one model carrying the editor's ES module (`vnb.notebook._assets`)."""

    timeline = t.Dict().tag(sync=True)
    """The project as the timeline draws it (`vnb.notebook.view.timeline_view`)."""
    playhead = t.Float(0.0).tag(sync=True)
    """Seconds; the browser writes it (debounced while dragging or playing)."""
    playing = t.Bool(False).tag(sync=True)
    """Whether the browser is playing."""
    selection = t.Unicode("").tag(sync=True)
    """The id of the selected clip, or ``""``."""
    zoom = t.Float(80.0).tag(sync=True)
    """Timeline scale in pixels per second."""
    scroll = t.Float(0.0).tag(sync=True)
    """The time at the timeline's left edge, in seconds."""
    snap = t.Bool(True).tag(sync=True)
    """Whether drags snap to clip edges, markers and the playhead."""
    inspector = t.Dict().tag(sync=True)
    """The selected clip's controls (`vnb.notebook.view.inspector_view`)."""
    undo = t.Dict().tag(sync=True)
    """``{"undo": label or None, "redo": label or None}``."""
    labels = t.Dict().tag(sync=True)
    """The user-interface text of the current language (`vnb.notebook.i18n`)."""
    language = t.Unicode("en").tag(sync=True)
    """``"en"`` or ``"ru"`` (follows `vnb.set_language`)."""
    error = t.Unicode("").tag(sync=True)
    """The message in the error area (``""``: hidden)."""
    preview_width = t.Int(640).tag(sync=True)
    """Largest width of the preview frames, in pixels."""
    frame_jpeg = t.Bytes(b"").tag(sync=True)
    """The last settled frame (shown by a new view before its first frame arrives)."""
    frame_index = t.Int(-1).tag(sync=True)
    """The frame number of ``frame_jpeg``."""
    overlays: t.List[dict[str, Any]] = t.List().tag(sync=True)
    """The project's detection overlays and their filters (`vnb.notebook.view.overlays_view`)."""
    selected_track = t.Int(None, allow_none=True).tag(sync=True)
    """The track id of the detection box last clicked in the preview (None: none)."""

    def __init__(self, project: Project, **options: Any) -> None:
        unknown = sorted(set(options) - set(_OPTIONS))
        if unknown:
            msg = f"Editor got unknown option(s) {', '.join(unknown)}; "
            msg += f"it takes {', '.join(_OPTIONS)} (and the project first)"
            raise ArgumentTypeError(msg)
        self.project = project
        self.history = History(project, label=i18n.text("op_python"))
        self._rev = 0
        self._content = ""
        self._prefetch: Prefetcher | None = None
        self._frame_error = ""
        self._last_frame: tuple[float, int, bytes] | None = None
        self._wanted_settle: dict[str, Any] | None = None  # a frame the browser had cached
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="vnb-editor-media")
        self.media_future: Future[None] | None = None
        """The last thumbnails-and-waveforms job (tests wait on it)."""
        # The whole edit fits about 800 pixels at first.
        options.setdefault("zoom", min(200.0, max(1.0, 800 / max(project.duration, 1.0))))
        options["language"] = i18n.get_language()
        super().__init__(bundle=shared_bundle(), **options)
        self.labels = i18n.labels(self.language)
        self._refresh()
        self._unsubscribe = project.on_change(self._on_project_change)
        self.on_msg(self._on_msg)
        self.observe(self._on_selection, names=["selection"])
        self.observe(self._on_language, names=["language"])
        self.observe(self._settle, names=["playhead", "playing"])
        i18n.subscribe(self._set_language)

    # -- lifecycle ---------------------------------------------------------------------

    def close(self) -> None:
        """Stop following the project and release the background threads."""
        if hasattr(self, "_unsubscribe"):  # not when __init__ failed half-way
            self._unsubscribe()
            self.history.close()
            if self._prefetch is not None:
                self._prefetch.close()
                self._prefetch = None
            self._pool.shutdown(wait=False, cancel_futures=True)
        super().close()

    def _fail(self, err: BaseException, key: str = "error") -> str:
        """Show an error in the editor's error area (never raise into the kernel)."""
        if not isinstance(err, VnbError):
            _log.error("editor: %s", err, exc_info=err)
        message = str(err) if isinstance(err, VnbError) else f"{type(err).__name__}: {err}"
        try:
            self.error = i18n.text(key, message=message)
        except Exception:
            _log.exception("editor: cannot show an error")
        return message

    # -- Python → browser --------------------------------------------------------------

    def _refresh(self) -> None:
        self._rev += 1
        self._content = content_key(self.project)
        ids = {c.id for tr in self.project.tracks for c in tr.clips}
        with self.hold_sync():
            self.timeline = timeline_view(self.project, self._rev, self._content)
            if self.selection and self.selection not in ids:
                self.selection = ""
            self.inspector = inspector_view(self.project, self.selection)
            self.undo = {"undo": self.history.undo_label, "redo": self.history.redo_label}
            self.overlays = overlays_view(self.project)

    def _on_project_change(self, _project: Project) -> None:
        try:
            if self.error:
                self.error = ""  # a successful edit, here or in Python: the message is old
            self._refresh()
        except Exception as err:
            self._fail(err)

    def _on_selection(self, _change: dict[str, Any]) -> None:
        try:
            self.inspector = inspector_view(self.project, self.selection)
        except Exception as err:
            self._fail(err)

    def _set_language(self, language: str) -> None:
        self.language = language

    def _on_language(self, _change: dict[str, Any]) -> None:
        try:
            self.labels = i18n.labels(self.language)
            self.history.label = i18n.TEXT[self.language]["op_python"]
            self._refresh()
        except Exception as err:
            self._fail(err)

    # -- browser → Python --------------------------------------------------------------

    def _on_msg(self, _widget: object, content: Any, buffers: list[Any]) -> None:
        if not isinstance(content, dict):
            return
        kind = content.get("kind")
        try:
            if kind == "frame":
                self._frames(content)
            elif kind == "settle":
                self._wanted_settle = content
                self._settle()
            elif kind == "edit":
                self._edit(content)
            elif kind == "media":
                self._media(content)
            elif kind == "overlay":
                self._overlay(content)
            elif kind == "error":
                message = str(content.get("message", ""))[:1000]
                _log.warning("editor (browser): %s\n%s", message, content.get("stack", ""))
                self.error = i18n.text("browser_error", message=message)
        except Exception as err:
            message = self._fail(err)
            if kind in ("frame", "edit"):
                self.send({"kind": kind, "id": content.get("id"), "ok": False, "error": message})

    def _frames(self, msg: dict[str, Any]) -> None:
        """A frame request, and the ones in its ``more`` list (playback asks for several)."""
        more = msg.get("more")
        extra = [m for m in more[:16] if isinstance(m, dict)] if isinstance(more, list) else []
        self._frame(msg)
        for item in extra:
            try:
                self._frame(item)
            except Exception as err:
                message = self._fail(err)
                self.send({"kind": "frame", "id": item.get("id"), "ok": False, "error": message})

    def _frame_size(self, width: object) -> tuple[int, int]:
        w = self.preview_width if not isinstance(width, int | float) else width
        w = int(max(32, min(w, self.preview_width, self.project.width)))
        w -= w % 2
        h = max(2, 2 * round(w * self.project.height / self.project.width / 2))
        return w, h

    def _frame(self, msg: dict[str, Any], *, reply: bool = True) -> None:
        """Make the frame ``msg`` asks for and send it (``reply``), keeping it when it settles."""
        from vnb.preview import frame_at, frame_index, plan_of  # noqa: PLC0415
        from vnb.schema.color import parse_color  # noqa: PLC0415

        wanted = msg.get("t", 0.0)
        size = self._frame_size(msg.get("width"))
        answer: dict[str, Any] = {
            "kind": "frame",
            "id": msg.get("id"),
            "rev": self._rev,
            "content": self._content,
        }
        try:
            t = float(wanted) if isinstance(wanted, int | float) else 0.0
            plan = plan_of(self.project) if self.project.duration > 0 else None
            if plan is None or plan.frames == 0 or not math.isfinite(t):
                k = -1
                r, g, b, _ = parse_color(self.project.background)
                frame = np.full((size[1], size[0], 3), (r, g, b), np.uint8)
            else:
                t = min(max(t, 0.0), float((plan.frames - 1) / plan.fps))
                k = frame_index(plan, t)
                t = float(k / plan.fps)
                frame = frame_at(self.project, t, size=size)
                self._prefetcher(size).seek(t)
        except VnbError as err:
            answer.update(ok=False, error=self._fail(err))
            self._frame_error = self.error
            if reply:
                self.send(answer)
            return
        if self._frame_error and self.error == self._frame_error:
            self.error = ""  # the problem a frame showed is gone
        self._frame_error = ""
        data = jpeg(frame)
        answer.update(ok=True, t=t, frame_index=k, width=frame.shape[1], height=frame.shape[0])
        if reply:
            if self.overlays and k >= 0:
                answer["boxes"] = frame_boxes(self.project, t)
            self.send(answer, buffers=[data])
        self._last_frame = (float(wanted) if isinstance(wanted, int | float) else t, k, data)
        self._settle()

    def _settle(self, _change: object = None) -> None:
        """Keep the frame at the playhead, once it stopped, in ``frame_jpeg``.

        The frame request and the playhead's final value may reach Python in either order.
        """
        try:
            last = self._last_frame
            if self.playing:
                return
            if last is None or abs(last[0] - self.playhead) > 1e-6:
                # The browser painted the frame at the playhead from its cache: make it here.
                wanted, self._wanted_settle = self._wanted_settle, None
                t = wanted.get("t") if wanted is not None else None
                if (
                    wanted is not None
                    and isinstance(t, int | float)
                    and abs(t - self.playhead) <= 1e-6
                ):
                    self._frame(wanted, reply=False)  # settles when it is done
                else:
                    self._wanted_settle = wanted  # the playhead may still come
                return
            if self.frame_index != last[1] or self.frame_jpeg != last[2]:
                with self.hold_sync():
                    self.frame_jpeg = last[2]
                    self.frame_index = last[1]
        except Exception as err:
            self._fail(err)

    def _prefetcher(self, size: tuple[int, int]) -> Prefetcher:
        from vnb.preview.prefetch import Prefetcher  # noqa: PLC0415

        if self._prefetch is None or self._prefetch.size != size:
            if self._prefetch is not None:
                self._prefetch.close()
            self._prefetch = Prefetcher(self.project, size=size)
        return self._prefetch

    def _edit(self, msg: dict[str, Any]) -> None:
        op, key = msg.get("op"), msg.get("key")
        key = key if isinstance(key, str) and key else None
        final = msg.get("final", True) is not False
        reply: dict[str, Any] = {"kind": "edit", "id": msg.get("id"), "op": op, "ok": True}
        try:
            if op == "undo":
                self.history.undo()
            elif op == "redo":
                self.history.redo()
            else:
                with self.history.step(actions.describe(msg), key):
                    actions.apply(self.project, msg)
        except VnbError as err:
            if final and key is not None:
                self.history.cancel(key)  # a refused drag puts back what its moves did
            reply.update(ok=False, error=str(err))
            if final and msg.get("inline") is not True:
                self.error = i18n.text("refused", message=str(err))
        else:
            if final and self.error:
                self.error = ""
        self.send(reply)

    def _overlay(self, msg: dict[str, Any]) -> None:
        """``{kind: "overlay", index, classes?, min_score?}``: change an overlay's filters."""
        try:
            with self.history.step(i18n.text("op_overlay")):
                set_overlay_filters(self.project, msg)
        except VnbError as err:
            self.error = i18n.text("refused", message=str(err))
        else:
            if self.error:
                self.error = ""

    def _media(self, msg: dict[str, Any]) -> None:
        wanted = {c for c in msg.get("clips", []) if isinstance(c, str)}
        height = msg.get("height", 48)
        height = int(min(max(height, 16), 240)) if isinstance(height, int | float) else 48
        # The job works on a copy: the project may change while it runs.
        copy = type(self.project).model_validate(self.project.model_dump())
        copy._base_dir = self.project.base_dir
        self.media_future = self._pool.submit(self._media_job, copy, wanted, height)

    def _media_job(self, project: Project, wanted: set[str], height: int) -> None:
        from vnb.media import clip_thumbnails, clip_waveforms  # noqa: PLC0415

        try:
            clips = [c for tr in project.tracks for c in tr.clips if c.id in wanted]
            if not clips:
                return
            thumbs: dict[str, np.ndarray] = {}
            by_count: dict[int, list[str]] = {}
            for c in (c for tr in project.tracks if tr.kind == "video" for c in tr.clips):
                if c.id not in wanted:
                    continue
                by_count.setdefault(int(min(max(math.ceil(c.duration), 2), 16)), []).append(c.id)
            for count, ids in by_count.items():
                thumbs.update(clip_thumbnails(project, ids, count=count, height=height))
            span = max(project.duration, 1.0)
            waves = clip_waveforms(project, columns_per_second=min(100.0, max(4.0, 20_000 / span)))
            waves = {k: v for k, v in waves.items() if k in wanted}
            content, buffers = media_payload(thumbs, waves, {c.id: media_key(c) for c in clips})
            self.send(content, buffers=buffers)
        except Exception as err:
            self._fail(err)
