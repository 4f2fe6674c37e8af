"""Catalogue writers: csv (appended), fits/parquet (via a partial csv), in memory."""

from __future__ import annotations

import csv
import logging
import os
from pathlib import Path

from ._columns import _csv_dtypes, _float_columns
from ._journal import _csv_done, _DoneSet

logger = logging.getLogger(__name__)

def _read_catalogue_chunks(path: Path, columns: list[str], chunksize: int = 100_000):
    """Stream an existing csv/fits/parquet catalogue as DataFrames."""
    import pandas as pd

    suffix = path.suffix.lower()
    if suffix == ".csv":
        yield from pd.read_csv(path, dtype=_csv_dtypes(columns), keep_default_na=False,
                               na_values={c: ["", "nan", "NaN"] for c in _float_columns(columns)},
                               chunksize=chunksize)
    elif suffix == ".parquet":
        import pyarrow.parquet as pq

        for batch in pq.ParquetFile(path).iter_batches(batch_size=chunksize):
            yield batch.to_pandas()
    else:
        from astropy.table import Table

        table = Table.read(path, memmap=True)
        table.convert_bytestring_to_unicode()
        for start in range(0, len(table), chunksize):
            yield table[start:start + chunksize].to_pandas()


class _CsvSink:
    """Append rows to a csv file, flushing after each batch (crash-safe resume)."""

    def __init__(self, path: Path, columns: list[str], resume: bool):
        self.path, self.columns = path, columns
        self.done = _DoneSet()
        if resume and path.exists():
            self.done = _csv_done(path, columns)
        fresh = not (resume and path.exists() and path.stat().st_size > 0)
        path.parent.mkdir(parents=True, exist_ok=True)
        self._fh = open(path, "w" if fresh else "a", newline="", encoding="utf-8")
        self._writer = csv.DictWriter(self._fh, fieldnames=columns, extrasaction="ignore")
        if fresh:
            self._writer.writeheader()
            self._fh.flush()

    def write(self, rows: list[dict]) -> None:
        self._writer.writerows(rows)
        self._fh.flush()

    def close(self, complete: bool = True) -> None:
        self._fh.close()


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
            sink = _CsvSink(tmp, columns, resume=False)
            for chunk in _read_catalogue_chunks(path, columns):
                if list(chunk.columns) != columns:
                    sink.close()
                    tmp.unlink()
                    raise ValueError(f"{path} has other columns than this model's catalogue")
                sink.write(_records(chunk))
            sink.close()
            os.replace(tmp, partial)
        super().__init__(partial, columns, resume)

    def close(self, complete: bool = True) -> None:
        super().close()
        if complete:  # an interrupted run leaves the partial file to resume from
            _convert(self.path, self.target, self.columns)
            self.path.unlink()


def _records(frame) -> list[dict]:
    return frame.astype(object).where(frame.notna(), None).to_dict("records")


def _convert(partial: Path, target: Path, columns: list[str]) -> None:
    """Write the partial csv as fits or parquet (to a temporary name, then rename)."""
    import pandas as pd

    tmp = target.with_name(f".{target.name}.tmp")
    chunks = _read_catalogue_chunks(partial, columns)
    if target.suffix.lower() == ".parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        schema = pa.schema([(c, pa.float64() if c in _float_columns(columns) else pa.string())
                            for c in columns])
        with pq.ParquetWriter(tmp, schema) as writer:
            for chunk in chunks:
                writer.write_table(pa.Table.from_pandas(chunk, schema=schema,
                                                        preserve_index=False))
    else:  # FITS binary table: astropy needs the whole table in memory
        from astropy.table import Table

        frame = pd.concat(list(chunks), ignore_index=True) if partial.stat().st_size else None
        table = Table.from_pandas(frame) if frame is not None and len(frame) else Table(
            names=columns, dtype=[float if c in _float_columns(columns) else str for c in columns])
        table.meta["EXTNAME"] = "CATALOG"
        table.write(tmp, format="fits", overwrite=True)
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

        return pd.DataFrame(self.rows, columns=self.columns)


def _open_sink(output, columns, resume):
    if output is None:
        return _MemorySink(columns)
    output = Path(output)
    suffix = output.suffix.lower()
    if suffix == ".csv":
        if not resume and output.exists():
            logger.warning("resume=False: replacing %s", output)
        return _CsvSink(output, columns, resume)
    if suffix in (".fits", ".fit", ".parquet"):
        if suffix == ".parquet":
            try:
                import pyarrow  # noqa: F401
            except ImportError as exc:
                raise ImportError("a .parquet catalogue needs pyarrow: pip install pyarrow") from exc
        return _ConvertingSink(output, columns, resume)
    raise ValueError(f"output must end in .csv, .fits or .parquet, got {output.name!r}")
