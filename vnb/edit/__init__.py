"""Editing operations over a `Project`: validated, atomic, undoable.

Each operation is a plain function over the project. It either applies whole, or raises
`ProjectError` and changes nothing: the work runs inside `transaction`, which saves the fields
of every object of the project first, puts them back on failure (the objects keep their
identity, so references held in notebook cells stay valid), and tells the project's listeners
once, on success. After the work, the project is validated again and the timeline is checked
(`vnb.plan.check_timeline`); an edit that adds a problem — two clips overlapping without a
transition, say — is refused. Problems the project already had are not blamed on the edit.

Times are seconds and are snapped to the project's frame grid. `History` keeps undo and redo
steps as snapshots (``model_dump``).

Example:
    ```python
    from vnb import edit
    h = edit.History(p)
    edit.split_clip(p, "c1", 2.0)
    edit.move_clip(p, "c2", 4.0)
    edit.freeze_frame(p, "c1", 1.0, 2.0)  # hold the frame at 1 s for 2 s
    h.undo()  # c2 is back
    edit.set_key(p, "c1", "transform.x", 0.0, -300)  # a key: clip time, value
    edit.set_key(p, "c1", "transform.x", 2.0, 0, easing="ease_out")
    ```
"""

from vnb.edit._history import History
from vnb.edit._keyframes import move_key, remove_key, set_key, set_key_easing
from vnb.edit._ops import (
    add_effect,
    add_marker,
    move_clip,
    remove_clip,
    remove_effect,
    remove_marker,
    remove_transition,
    set_clip,
    set_effect_param,
    set_track,
    split_clip,
    trim_clip,
)
from vnb.edit._time import freeze_frame

__all__ = [
    "History",
    "add_effect",
    "add_marker",
    "freeze_frame",
    "move_clip",
    "move_key",
    "remove_clip",
    "remove_effect",
    "remove_key",
    "remove_marker",
    "remove_transition",
    "set_clip",
    "set_effect_param",
    "set_key",
    "set_key_easing",
    "set_track",
    "split_clip",
    "trim_clip",
]
