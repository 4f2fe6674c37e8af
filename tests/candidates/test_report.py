"""skspec vet: the static HTML report of O candidates."""

import csv
import os
import shutil
import subprocess
from html.parser import HTMLParser

import numpy as np
import pytest

from skspec.candidates import VET_COLUMNS, vet_report
from skspec.datasets import load_lamost_samples


class _Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.images, self.rows, self.links, self._in_body, self._table = [], [], [], False, None
        self.cells, self._cell = [], None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "img":
            self.images.append(attrs["src"])
        if tag in ("a", "link", "script") and (attrs.get("href") or attrs.get("src")):
            self.links.append(attrs.get("href") or attrs.get("src"))
        if tag == "table":
            self._table = attrs.get("id")
        if tag == "tbody" and self._table == "candidates":
            self._in_body = True
        if tag == "tr" and self._in_body:
            self.rows.append([])
        if tag == "td" and self._in_body:
            self.rows[-1].append(attrs.get("data-value"))

    def handle_endtag(self, tag):
        if tag == "tbody":
            self._in_body = False


def _catalogue(path, rows, columns=("file", "p_O", "is_candidate", "rank", "novelty", "unknown")):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(columns))
        w.writeheader()
        for r in rows:
            w.writerow({k: r.get(k, "") for k in columns})
    return path


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("vet")
    files = load_lamost_samples().filenames
    rows = [
        {"file": files[0], "p_O": 0.30, "is_candidate": "True", "rank": 2, "novelty": 0.5, "unknown": "False"},
        {"file": files[1], "p_O": 0.90, "is_candidate": "1", "rank": 1, "novelty": 1.4, "unknown": "True"},
        {"file": files[2], "p_O": 0.01, "is_candidate": "False", "rank": 3},
        {"file": "missing.fits", "p_O": 0.2, "is_candidate": "true", "rank": 4},
    ]
    cat = _catalogue(tmp / "cat.csv", rows)
    index = vet_report(cat, tmp / "report")
    return tmp, index, rows


def test_page_lists_candidates_sorted_and_every_image_resolves(report):
    tmp, index, rows = report
    page = _Page()
    page.feed(index.read_text(encoding="utf-8"))
    assert len(page.rows) == 3  # the three candidates, not the non-candidate
    p_o = [float(r[3]) for r in page.rows]
    assert p_o == sorted(p_o, reverse=True) == [0.9, 0.3, 0.2]
    assert page.images, "no image in the page"
    for src in page.images:
        assert not src.startswith(("http:", "https:", "/")), src
        assert (index.parent / src).is_file(), src
    # 2 readable candidates: a thumbnail and a full figure each; the missing file is listed, flagged
    assert len(page.images) == 4
    assert "unreadable" in page.rows[2][8]
    assert all(not link.startswith(("http:", "https:")) for link in page.links)


def test_figures_are_pngs(report):
    _, index, _ = report
    for png in (index.parent / "figures").iterdir():
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_existing_folder_is_refused_unless_overwrite(report):
    tmp, index, _ = report
    with pytest.raises(FileExistsError, match="exists; pass overwrite=True"):
        vet_report(tmp / "cat.csv", index.parent)
    keep = index.parent / "notes.txt"
    keep.write_text("mine")
    vet_report(tmp / "cat.csv", index.parent, overwrite=True, references=None, max_candidates=1)
    assert keep.read_text() == "mine"
    assert len(list((index.parent / "figures").iterdir())) == 1


def test_missing_columns_are_named(tmp_path):
    cat = _catalogue(tmp_path / "cat.csv", [{"file": "x.fits"}], columns=("file", "prob_O"))
    with pytest.raises(ValueError, match=r"lacks the column\(s\) \['p_O', 'is_candidate'\]"):
        vet_report(cat, tmp_path / "out")
    assert not (tmp_path / "out").exists()
    from skspec.cli import main

    with pytest.raises(SystemExit, match="skspec vet: .*lacks the column"):
        main(["vet", str(cat), "-o", str(tmp_path / "out")])


def test_short_spectrum_is_flagged_not_a_crash(tmp_path, monkeypatch):
    import astropy.units as u

    import skspec.io
    from skspec.io import SpectrumData

    wave = np.arange(4300.0, 4800.0, 1.0)
    flux = 1 - 0.2 * np.exp(-0.5 * ((wave - 4542.9) / 1.5) ** 2)
    spec = SpectrumData(wavelength=wave * u.AA, flux=flux.astype(np.float32), ivar=None,
                        mask=np.zeros(wave.size, dtype=bool), meta={})
    monkeypatch.setattr(skspec.io, "read_fits", lambda path: spec)
    cat = _catalogue(tmp_path / "cat.csv", [{"file": "short.fits", "p_O": 0.7, "is_candidate": "True"}],
                     columns=VET_COLUMNS)
    index = vet_report(cat, tmp_path / "out", references=None)
    page = _Page()
    page.feed(index.read_text(encoding="utf-8"))
    assert len(page.rows) == 1
    assert "short_coverage" in page.rows[0][8]
    assert "not covered" in index.read_text(encoding="utf-8")


def test_caller_matplotlib_state_is_left_alone(tmp_path):
    import matplotlib

    backend, rc = matplotlib.get_backend(), dict(matplotlib.rcParams)
    cat = _catalogue(tmp_path / "cat.csv", [{"file": load_lamost_samples().filenames[3], "p_O": 0.5,
                                             "is_candidate": "True"}], columns=VET_COLUMNS)
    vet_report(cat, tmp_path / "out", references=None)
    assert matplotlib.get_backend() == backend
    assert dict(matplotlib.rcParams) == rc


def test_cli_writes_the_report(tmp_path):
    from skspec.cli import main

    cat = _catalogue(tmp_path / "cat.csv", [{"file": load_lamost_samples().filenames[3], "p_O": 0.5,
                                             "is_candidate": "True"}], columns=VET_COLUMNS)
    assert main(["vet", str(cat), "-o", str(tmp_path / "rep")]) == 0
    assert (tmp_path / "rep" / "index.html").is_file()


@pytest.mark.skipif(shutil.which("chromium") is None, reason="chromium is not installed")
def test_page_loads_in_headless_chromium(report):
    _, index, _ = report
    out = subprocess.run(["chromium", "--headless", "--disable-gpu", "--no-sandbox", "--dump-dom",
                          index.as_uri()], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert 'id="candidates"' in out.stdout


_PROBE = """<script>
window.addEventListener("load", function () {
  var imgs = Array.prototype.slice.call(document.images);
  var broken = imgs.filter(function (i) { return !(i.complete && i.naturalWidth > 0); });
  var col = function () {
    return Array.prototype.map.call(document.getElementById("candidates").tBodies[0].rows,
      function (r) { return parseFloat(r.cells[3].getAttribute("data-value")); });
  };
  var before = col(); sortTable(3); var asc = col(); sortTable(3); var desc = col();
  var pre = document.createElement("pre"); pre.id = "probe";
  pre.textContent = JSON.stringify({images: imgs.length, broken: broken.length,
                                    before: before, asc: asc, desc: desc});
  document.body.appendChild(pre);
});
</script>"""


@pytest.mark.skipif(shutil.which("chromium") is None, reason="chromium is not installed")
def test_every_image_resolves_and_the_table_sorts_in_headless_chromium(tmp_path):
    """In a real browser: the page's images decode (naturalWidth > 0) and a header
    click sorts P(O) ascending, then descending (a copy of the page, beside it,
    with a probe script that writes what it found into the DOM). Its own report:
    another test rewrites the shared one with a single candidate."""
    import json
    import re

    files = load_lamost_samples().filenames
    rows = [{"file": files[i], "p_O": p, "is_candidate": "True", "rank": r}
            for i, p, r in ((0, 0.30, 2), (1, 0.90, 1), (2, 0.55, 3))]
    index = vet_report(_catalogue(tmp_path / "cat.csv", rows), tmp_path / "report")
    probe = index.with_name("probe.html")
    probe.write_text(index.read_text(encoding="utf-8").replace("</body>", _PROBE + "</body>"),
                     encoding="utf-8")
    out = subprocess.run(["chromium", "--headless", "--disable-gpu", "--no-sandbox",
                          "--allow-file-access-from-files", "--virtual-time-budget=10000",
                          "--dump-dom", probe.as_uri()], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    found = re.search(r'<pre id="probe">(.*?)</pre>', out.stdout, re.S)
    assert found, out.stdout[-2000:]
    result = json.loads(found.group(1).replace("&quot;", '"'))
    assert result["images"] >= 3 and result["broken"] == 0, result
    assert result["before"] == sorted(result["before"], reverse=True)  # written by P(O)
    assert result["asc"] == sorted(result["before"])
    assert result["desc"] == sorted(result["before"], reverse=True)
