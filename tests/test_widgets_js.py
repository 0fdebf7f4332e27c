"""The widgets' front end: `node --test` on the pure logic, syntax, and where the files are."""

from __future__ import annotations

import base64
import json
import re
import shutil
import subprocess
import time
import tomllib
from pathlib import Path

import pytest

from tests.helpers import tools

ROOT = Path(__file__).resolve().parent.parent
WIDGETS = ROOT / "widgets"
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
        assert all(re.fullmatch(r"\./[\w-]+\.js", i) for i in imports), (path.name, imports)
        assert all((WIDGETS / i).is_file() for i in imports), (path.name, imports)
    assert "export default" in (WIDGETS / "editor.js").read_text(encoding="utf-8")


def test_the_module_anywidget_gets_has_every_sibling_inlined(tmp_path):
    from vnb.notebook._assets import esm
    from vnb.notebook.editor import Editor

    text = esm("editor.js")
    assert Editor._esm == text or str(Editor._esm) == text
    assert not re.search(r"""from\s*["']\.""", text)  # no relative import is left …
    urls = re.findall(r'from "(data:text/javascript;base64,[^"]+)"', text)
    assert len(urls) >= 5  # … each became a data: URL of the module it named
    inlined = [base64.b64decode(u.split(",", 1)[1]).decode() for u in urls]
    for name in ("logic.js", "frames.js", "dom.js", "timeline.js", "preview.js"):
        own = (WIDGETS / name).read_text(encoding="utf-8")
        first_line = own.splitlines()[1]
        assert any(first_line in m for m in inlined), f"{name} is not inlined"
    node = tools.which("node", NEEDS_NODE)
    # node runs the inlined text as one module, with the same exports as the files in place
    bundle = tmp_path / "bundle.mjs"
    bundle.write_text(text, encoding="utf-8")
    script = (
        "const a = await import(process.argv[1]); const b = await import(process.argv[2]);"
        "console.log(JSON.stringify([Object.keys(a).sort(), Object.keys(b).sort(),"
        " typeof a.default.render, a.timecode(61.5, 30)]));"
    )
    done = subprocess.run(
        [
            node,
            "--input-type=module",
            "-e",
            script,
            "--",
            bundle.as_uri(),
            (WIDGETS / "editor.js").as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    keys_a, keys_b, render, tc = json.loads(done.stdout)
    assert keys_a == keys_b and "FrameQueue" in keys_a
    assert (render, tc) == ("function", "00:01:01:15")


def test_a_missing_or_circular_import_is_named(tmp_path, monkeypatch):
    from vnb.notebook import _assets

    (tmp_path / "a.js").write_text('import { b } from "./b.js";\nexport default {};\n')
    (tmp_path / "b.js").write_text('import { a } from "./a.js";\nexport const b = 1;\n')
    (tmp_path / "c.js").write_text('export * from "./nope.js";\n')
    monkeypatch.setattr(_assets, "asset", lambda name: tmp_path / name)
    with pytest.raises(ImportError, match=r"a\.js → b\.js → a\.js"):
        _assets.esm("a.js")
    with pytest.raises(FileNotFoundError, match=r"nope\.js"):
        _assets.esm("c.js")


def test_assets_resolve_to_the_checkout_and_ship_in_the_wheel():
    from vnb.notebook._assets import asset

    assert asset("editor.js") == WIDGETS / "editor.js"
    with pytest.raises(FileNotFoundError, match=r"nope\.js"):
        asset("nope.js")
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    shipped = config["tool"]["hatch"]["build"]["targets"]["wheel"]["force-include"]
    front_end = {p.name for p in WIDGETS.iterdir() if p.suffix in (".js", ".css")}
    assert {Path(k).name for k in shipped if k.startswith("widgets/")} == front_end
    assert all(v == f"vnb/_widgets/{Path(k).name}" for k, v in shipped.items() if "widgets" in k)


def test_hot_reload_sends_the_inlined_module_again_when_a_sibling_changes(tmp_path, monkeypatch):
    import anywidget
    import traitlets

    from vnb.notebook import _assets

    folder = tmp_path / "widgets"
    folder.mkdir()
    (folder / "a.js").write_text(
        'import { b } from "./b.js";\nexport default { render() { return b; } };\n'
    )
    (folder / "b.js").write_text('export const b = "one";\n')
    monkeypatch.setattr(_assets, "asset", lambda name: folder / name)
    monkeypatch.delenv("ANYWIDGET_HMR", raising=False)
    assert isinstance(_assets.esm_contents("a.js"), str)  # no hot reload: plain text
    monkeypatch.setenv("ANYWIDGET_HMR", "1")
    contents = _assets.esm_contents("a.js", poll=0.05)

    class Live(anywidget.AnyWidget):
        _esm = contents
        value = traitlets.Int(0).tag(sync=True)

    widget = Live()

    def inlined() -> str:  # the text of b.js inside the widget's _esm trait (what the browser gets)
        return base64.b64decode(re.findall(r"base64,([^\"]+)", widget._esm)[0]).decode()

    try:
        assert "one" in inlined()
        (folder / "b.js").write_text('export const b = "two, edited";\n')
        deadline = time.monotonic() + 10
        while "two, edited" not in inlined() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert "two, edited" in inlined()
    finally:
        widget.close()
        shutil.rmtree(folder)  # the watcher ends with its folder
