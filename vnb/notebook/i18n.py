"""The one table of user-interface text, in English and Russian.

Every string the editor widget, the magics and the render progress bar show comes from `TEXT`.
The widget receives the current language's table as its ``labels`` trait, so the front end
never holds text of its own. `set_language` switches every live editor at once.
"""

from __future__ import annotations

import os
import weakref
from collections.abc import Callable
from typing import Any

from vnb.errors import VnbError

__all__ = ["get_language", "set_language", "text"]

TEXT: dict[str, dict[str, str]] = {
    "en": {
        "editor": "vnb editor",
        "play": "Play (Space)",
        "pause": "Pause (Space)",
        "reverse": "Play backwards (J)",
        "stop": "Stop (K)",
        "forward": "Play forwards, faster on each press (L)",
        "prev_frame": "Previous frame (←)",
        "next_frame": "Next frame (→)",
        "home": "Go to start (Home)",
        "end": "Go to end (End)",
        "split": "Split at the playhead (S)",
        "delete": "Delete the selected clip (Delete)",
        "marker": "Add a marker at the playhead (M)",
        "remove_marker": "Right-click: remove this marker",
        "undo": "Undo (Ctrl+Z)",
        "undo_named": "Undo {label} (Ctrl+Z)",
        "redo": "Redo (Ctrl+Shift+Z)",
        "redo_named": "Redo {label} (Ctrl+Shift+Z)",
        "zoom_in": "Zoom in (Ctrl + wheel)",
        "zoom_out": "Zoom out (Ctrl + wheel)",
        "zoom_fit": "Fit the whole timeline",
        "snap": "Snap to clip edges, markers and the playhead (hold Alt to switch off)",
        "frame": "frame",
        "lock": "Lock the track",
        "unlock": "Unlock the track",
        "mute": "Mute the track",
        "unmute": "Unmute the track",
        "hide": "Hide the track",
        "show": "Show the track",
        "dismiss": "Dismiss",
        "not_a_number": "Not a number: the value is unchanged.",
        "no_selection": "Select a clip to see its properties.",
        "empty_project": "The project is empty: add a track and a clip in Python.",
        "loading": "Loading…",
        "refused": "Refused: {message}",
        "error": "Error: {message}",
        "browser_error": "Error in the browser: {message}",
        "clip": "Clip",
        "source": "Source",
        "effects": "Effects",
        "add_effect": "Add an effect…",
        "remove_effect": "Remove this effect",
        "key_toggle": "Add or remove a key at the playhead",
        "key_prev": "Go to the previous key",
        "key_next": "Go to the next key",
        "key_easing": "Easing from the key at or before the playhead",
        "key_outside": "The playhead is outside the clip: no key here.",
        "key_custom": "custom",
        "key_curve": "{field} over the clip",
        "start": "Start (s)",
        "duration": "Duration (s)",
        "source_start": "Source start (s)",
        "speed": "Speed",
        "volume": "Volume",
        "muted": "Muted",
        "opacity": "Opacity",
        "fade_in": "Fade in (s)",
        "fade_out": "Fade out (s)",
        "transform.x": "Position x (px)",
        "transform.y": "Position y (px)",
        "transform.scale": "Scale",
        "transform.rotation": "Rotation (°)",
        "transform.fit": "Fit",
        "op_move": "move clip",
        "op_trim": "trim clip",
        "op_split": "split clip",
        "op_delete": "delete clip",
        "op_set": "change {field}",
        "op_effect": "change effect",
        "op_add_effect": "add effect",
        "op_remove_effect": "remove effect",
        "op_track": "change track",
        "op_marker": "add marker",
        "op_remove_marker": "remove marker",
        "op_key_set": "set key",
        "op_key_remove": "remove key",
        "op_key_move": "move key",
        "op_key_easing": "change easing",
        "op_python": "edit in Python",
        "op_overlay": "change detection filters",
        "render_running": "Rendering {name}… {percent}%",
        "render_eta": "{seconds:.0f} s left",
        "render_fps": "{fps:.0f} fps",
        "render_queued": "{name}: waiting for a free worker…",
        "render_done": "Rendered {path} ({duration:.1f} s of video in {elapsed:.1f} s)",
        "render_failed": "The render failed: {message}",
        "render_cancelled": "Render cancelled.",
        "cancel": "Cancel",
        "overlay": "Detections",
        "min_score": "Min. confidence",
        "no_project": (
            "Which project? Name it (%vnb render p out.mp4) or show one first (p in a cell)."
        ),
        "not_a_project": "{name!r} is not a vnb project.",
        "language_set": "Language: English",
        "magic_help": (
            "%vnb render [PROJECT] OUTPUT [--preset P] [--crf N] [--speed S]"
            "  render in the background, with a progress bar and a cancel button\n"
            "%vnb doctor [--json]      check ffmpeg, PyAV, fonts and the cache\n"
            "%vnb editor [PROJECT]     show the editor of a project\n"
            "%vnb language en|ru       the language of the user interface"
        ),
    },
    "ru": {
        "editor": "Редактор vnb",
        "play": "Воспроизвести (пробел)",
        "pause": "Пауза (пробел)",
        "reverse": "Воспроизвести назад (J)",
        "stop": "Стоп (K)",
        "forward": "Воспроизвести вперёд, быстрее с каждым нажатием (L)",
        "prev_frame": "Предыдущий кадр (←)",
        "next_frame": "Следующий кадр (→)",
        "home": "В начало (Home)",
        "end": "В конец (End)",
        "split": "Разрезать по указателю (S)",
        "delete": "Удалить выбранный клип (Delete)",
        "marker": "Поставить маркер у указателя (M)",
        "remove_marker": "Правый щелчок: удалить маркер",
        "undo": "Отменить (Ctrl+Z)",
        "undo_named": "Отменить: {label} (Ctrl+Z)",
        "redo": "Повторить (Ctrl+Shift+Z)",
        "redo_named": "Повторить: {label} (Ctrl+Shift+Z)",
        "zoom_in": "Увеличить (Ctrl + колесо)",
        "zoom_out": "Уменьшить (Ctrl + колесо)",
        "zoom_fit": "Показать всю монтажную ленту",
        "snap": "Притягивать к краям клипов, маркерам и указателю (Alt — отключить)",
        "frame": "кадр",
        "lock": "Заблокировать дорожку",
        "unlock": "Разблокировать дорожку",
        "mute": "Выключить звук дорожки",
        "unmute": "Включить звук дорожки",
        "hide": "Скрыть дорожку",
        "show": "Показать дорожку",
        "dismiss": "Закрыть",
        "not_a_number": "Это не число: значение не изменилось.",
        "no_selection": "Выберите клип, чтобы увидеть его свойства.",
        "empty_project": "Проект пуст: добавьте дорожку и клип в Python.",
        "loading": "Загрузка…",
        "refused": "Отклонено: {message}",
        "error": "Ошибка: {message}",
        "browser_error": "Ошибка в браузере: {message}",
        "clip": "Клип",
        "source": "Источник",
        "effects": "Эффекты",
        "add_effect": "Добавить эффект…",
        "key_toggle": "Добавить или удалить ключевой кадр под указателем",
        "key_prev": "К предыдущему ключевому кадру",
        "key_next": "К следующему ключевому кадру",
        "key_easing": "Сглаживание от ключевого кадра под указателем или перед ним",
        "key_outside": "Указатель вне клипа: ключевой кадр не поставить.",
        "key_custom": "своё",
        "key_curve": "{field} на протяжении клипа",
        "remove_effect": "Удалить эффект",
        "start": "Начало (с)",
        "duration": "Длительность (с)",
        "source_start": "Начало в источнике (с)",
        "speed": "Скорость",
        "volume": "Громкость",
        "muted": "Без звука",
        "opacity": "Непрозрачность",
        "fade_in": "Появление (с)",
        "fade_out": "Затухание (с)",
        "transform.x": "Положение x (пкс)",
        "transform.y": "Положение y (пкс)",
        "transform.scale": "Масштаб",
        "transform.rotation": "Поворот (°)",
        "transform.fit": "Вписывание",
        "op_move": "перемещение клипа",
        "op_trim": "обрезка клипа",
        "op_split": "разрезание клипа",
        "op_delete": "удаление клипа",
        "op_set": "изменение: {field}",
        "op_effect": "изменение эффекта",
        "op_add_effect": "добавление эффекта",
        "op_remove_effect": "удаление эффекта",
        "op_track": "изменение дорожки",
        "op_marker": "добавление маркера",
        "op_remove_marker": "удаление маркера",
        "op_key_set": "ключевой кадр",
        "op_key_remove": "удаление ключевого кадра",
        "op_key_move": "перемещение ключевого кадра",
        "op_key_easing": "изменение сглаживания",
        "op_python": "правка в Python",
        "op_overlay": "изменение фильтров объектов",
        "render_running": "Рендеринг {name}… {percent}%",
        "render_eta": "осталось {seconds:.0f} с",
        "render_fps": "{fps:.0f} кадр/с",
        "render_queued": "{name}: ждёт свободного исполнителя…",
        "render_done": "Готово: {path} ({duration:.1f} с видео за {elapsed:.1f} с)",
        "render_failed": "Рендеринг не удался: {message}",
        "render_cancelled": "Рендеринг отменён.",
        "cancel": "Отмена",
        "overlay": "Обнаруженные объекты",
        "min_score": "Мин. уверенность",
        "no_project": (
            "Какой проект? Укажите его (%vnb render p out.mp4) или сначала покажите (p в ячейке)."
        ),
        "not_a_project": "{name!r} — не проект vnb.",
        "language_set": "Язык: русский",
        "magic_help": (
            "%vnb render [ПРОЕКТ] ФАЙЛ [--preset P] [--crf N] [--speed S]"
            "  рендеринг в фоне, с индикатором и кнопкой отмены\n"
            "%vnb doctor [--json]      проверить ffmpeg, PyAV, шрифты и кэш\n"
            "%vnb editor [ПРОЕКТ]      показать редактор проекта\n"
            "%vnb language en|ru       язык интерфейса"
        ),
    },
}
"""``{language: {key: text}}``; every language has every key (a test checks)."""

LANGUAGES = tuple(TEXT)

_state = {"language": os.environ.get("VNB_LANG", "en")}
if _state["language"] not in TEXT:
    _state["language"] = "en"
_subscribers: list[weakref.WeakMethod[Callable[[str], None]]] = []


def get_language() -> str:
    """The current language code (``"en"`` or ``"ru"``)."""
    return _state["language"]


def set_language(language: str) -> None:
    """Switch the user interface to ``language`` (``"en"`` or ``"ru"``), live editors included.

    Raises:
        VnbError: an unknown language.
    """
    if language not in TEXT:
        msg = f"unknown language {language!r}: choose one of {', '.join(LANGUAGES)}"
        raise VnbError(msg)
    _state["language"] = language
    for ref in list(_subscribers):
        callback = ref()
        if callback is None:
            _subscribers.remove(ref)
        else:
            callback(language)


def subscribe(method: Callable[[str], None]) -> None:
    """Call the bound ``method(language)`` on every switch (held weakly: no leak)."""
    _subscribers.append(weakref.WeakMethod(method))


def labels(language: str | None = None) -> dict[str, str]:
    """The whole table of one language (default: the current one)."""
    return dict(TEXT[language or get_language()])


def text(key: str, /, **values: Any) -> str:
    """The text of ``key`` in the current language, formatted with ``values``."""
    table = TEXT[get_language()]
    template = table.get(key) or TEXT["en"].get(key, key)
    return template.format(**values) if values else template
