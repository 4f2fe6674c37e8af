"""Catalogue writers: csv (appended), fits/parquet (via a partial csv), in memory.

No pandas: rows are dicts, read and written with :mod:`csv`, pyarrow (for
``.parquet``) and astropy (for ``.fits``), so a plain install writes and
resumes csv and fits catalogues.
"""

from __future__ import annotations

import csv
import logging
import os
from pathlib import Path


from ._columns import _float_columns
from ._journal import _csv_done, _DoneSet, _ResumeRefused
from ._lock import CatalogueLock

logger = logging.getLogger(__name__)

_CONVERTED = (".fits", ".fit", ".parquet")


def _typed(rows, floats):
    """Rows with float columns as floats (NaN when empty) and the rest as text."""
    for row in rows:
        yield {c: (_to_float(v) if c in floats else ("" if v is None else str(v)))
               for c, v in row.items()}


def _to_float(value) -> float:
    if value is None or value == "":
        return float("nan")
    return float(value)


def _catalogue_header(path: Path) -> list[str]:
    """Column names of an existing fits/parquet catalogue; ValueError if it is not one."""
    suffix = path.suffix.lower()
    try:
        if suffix == ".parquet":
            import pyarrow.parquet as pq

            return list(pq.read_schema(path).names)
        from ._fits_catalogue import read_fits_names

        return read_fits_names(path)
    except ImportError:
        raise
    except Exception as exc:  # astropy/pyarrow errors of every kind: not a catalogue
        raise _ResumeRefused(path, f"is not a readable catalogue ({type(exc).__name__}: "
                                   f"{exc})") from exc


def _read_catalogue_chunks(path: Path, columns: list[str], chunksize: int = 100_000):
    """Stream an existing csv/fits/parquet catalogue as lists of row dicts."""
    floats = set(_float_columns(columns))
    suffix = path.suffix.lower()
    if suffix != ".csv":
        header = _catalogue_header(path)
        if header != columns:
            raise _ResumeRefused(path, "has other columns than this model's catalogue "
                                       f"({header[:12]}...)")
    if suffix == ".csv":
        with open(path, newline="", encoding="utf-8", errors="surrogateescape") as fh:
            reader = csv.DictReader(fh)
            if reader.fieldnames != columns:
                raise _ResumeRefused(path, "has other columns than this model's catalogue")
            rows = _typed(reader, floats)
            while chunk := [row for _, row in zip(range(chunksize), rows)]:
                yield chunk
    elif suffix == ".parquet":
        import pyarrow.parquet as pq

        for batch in pq.ParquetFile(path).iter_batches(batch_size=chunksize):
            yield list(_typed(batch.to_pylist(), floats))
    else:
        from ._fits_catalogue import read_fits_rows

        for chunk in read_fits_rows(path, chunksize):
            yield list(_typed(chunk, floats))


class _CsvSink:
    """Append rows to a csv file, flushing after each batch (crash-safe resume)."""

    def __init__(self, path: Path, columns: list[str], resume: bool):
        self.path, self.columns = path, columns
        self.done = _DoneSet()
        if resume and path.exists():
            self.done = _csv_done(path, columns)
        fresh = not (resume and path.exists() and path.stat().st_size > 0)
        path.parent.mkdir(parents=True, exist_ok=True)
        self._fh = open(path, "w" if fresh else "a", newline="", encoding="utf-8",
                        errors="surrogateescape")
        self._writer = csv.DictWriter(self._fh, fieldnames=columns, extrasaction="ignore")
        if fresh:
            self._writer.writeheader()
            self._fh.flush()

    def write(self, rows: list[dict]) -> None:
        self._writer.writerows(rows)
        self._fh.flush()

    def close(self, complete: bool = True) -> None:
        self._fh.close()
        if complete and "rank" in self.columns:
            _rank_csv(self.path, self.columns)


def _ranks(rows) -> list:
    """``rank`` of each row (:func:`skspec.candidates.rank_candidates`)."""
    import numpy as np

    from ..candidates import rank_candidates

    p_O, cand = [], []
    for row in rows:
        p_O.append(_to_float(row["p_O"]))
        cand.append(str(row["is_candidate"]).strip().lower() == "true")
    return rank_candidates(np.asarray(p_O, dtype=float), np.asarray(cand, dtype=bool)).tolist()


def _rank_csv(path: Path, columns: list[str]) -> None:
    """Fill the ``rank`` column of a complete csv catalogue (all runs' rows together).

    Two streaming passes (16 bytes kept per row); the file is replaced
    atomically, so an interruption leaves the catalogue as it was.
    """
    with open(path, newline="", encoding="utf-8", errors="surrogateescape") as fh:
        ranks = _ranks(csv.DictReader(fh))
    tmp = path.with_name(f".{path.name}.rank.tmp")
    try:
        with open(path, newline="", encoding="utf-8", errors="surrogateescape") as src, \
                open(tmp, "w", newline="", encoding="utf-8", errors="surrogateescape") as dst:
            writer = csv.DictWriter(dst, fieldnames=columns, extrasaction="ignore")
            writer.writeheader()
            for row, rank in zip(csv.DictReader(src), ranks):
                row["rank"] = rank
                writer.writerow(row)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


class _ConvertingSink(_CsvSink):
    """Rows go to ``<output>.partial.csv``; converted to fits/parquet at the end.

    The partial file is the run's journal: an interrupted run resumes from it
    (and ignores the fits/parquet file, which the partial file then already
    holds). Resuming over a finished fits/parquet catalogue first copies its
    rows into a new partial file, so new files are appended to it.
    """

    def __init__(self, path: Path, columns: list[str], resume: bool):
        self.target = path
        partial = path.with_name(path.name + ".partial.csv")
        if not resume:
            for p in (partial, path):
                if p.exists():
                    p.unlink()
        elif path.exists() and not partial.exists():
            tmp = partial.with_name(partial.name + ".tmp")
            header = _catalogue_header(path)  # before anything is written
            if header != columns:
                raise _ResumeRefused(path, "has other columns than this model's catalogue "
                                           f"({header[:12]}...)")
            chunks = _read_catalogue_chunks(path, columns)
            sink = _CsvSink(tmp, columns, resume=False)
            try:
                for chunk in chunks:
                    sink.write(chunk)
            except BaseException:
                sink.close()
                tmp.unlink()
                raise
            sink.close()
            os.replace(tmp, partial)
        super().__init__(partial, columns, resume)

    def close(self, complete: bool = True) -> None:
        super().close(complete)  # ranks the partial file when complete
        if complete:  # an interrupted run leaves the partial file to resume from
            _convert(self.path, self.target, self.columns)
            self.path.unlink()


def _convert(partial: Path, target: Path, columns: list[str]) -> None:
    """Write the partial csv as fits or parquet (to a temporary name, then rename)."""
    tmp = target.with_name(f".{target.name}.tmp")
    chunks = _read_catalogue_chunks(partial, columns)
    try:
        if target.suffix.lower() == ".parquet":
            import pyarrow as pa
            import pyarrow.parquet as pq

            floats = set(_float_columns(columns))
            schema = pa.schema([(c, pa.float64() if c in floats else pa.string())
                                for c in columns])
            with pq.ParquetWriter(tmp, schema) as writer:
                for chunk in chunks:
                    writer.write_table(pa.Table.from_pylist(chunk, schema=schema))
        else:  # FITS binary table: astropy needs the whole table in memory
            from ._fits_catalogue import write_fits_catalogue

            write_fits_catalogue(tmp, [row for chunk in chunks for row in chunk], columns)
    except BaseException:
        if tmp.exists():
            tmp.unlink()
        raise
    os.replace(tmp, target)


class _MemorySink:
    def __init__(self, columns):
        self.columns, self.rows, self.done = columns, [], _DoneSet()

    def write(self, rows):
        self.rows.extend(rows)

    def close(self, complete=True):
        pass

    def frame(self):
        import pandas as pd

        frame = pd.DataFrame(self.rows, columns=self.columns)
        if "rank" in self.columns:
            frame["rank"] = _ranks(self.rows)
        return frame


def _require(module: str, what: str, extra: str) -> None:
    """Fail now, before any file is read, when ``what`` needs a missing package."""
    try:
        __import__(module)
    except ImportError as exc:
        raise ImportError(f"{what} needs {module}: pip install 'skspec[{extra}]' "
                          f"(or pip install {module})") from exc


class _LockedSink:
    """A file sink and the lock that keeps other runs off its catalogue."""

    def __init__(self, sink, lock: CatalogueLock):
        self.sink, self.lock = sink, lock
        self.done, self.columns = sink.done, sink.columns

    def write(self, rows):
        self.sink.write(rows)

    def close(self, complete=True):
        try:
            self.sink.close(complete)
        finally:
            self.lock.release()


def _open_sink(output, columns, resume):
    if output is None:
        _require("pandas", "predict_files(output=None), which returns a pandas DataFrame,",
                 "pandas")
        return _MemorySink(columns)
    output = Path(output)
    suffix = output.suffix.lower()
    if suffix not in (".csv", *_CONVERTED):
        raise ValueError(f"output must end in .csv, .fits or .parquet, got {output.name!r}")
    if output.is_dir():
        raise IsADirectoryError(f"output {str(output)!r} is a directory: name a catalogue file "
                                "in it, e.g. catalogue.csv")
    if suffix == ".parquet":
        _require("pyarrow", "a .parquet catalogue", "parquet")
    else:
        from ._fits_catalogue import check_fits_columns

        if suffix != ".csv":
            check_fits_columns(columns)
    lock = CatalogueLock(output).acquire()  # before the journal is read: one writer
    try:
        if suffix == ".csv":
            if not resume and output.exists():
                logger.warning("resume=False: replacing %s", output)
            sink = _CsvSink(output, columns, resume)
        else:
            sink = _ConvertingSink(output, columns, resume)
    except BaseException:
        lock.release()
        raise
    return _LockedSink(sink, lock)
