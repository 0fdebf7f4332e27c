"""The widgets' front end: `node --test` on the pure logic, syntax, and where the files are."""

from __future__ import annotations

import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
WIDGETS = ROOT / "widgets"
NODE = shutil.which("node")
needs_node = pytest.mark.skipif(NODE is None, reason="node is not installed (needed for JS tests)")


@needs_node
def test_node_unit_tests_pass():
    done = subprocess.run(
        [NODE, "--test", "test/"],
        cwd=WIDGETS,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "# fail 0" in done.stdout


@needs_node
@pytest.mark.parametrize("name", sorted(p.name for p in WIDGETS.glob("*.js")))
def test_modules_parse(name):
    done = subprocess.run(
        [NODE, "--check", name], cwd=WIDGETS, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr


def test_modules_are_self_contained():
    for path in WIDGETS.glob("*.js"):
        text = path.read_text(encoding="utf-8")
        assert 'from "./' not in text and "from './" not in text, f"{path.name} imports a sibling"
        assert "export default" in text


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
