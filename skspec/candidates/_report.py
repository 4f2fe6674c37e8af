"""``skspec vet``: a static HTML report to check O-star candidates by eye.

For each candidate of a catalogue written by ``skspec predict`` (sorted by
P(O)), the report reads the spectrum file, rectifies its blue-violet range
(:class:`skspec.preprocessing.ContinuumNormalizer`),
measures the O/B criterion lines (:func:`skspec.metrics.measure_lines`),
estimates the O subtype (:func:`skspec.metrics.estimate_o_subtype`), finds the
nearest O and B reference spectra, and draws one PNG. One ``index.html``
lists all candidates with thumbnails; it needs no server and no network.
"""

from __future__ import annotations

import argparse
import csv
import html
import logging
import math
import os
import shutil
from pathlib import Path

import numpy as np

from ..metrics._lines import O_B_CRITERIA, estimate_o_subtype, line_flags, measure_lines

__all__ = ["VET_COLUMNS", "VET_OPTIONAL_COLUMNS", "candidate_columns", "rank_candidates", "vet_report"]

logger = logging.getLogger(__name__)

#: Columns ``skspec vet`` needs in the catalogue: ``file`` (path of the
#: spectrum; relative paths are relative to the catalogue's folder; ``path`` is
#: accepted as an alias), ``p_O`` (calibrated P(O), a float) and
#: ``is_candidate`` (true/false, 1/0: only candidates are reported).
VET_COLUMNS = ("file", "p_O", "is_candidate")
#: Columns shown when present: ``rank`` (1 = most probable O; 0 or empty for
#: non-candidates), ``novelty``
#: (novelty score / threshold, > 1 is unknown), ``unknown`` (true/false),
#: ``pred_class``, ``object_id``, ``snr``, ``flags``.
VET_OPTIONAL_COLUMNS = ("rank", "novelty", "unknown", "pred_class", "object_id", "snr", "flags")

#: blue-violet range of the report, vacuum Angstrom
BLUE_VIOLET = (3920.0, 4990.0)


# --------------------------------------------------------------------------- catalogue
def candidate_columns(X, rule, novelty=None) -> dict:
    """The catalogue columns ``skspec vet`` reads, for a batch of spectra.

    Parameters
    ----------
    X : array-like of shape (n_spectra, n_pixels)
        Spectra on the model's grid.
    rule : fitted :class:`RareClassThreshold`
        Gives ``p_O`` (its ``predict_proba`` for ``target_class_``, at its
        ``prior`` when set) and the candidates (:meth:`RareClassThreshold.is_candidate`).
    novelty : fitted :class:`NoveltyDetector` or None, default=None
        When given, ``novelty`` is the novelty score over the threshold (> 1:
        unknown), ``unknown`` the flag, and an unknown spectrum is never a
        candidate.

    Returns
    -------
    columns : dict of ndarray
        ``p_O``, ``is_candidate`` and, with ``novelty``, ``novelty`` and
        ``unknown``. ``rank`` needs the whole catalogue: see
        :func:`rank_candidates`.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skspec.candidates import NoveltyDetector, RareClassThreshold, candidate_columns
    >>> from skspec.datasets import make_spectra
    >>> X, y = make_spectra(200, 100, random_state=0)
    >>> y = np.where(y == y[0], "O", "B")
    >>> rule = RareClassThreshold(LogisticRegression(max_iter=500), random_state=0).fit(X, y)
    >>> novelty = NoveltyDetector(n_components=5, random_state=0).fit(X)
    >>> noise = np.abs(np.random.default_rng(0).normal(1, 1, (1, 100)))
    >>> cols = candidate_columns(np.vstack([X[:2], noise]), rule, novelty)
    >>> sorted(cols)
    ['is_candidate', 'novelty', 'p_O', 'unknown']
    >>> bool(cols["unknown"][2]), bool(cols["is_candidate"][2])
    (True, False)
    """
    proba = rule.predict_proba(X)
    out = {"p_O": proba[:, rule.target_index_], "is_candidate": rule.is_candidate(X)}
    if novelty is not None:
        ratio = novelty.novelty_score(X) / novelty.threshold_
        out["novelty"] = ratio
        out["unknown"] = ratio > 1.0
        out["is_candidate"] = out["is_candidate"] & ~out["unknown"]
    return out


def rank_candidates(p_O, is_candidate) -> np.ndarray:
    """Rank of each candidate by P(O), 1 = most probable; 0 for non-candidates.

    Examples
    --------
    >>> from skspec.candidates import rank_candidates
    >>> rank_candidates([0.2, 0.9, 0.5, 0.7], [True, True, False, True]).tolist()
    [3, 1, 0, 2]
    """
    p_O = np.asarray(p_O, dtype=float)
    cand = np.asarray(is_candidate, dtype=bool)
    rank = np.zeros(p_O.size, dtype=np.int64)
    idx = np.flatnonzero(cand)
    order = idx[np.argsort(-p_O[idx], kind="stable")]
    rank[order] = np.arange(1, order.size + 1)
    return rank


def _truthy(value) -> bool:
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if value is None:
        return False
    if isinstance(value, (int, float, np.number)):
        return bool(value) and not (isinstance(value, float) and math.isnan(value))
    return str(value).strip().lower() in ("1", "true", "t", "yes", "y")


def _float(value) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return float("nan")


def read_catalogue(path) -> list[dict]:
    """Rows of a csv or parquet catalogue as dicts (ValueError naming missing columns)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"catalogue {str(path)!r} does not exist")
    if path.suffix.lower() in (".parquet", ".pq"):
        import pandas as pd

        rows = pd.read_parquet(path).to_dict("records")
        columns = list(rows[0]) if rows else list(pd.read_parquet(path).columns)
    else:
        with open(path, newline="", encoding="utf-8") as fh:
            reader = csv.DictReader(fh)
            columns = list(reader.fieldnames or [])
            rows = list(reader)
    if "file" not in columns and "path" in columns:
        for row in rows:
            row["file"] = row["path"]
        columns.append("file")
    missing = [c for c in VET_COLUMNS if c not in columns]
    if missing:
        raise ValueError(
            f"catalogue {str(path)!r} lacks the column(s) {missing} that skspec vet needs "
            f"(it has {columns}); write it with skspec predict, or add {', '.join(missing)}"
        )
    base = path.resolve().parent
    for i, row in enumerate(rows):
        row["p_O"] = _float(row["p_O"])
        row["is_candidate"] = _truthy(row["is_candidate"])
        # rows skspec predict could not classify have no p_O; they are no candidates
        if math.isnan(row["p_O"]) and row["is_candidate"]:
            raise ValueError(f"catalogue {str(path)!r}, data row {i + 1}: p_O is not a number")
        f = str(row["file"])
        row["file"] = f if os.path.isabs(f) else str(base / f)
    return rows


# --------------------------------------------------------------------------- spectra
def _rectify(wave, flux, ivar=None):
    """Rectify with :class:`skspec.preprocessing.ContinuumNormalizer` (bad pixels bridged, then NaN)."""
    from ..preprocessing import ContinuumNormalizer

    good = np.isfinite(flux) & (flux > 0)
    if ivar is not None:
        good &= np.isfinite(ivar) & (ivar > 0)
    if good.sum() < 20:
        raise ValueError("too few good pixels in the blue-violet range to fit a continuum")
    filled = np.interp(wave, wave[good], flux[good])[None, :]
    cont = ContinuumNormalizer(wavelength=wave).fit(filled).continuum(filled)[0]
    cont = np.where(cont > 0, cont, np.nan)
    rect = np.where(good, flux / cont, np.nan)
    rect_ivar = None if ivar is None else np.where(good, ivar * cont**2, 0.0)
    return rect, rect_ivar


def _blue_violet(wave, flux, ivar=None):
    sel = (wave >= BLUE_VIOLET[0]) & (wave <= BLUE_VIOLET[1])
    if sel.sum() < 50:
        raise ValueError(
            f"the spectrum covers {wave[0]:.0f}-{wave[-1]:.0f} A, hardly any of the blue-violet "
            f"range {BLUE_VIOLET[0]:.0f}-{BLUE_VIOLET[1]:.0f} A"
        )
    w, f = wave[sel], np.asarray(flux, dtype=float)[sel]
    iv = None if ivar is None else np.asarray(ivar, dtype=float)[sel]
    return (w, *_rectify(w, f, iv))


class _References:
    """Rectified O and B reference spectra, and the nearest one of each to a spectrum."""

    def __init__(self, wavelength, flux, labels, names):
        wave = np.asarray(wavelength, dtype=float)
        sel = (wave >= BLUE_VIOLET[0]) & (wave <= BLUE_VIOLET[1])
        self.wave = wave[sel]
        self.rect, self.labels, self.names = [], [], []
        for f, lab, name in zip(flux, labels, names):
            if lab not in ("O", "B"):
                continue
            try:
                r = _rectify(self.wave, np.asarray(f, dtype=float)[sel])[0]
            except ValueError:
                continue
            self.rect.append(r)
            self.labels.append(lab)
            self.names.append(name)
        self.rect = np.array(self.rect)
        self.labels = np.array(self.labels)

    @classmethod
    def bundled(cls):
        from ..datasets import load_obafgkm

        d = load_obafgkm()
        names = [f"{o} ({s}, {src})" for o, s, src in zip(d.object, d.subclass, d.source)]
        return cls(d.wavelength.to_value("AA"), np.asarray(d.data), np.asarray(d.target), names)

    def nearest(self, wave, rect, label):
        mask = self.labels == label
        if not mask.any():
            return None
        on_ref = np.interp(self.wave, wave, rect, left=np.nan, right=np.nan)
        diff = self.rect[mask] - on_ref[None, :]
        ok = np.isfinite(diff).all(axis=0)
        if ok.sum() < 50:
            return None
        dist = np.sqrt(np.mean(diff[:, ok] ** 2, axis=1))
        k = int(np.nanargmin(dist))
        idx = np.flatnonzero(mask)[k]
        return self.names[idx], self.rect[idx], float(dist[k])


# --------------------------------------------------------------------------- figures
def _draw(path, wave, rect, lines, title, near_o, near_b, ref_wave, thumb_path):
    import matplotlib
    from matplotlib.figure import Figure

    with matplotlib.rc_context({"font.size": 8}):
        fig = Figure(figsize=(11, 6.2), dpi=90)
        gs = fig.add_gridspec(2, 1, height_ratios=(3.2, 1.3), hspace=0.25)
        ax = fig.add_subplot(gs[0])
        ax.plot(wave, rect, color="k", lw=0.8, label="candidate (rectified)")
        if near_o is not None:
            ax.plot(ref_wave, near_o[1] - 0.35, color="tab:blue", lw=0.7,
                    label=f"nearest O: {near_o[0]} (rms {near_o[2]:.3f}), offset -0.35")
        if near_b is not None:
            ax.plot(ref_wave, near_b[1] - 0.7, color="tab:red", lw=0.7,
                    label=f"nearest B: {near_b[0]} (rms {near_b[2]:.3f}), offset -0.70")
        for rec in lines:
            colour = "tab:purple" if rec["line"].startswith("He II") else "0.45"
            ax.axvline(rec["centre"], color=colour, lw=0.6, ls="--", zorder=0)
            ew = "n/a" if not rec["covered"] else f"{rec['ew']:.2f}±{rec['ew_err']:.2f}"
            ax.text(rec["centre"], 1.0, f" {rec['line']}  {ew}", rotation=90, va="top", ha="right",
                    fontsize=6.5, color=colour, transform=ax.get_xaxis_transform())
        ax.set_xlim(BLUE_VIOLET)
        ax.set_ylim(-0.3, 1.9)
        ax.set_xlabel("Vacuum wavelength (Å)")
        ax.set_ylabel("Rectified flux")
        ax.set_title(title, fontsize=9, loc="left")
        ax.legend(loc="lower left", fontsize=7, frameon=False)
        tab = fig.add_subplot(gs[1])
        tab.axis("off")
        cells = [[r["line"], "n/a" if not r["covered"] else f"{r['ew']:.3f}",
                  "" if not r["covered"] else f"{r['ew_err']:.3f}"] for r in lines]
        half = (len(cells) + 1) // 2
        left, right = cells[:half], cells[half:] + [["", "", ""]] * (half - len(cells[half:]))
        table = tab.table(cellText=[a + b for a, b in zip(left, right)],
                          colLabels=["line", "EW (Å)", "error", "line", "EW (Å)", "error"],
                          loc="center", cellLoc="center")
        table.auto_set_font_size(False)
        table.set_fontsize(7)
        fig.savefig(path)
        thumb = Figure(figsize=(3.0, 1.1), dpi=80)
        tax = thumb.add_axes((0.01, 0.05, 0.98, 0.9))
        tax.plot(wave, rect, color="k", lw=0.5)
        for rec in lines:
            if rec["line"].startswith("He II"):
                tax.axvline(rec["centre"], color="tab:purple", lw=0.5, ls="--")
        tax.set_xlim(BLUE_VIOLET)
        tax.set_ylim(0.3, 1.3)
        tax.axis("off")
        thumb.savefig(thumb_path)


# --------------------------------------------------------------------------- one candidate
def _vet_one(row, references, fig_dir, thumb_dir, number):
    from ..io import read_fits

    out = {"lines": [], "subtype": "", "log_w_prime": float("nan"), "subtype_flag": "",
           "line_flags": [], "png": None, "thumb": None, "error": "", "near_o": "", "near_b": ""}
    try:
        spec = read_fits(row["file"])
        wave = spec.wavelength.to_value("AA")
        flux = np.asarray(spec.flux, dtype=float)
        ivar = None if spec.ivar is None else np.where(spec.mask, 0.0, spec.ivar).astype(float)
        w, rect, rivar = _blue_violet(wave, np.where(spec.mask, np.nan, flux), ivar)
    except Exception as exc:  # one bad file must not stop the report
        out["error"] = f"{type(exc).__name__}: {exc}"
        return out
    m = measure_lines(rect, w, ivar=None if rivar is None else np.nan_to_num(rivar))
    est = estimate_o_subtype(m)
    flags = line_flags(m)
    out["lines"] = m.records(0)
    out["subtype"] = str(est["subtype"][0])
    out["log_w_prime"] = float(est["log_w_prime"][0])
    out["subtype_flag"] = str(est["flag"][0])
    out["line_flags"] = [k for k, v in flags.items() if bool(v[0])]
    near_o = references.nearest(w, rect, "O") if references is not None else None
    near_b = references.nearest(w, rect, "B") if references is not None else None
    out["near_o"] = "" if near_o is None else near_o[0]
    out["near_b"] = "" if near_b is None else near_b[0]
    title = (f"#{number}  {row.get('object_id') or os.path.basename(row['file'])}   P(O) = {row['p_O']:.3g}"
             f"   subtype {out['subtype'] or '-'}" + (f" ({out['subtype_flag']})" if out["subtype_flag"] else "")
             + (f"   log W' = {out['log_w_prime']:.2f}" if np.isfinite(out["log_w_prime"]) else ""))
    png = fig_dir / f"candidate_{number:05d}.png"
    thumb = thumb_dir / f"candidate_{number:05d}.png"
    _draw(png, w, rect, out["lines"], title, near_o, near_b,
          references.wave if references is not None else None, thumb)
    out["png"], out["thumb"] = png, thumb
    return out


# --------------------------------------------------------------------------- html
_SORT_JS = """
function sortTable(col) {
  var table = document.getElementById("candidates");
  var body = table.tBodies[0];
  var rows = Array.prototype.slice.call(body.rows);
  var th = table.tHead.rows[0].cells[col];
  var asc = th.getAttribute("data-order") !== "asc";
  rows.sort(function (a, b) {
    var x = a.cells[col].getAttribute("data-value"), y = b.cells[col].getAttribute("data-value");
    var nx = parseFloat(x), ny = parseFloat(y);
    var c = (!isNaN(nx) && !isNaN(ny)) ? nx - ny : String(x).localeCompare(String(y));
    return asc ? c : -c;
  });
  rows.forEach(function (r) { body.appendChild(r); });
  for (var i = 0; i < table.tHead.rows[0].cells.length; i++) {
    table.tHead.rows[0].cells[i].removeAttribute("data-order");
  }
  th.setAttribute("data-order", asc ? "asc" : "desc");
}
"""

_CSS = """
body { font-family: sans-serif; margin: 1.5em; }
table { border-collapse: collapse; font-size: 13px; }
th, td { border: 1px solid #ccc; padding: 3px 6px; text-align: left; vertical-align: middle; }
th { background: #eee; cursor: pointer; }
td.flag { color: #a33; }
section { margin-top: 2.5em; border-top: 1px solid #999; }
"""


def _cell(value, text=None) -> str:
    shown = html.escape(str(value if text is None else text))
    sort = html.escape(str(value), quote=True)
    return f'<td data-value="{sort}">{shown}</td>'


def _fmt(x, spec=".3g") -> str:
    x = _float(x)
    return "" if math.isnan(x) else format(x, spec)


def _write_html(path, catalogue, items, n_total, n_candidates):
    rel = lambda p: os.path.relpath(p, path.parent).replace(os.sep, "/")  # noqa: E731
    head = ["rank", "spectrum", "object", "P(O)", "novelty", "unknown", "subtype", "log W'",
            "flags", "nearest O", "nearest B"]
    out = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
           "<title>skspec vet: O-star candidates</title>", f"<style>{_CSS}</style>",
           f"<script>{_SORT_JS}</script>", "</head><body>",
           "<h1>O-star candidates</h1>",
           f"<p>Catalogue <code>{html.escape(str(catalogue))}</code>: {n_total} rows, {n_candidates} "
           f"candidates, {len(items)} shown, sorted by P(O). Click a column header to sort. "
           "Spectra are rectified over the blue-violet range; EW in Å (positive: absorption); "
           "subtype from log W' = log EW(He I 4471)/EW(He II 4541) (Conti &amp; Alschuler 1971, "
           "Mathys 1988; valid O4–O9.7).</p>",
           '<table id="candidates"><thead><tr>'
           + "".join(f'<th onclick="sortTable({i})">{html.escape(h)}</th>' for i, h in enumerate(head))
           + "</tr></thead><tbody>"]
    for number, (row, res) in enumerate(items, start=1):
        anchor = f"c{number:05d}"
        thumb = (f'<a href="#{anchor}"><img src="{html.escape(rel(res["thumb"]))}" width="240" '
                 f'alt="spectrum {number}"></a>' if res["thumb"] else html.escape(res["error"] or "no plot"))
        flags = [f for f in str(row.get("flags") or "").split("|") if f] + res["line_flags"]
        if res["subtype_flag"]:
            flags.append(res["subtype_flag"])
        if res["error"]:
            flags.append("unreadable")
        unknown = row.get("unknown")
        out.append(
            "<tr>" + _cell(row.get("rank") or number)
            + f'<td data-value="{number}">{thumb}</td>'
            + _cell(row.get("object_id") or os.path.basename(row["file"]))
            + _cell(row["p_O"], _fmt(row["p_O"]))
            + _cell(_fmt(row.get("novelty"), ".6g"), _fmt(row.get("novelty")))
            + _cell("" if unknown in (None, "") else ("yes" if _truthy(unknown) else "no"))
            + _cell(res["subtype"])
            + _cell(_fmt(res["log_w_prime"], ".2f"))
            + f'<td class="flag" data-value="{html.escape(" ".join(flags), quote=True)}">'
            + html.escape(", ".join(flags)) + "</td>"
            + _cell(res["near_o"]) + _cell(res["near_b"]) + "</tr>")
    out.append("</tbody></table>")
    for number, (row, res) in enumerate(items, start=1):
        anchor = f"c{number:05d}"
        out.append(f'<section id="{anchor}"><h2>#{number}: '
                   f"{html.escape(str(row.get('object_id') or os.path.basename(row['file'])))}</h2>")
        out.append(f"<p><code>{html.escape(row['file'])}</code> — P(O) = {_fmt(row['p_O'])}</p>")
        if res["png"]:
            out.append(f'<p><img src="{html.escape(rel(res["png"]))}" width="990" alt="candidate {number}"></p>')
        if res["error"]:
            out.append(f"<p>Not plotted: {html.escape(res['error'])}</p>")
        if res["lines"]:
            out.append('<table class="lines"><thead><tr><th>line</th><th>vacuum centre (Å)</th>'
                       "<th>EW (Å)</th><th>error (Å)</th></tr></thead><tbody>")
            for rec in res["lines"]:
                ew = _fmt(rec["ew"], ".3f") if rec["covered"] else "not covered"
                err = _fmt(rec["ew_err"], ".3f") if rec["covered"] else ""
                out.append(f"<tr><td>{html.escape(rec['line'])}</td><td>{rec['centre']:.2f}</td>"
                           f"<td>{ew}</td><td>{err}</td></tr>")
            out.append("</tbody></table>")
        out.append("</section>")
    out.append("</body></html>")
    path.write_text("\n".join(out) + "\n", encoding="utf-8")


# --------------------------------------------------------------------------- public
def vet_report(catalogue, output, *, overwrite: bool = False, max_candidates: int | None = 500,
               references="bundled") -> Path:
    """Write a static HTML vetting report for the O candidates of a catalogue.

    Parameters
    ----------
    catalogue : str or path-like
        A csv (or parquet) catalogue with at least :data:`VET_COLUMNS`
        (``file``, ``p_O``, ``is_candidate``); :data:`VET_OPTIONAL_COLUMNS`
        are shown when present.
    output : str or path-like
        Folder to create. It holds ``index.html``, ``figures/`` (one PNG per
        candidate: rectified blue-violet spectrum, criterion lines marked
        with their EW, nearest O and B reference spectra, line table) and
        ``thumbs/``; all links are relative, so the folder can be moved or
        zipped.
    overwrite : bool, default=False
        Write into an existing folder (its ``index.html``, ``figures/`` and
        ``thumbs/`` are replaced; nothing else is touched). Otherwise an
        existing folder is refused.
    max_candidates : int or None, default=500
        Report at most this many candidates (the most probable); None: all.
    references : "bundled" or None, default="bundled"
        Where the nearest O and B spectra come from: the bundled real
        spectra (:func:`skspec.datasets.load_obafgkm`), or None for none.

    Returns
    -------
    index : Path
        The written ``index.html``.

    Raises
    ------
    FileExistsError
        ``output`` exists and ``overwrite`` is False.
    ValueError
        The catalogue lacks a needed column (named in the message).

    Examples
    --------
    >>> import csv, os, tempfile
    >>> from html.parser import HTMLParser
    >>> from skspec.candidates import vet_report
    >>> from skspec.datasets import load_lamost_samples
    >>> tmp = tempfile.mkdtemp()
    >>> cat = os.path.join(tmp, "cat.csv")
    >>> with open(cat, "w", newline="") as fh:
    ...     w = csv.writer(fh)
    ...     _ = w.writerow(["file", "p_O", "is_candidate"])
    ...     _ = w.writerow([load_lamost_samples().filenames[0], 0.8, True])
    >>> index = vet_report(cat, os.path.join(tmp, "report"), references=None)
    >>> sorted(os.listdir(os.path.join(tmp, "report")))
    ['figures', 'index.html', 'thumbs']
    """
    output = Path(output)
    if output.exists() and not overwrite:
        raise FileExistsError(f"output folder {str(output)!r} exists; pass overwrite=True (--overwrite) "
                              "to write into it")
    rows = read_catalogue(catalogue)
    candidates = sorted((r for r in rows if r["is_candidate"]), key=lambda r: -r["p_O"])
    shown = candidates if max_candidates is None else candidates[: int(max_candidates)]
    refs = _References.bundled() if references == "bundled" else None
    output.mkdir(parents=True, exist_ok=True)
    fig_dir, thumb_dir = output / "figures", output / "thumbs"
    for d in (fig_dir, thumb_dir):
        if d.exists():
            shutil.rmtree(d)
        d.mkdir()
    items = []
    for number, row in enumerate(shown, start=1):
        res = _vet_one(row, refs, fig_dir, thumb_dir, number)
        if res["error"]:
            logger.warning("candidate %d (%s): %s", number, row["file"], res["error"])
        items.append((row, res))
    index = output / "index.html"
    _write_html(index, catalogue, items, len(rows), len(candidates))
    logger.info("wrote %s: %d of %d candidates", index, len(items), len(candidates))
    return index


def _run(args) -> int:
    try:
        index = vet_report(args.catalogue, args.output, overwrite=args.overwrite,
                           max_candidates=None if args.max_candidates == 0 else args.max_candidates)
    except (FileExistsError, FileNotFoundError, ValueError) as exc:
        raise SystemExit(f"skspec vet: {exc}") from None
    logger.info("open %s in a browser", index)
    return 0


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Add ``skspec vet`` to the ``skspec`` command line."""
    p = subparsers.add_parser(
        "vet", help="HTML report to check the O candidates of a catalogue by eye",
        description="Write a static HTML report (no server, no network) for the O candidates of a "
                    "catalogue from skspec predict: per candidate a PNG of the rectified blue-violet "
                    "spectrum with the O/B criterion lines measured, the nearest O and B reference "
                    f"spectra and its line table. Needed columns: {', '.join(VET_COLUMNS)}.")
    p.add_argument("catalogue", help="csv or parquet catalogue written by skspec predict")
    p.add_argument("-o", "--output", required=True, help="folder to create for the report")
    p.add_argument("--overwrite", action="store_true", help="write into an existing folder")
    p.add_argument("--max-candidates", type=int, default=500,
                   help="report at most this many candidates, most probable first (0: all; default 500)")
    p.set_defaults(func=_run)
    return p
