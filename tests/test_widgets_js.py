"""The widgets' front end: `node --test` on the pure logic, syntax, and the built bundle.

``widgets/`` is the source; ``vnb/notebook/static/editor.{js,css}`` is its esbuild bundle, which
the editor hands anywidget as file paths and the wheel ships (see `vnb.notebook._assets`).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.helpers import tools

ROOT = Path(__file__).resolve().parent.parent
WIDGETS = ROOT / "widgets"
STATIC = ROOT / "vnb" / "notebook" / "static"
NEEDS_NODE = "the widgets' JS tests; apt-get install nodejs"


@pytest.fixture(scope="module")
def node() -> str:
    """The ``node`` binary (skipped without it; a failure under ``VNB_REQUIRE_TOOLS``)."""
    return tools.which("node", NEEDS_NODE)


def test_node_unit_tests_pass(node):
    done = subprocess.run(
        [node, "--test", "test/"],
        cwd=WIDGETS,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "# fail 0" in done.stdout


@pytest.mark.parametrize("name", sorted(p.name for p in WIDGETS.glob("*.js")))
def test_modules_parse(node, name):
    done = subprocess.run(
        [node, "--check", name], cwd=WIDGETS, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr


def test_modules_import_only_their_siblings():
    for path in WIDGETS.glob("*.js"):
        text = path.read_text(encoding="utf-8")
        imports = re.findall(
            r"""^(?:(?:import|export)\b[^;'"]*?\bfrom\s*|import\s*)["']([^"']+)["']""", text, re.M
        )
        assert all(re.fullmatch(r"\./[\w-]+\.(js|css)", i) for i in imports), (path.name, imports)
        assert all((WIDGETS / i).is_file() for i in imports), (path.name, imports)
    assert "export default" in (WIDGETS / "editor.js").read_text(encoding="utf-8")


def test_editors_share_one_model_carrying_the_built_bundle():
    from vnb.notebook._assets import EDITOR_CSS, EDITOR_ESM, LOADER_ESM, shared_bundle
    from vnb.notebook.editor import Editor

    assert (EDITOR_ESM, EDITOR_CSS) == (STATIC / "editor.js", STATIC / "editor.css")
    assert str(Editor._esm) == LOADER_ESM.read_text(encoding="utf-8")  # the loader, < 1 KB
    assert len(LOADER_ESM.read_bytes()) < 1024
    assert not hasattr(Editor, "_css")  # the stylesheet comes with the bundle
    bundle = shared_bundle()
    assert bundle is shared_bundle()
    assert bundle.esm == EDITOR_ESM.read_text(encoding="utf-8")
    assert bundle.css == EDITOR_CSS.read_text(encoding="utf-8")
    state = bundle.get_state()  # a plain model of the widget manager's own (no view, no JS)
    assert (state["_model_module"], state["_model_name"]) == (
        "@jupyter-widgets/base",
        "WidgetModel",
    )
    bundle.close()  # closed (Widget.close_all, a test): the next editor gets a new one
    again = shared_bundle()
    assert again is not bundle and again.comm is not None and again.esm == bundle.esm
    text = EDITOR_ESM.read_text(encoding="utf-8")
    assert not re.search(r"""\bfrom\s*["']|\bimport\s*\(|data:text/javascript""", text)
    assert len(text.splitlines()) < 5  # minified
    assert ".vnb-editor" in EDITOR_CSS.read_text(encoding="utf-8")
    assert "get_model" in LOADER_ESM.read_text(encoding="utf-8")


def test_node_runs_the_bundle_as_one_module(node, tmp_path):
    bundle = tmp_path / "editor.mjs"  # node needs the .mjs name (or a package.json) for ESM
    shutil.copy(STATIC / "editor.js", bundle)
    script = (
        "const m = await import(process.argv[1]);"
        "console.log(JSON.stringify([Object.keys(m), typeof m.default.render]));"
    )
    done = subprocess.run(
        [node, "--input-type=module", "-e", script, "--", bundle.as_uri()],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == [["default"], "function"]


@pytest.mark.skipif(
    not (WIDGETS / "node_modules" / "esbuild").is_dir(),
    reason="esbuild is not installed: `cd widgets && npm ci` (CI runs `npm run check` itself)",
)
def test_the_committed_bundle_is_a_fresh_build_of_the_source(node):
    done = subprocess.run(
        [node, "build.mjs", "--check"],
        cwd=WIDGETS,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_esbuild_is_pinned_exactly_and_locked():
    package = json.loads((WIDGETS / "package.json").read_text(encoding="utf-8"))
    lock = json.loads((WIDGETS / "package-lock.json").read_text(encoding="utf-8"))
    version = package["devDependencies"]["esbuild"]
    assert re.fullmatch(r"\d+\.\d+\.\d+", version), version
    assert lock["packages"]["node_modules/esbuild"]["version"] == version
    assert package["scripts"]["build"] == "node build.mjs"


def test_the_wheel_ships_the_bundle_and_not_the_source():
    hatchling = pytest.importorskip("hatchling.builders.wheel")
    builder = hatchling.WheelBuilder(str(ROOT))
    shipped = {f.distribution_path for f in builder.recurse_included_files()}
    shipped |= set(builder.config.get_force_include().values())
    built = {f"vnb/notebook/static/{name}" for name in ("editor.js", "editor.css", "loader.js")}
    assert built <= shipped
    assert not [p for p in shipped if "widgets" in p or p.endswith((".mjs", ".test.js"))]


def test_hot_reload_follows_the_built_file(tmp_path):
    """anywidget's own hot reload (``ANYWIDGET_HMR=1``, a file path) sends a rebuilt bundle."""
    pytest.importorskip("watchfiles")
    built = tmp_path / "static" / "editor.js"
    built.parent.mkdir()
    built.write_text("export default { render() {} }; // one\n", encoding="utf-8")
    script = textwrap.dedent(
        f"""
        import pathlib, time
        import anywidget
        from vnb.notebook import _assets
        path = pathlib.Path({str(built)!r})

        class Live(anywidget.AnyWidget):
            _esm = path  # as vnb.notebook.editor.Editor does with _assets.EDITOR_ESM

        from vnb.notebook.editor import Editor
        assert str(Editor._esm) == _assets.EDITOR_ESM.read_text()  # the bundle itself …
        assert str(Editor._css) == _assets.EDITOR_CSS.read_text()  # … and its stylesheet

        widget = Live()
        assert "one" in widget._esm
        time.sleep(0.5)  # the watcher starts
        path.write_text("export default {{ render() {{}} }}; // two, rebuilt\\n")
        deadline = time.monotonic() + 15
        while "two, rebuilt" not in widget._esm and time.monotonic() < deadline:
            time.sleep(0.05)
        print("@@", "two, rebuilt" in widget._esm)
        """
    )
    env = {**os.environ, "ANYWIDGET_HMR": "1"}
    done = subprocess.run(
        [sys.executable, "-c", script],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "@@ True" in done.stdout, done.stdout + done.stderr
