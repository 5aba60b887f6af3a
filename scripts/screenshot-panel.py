"""The listening panel as a user sees it: JupyterLab in headless Chromium at two screen sizes.

Builds a one-cell notebook with `listen.ComparisonPanel` on the VCTK sample (r = 2 and 4:
spline, polyphase, soxr, sinc, the default shipped model and, at r = 4, the frame model) in a
temporary folder, starts JupyterLab on 127.0.0.1, runs the cell, and for each size saves a
screenshot and prints each player's width and row. Needs Debian's `chromium` (apt) and
`pip install playwright`; neither is a dependency of the package.
(tests/test_listen.py runs the cell itself on a fixture folder.)

    .venv/bin/python scripts/screenshot-panel.py --out out/panel      # about a minute
"""

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

CELL = """from audiosr.evaluation.baselines import all_baselines
from audiosr.data.patches import DataConfig
from audiosr.evaluation.evaluate import model_method
from audiosr.listening.listen import ComparisonPanel
from audiosr.training.runs import ensure_cache
from audiosr.inference.shipped import load_any, shipped_speech

sources = {}
for r in RATIOS:
    cache = ensure_cache(DataConfig(dataset=DATASET, ratio=r, max_clips=MAX_CLIPS))
    methods = {**all_baselines(r), "shipped model": model_method(load_any(None, r))}
    if frame := shipped_speech(r).get("frame"):
        methods["frame model"] = model_method(load_any(frame))
    sources[r] = (cache, methods)
panel = ComparisonPanel(sources)
panel"""


def panel_cell(ratios: tuple, dataset: str = "vctk-sample", max_clips: int | None = None) -> str:
    """The notebook cell that shows the panel for `ratios` on `dataset`."""
    return (
        CELL.replace("RATIOS", repr(tuple(ratios)))
        .replace("DATASET", repr(dataset))
        .replace("MAX_CLIPS", repr(max_clips))
    )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default="out/panel")
    ap.add_argument("--sizes", nargs="+", default=["1366x768", "1920x1080"])
    ap.add_argument("--port", type=int, default=8899)
    ap.add_argument("--chromium", default="/usr/bin/chromium")
    args = ap.parse_args()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        print("error: needs playwright (pip install playwright) and Debian's chromium (apt).",
              file=sys.stderr)  # fmt: skip
        return 2
    screenshots(args, sync_playwright)
    return 0


def wait_for_port(port: int, seconds: float = 120) -> None:
    """Until JupyterLab answers on 127.0.0.1:`port` (it starts in seconds on an idle machine,
    in a minute on a busy one)."""
    import socket

    end = time.monotonic() + seconds
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if time.monotonic() > end:
                raise SystemExit(f"error: JupyterLab did not answer on port {port} in {seconds} s")
            time.sleep(0.5)


def screenshots(args, sync_playwright) -> None:
    """JupyterLab on the panel notebooks, one screenshot per notebook and screen size."""
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="panel-"))
    for name, ratios in (("two-ratios", (2, 4)), ("one-ratio", (4,))):
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(panel_cell(ratios))])
        nb.metadata["kernelspec"] = {
            "name": "python3",
            "display_name": "Python 3",
            "language": "python",
        }
        nbformat.write(nb, folder / f"{name}.ipynb")
    lab = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jupyter",
            "lab",
            "--ip",
            "127.0.0.1",
            f"--port={args.port}",
            "--no-browser",
            "--allow-root",
            "--IdentityProvider.token=panel",
            f"--ServerApp.root_dir={folder}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(args.port)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=args.chromium, args=["--no-sandbox"])
            for size in args.sizes:
                w, h = map(int, size.split("x"))
                for name in ("two-ratios", "one-ratio"):
                    page = browser.new_page(viewport={"width": w, "height": h})
                    page.goto(
                        f"http://127.0.0.1:{args.port}/lab/workspaces/{name}{size}/tree/{name}.ipynb?token=panel&reset"
                    )
                    page.wait_for_selector(
                        ".jp-Notebook .jp-Cell .jp-InputArea-editor", timeout=60000
                    )
                    time.sleep(3)
                    page.click(".jp-Notebook .jp-Cell .jp-InputArea-editor")
                    page.keyboard.press("Shift+Enter")
                    page.wait_for_selector(".widget-gridbox audio", timeout=180000)
                    time.sleep(2)
                    page.screenshot(path=str(out / f"panel-{name}-{size}.png"))
                    boxes = [
                        a.bounding_box() for a in page.query_selector_all(".widget-gridbox audio")
                    ]
                    rows = sorted({round(b["y"]) for b in boxes})
                    ratio_shown = page.query_selector_all(".widget-dropdown")[1].is_visible()
                    print(
                        f"{size} {name}: {len(boxes)} players, {len(rows)} row(s), widths "
                        f"{sorted({round(b['width']) for b in boxes})} px, ratio menu shown: {ratio_shown}"
                    )
                    page.close()
            browser.close()
    finally:
        lab.terminate()
    print(f"screenshots in {out}")


if __name__ == "__main__":
    raise SystemExit(main())
