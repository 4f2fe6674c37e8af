"""The ``skspec`` command line (also ``python -m skspec``).

Sub-commands live next to the code they drive; this module only wires them up,
and imports each one lazily so that ``skspec --help`` stays fast.

- ``skspec reproduce``: the paper's experiments on the bundled data
  (:mod:`skspec.experiments._reproduce`).
- ``skspec train``: fit the recommended pipeline and save it
  (:mod:`skspec.survey._cli`).
- ``skspec predict``: classify many FITS files into a catalogue
  (:mod:`skspec.survey._cli`).
- ``skspec vet``: an HTML report to check a catalogue's O candidates
  (:mod:`skspec.candidates._report`).

Conventions, for every sub-command: a usage error prints the usage and a
message on stderr and exits 2; an expected failure at run time (a missing
file, an unwritable output, bad data, a missing optional package) prints one
line, ``skspec COMMAND: error: ...``, on stderr and exits 1, without a
traceback; Ctrl-C exits 130. Anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

from . import __version__

#: optional packages -> the extra that installs them
_EXTRAS = {"pandas": "pandas", "pyarrow": "parquet", "dask": "dask", "distributed": "dask",
           "specutils": "specutils", "psutil": "bench"}

#: failures of the user's situation, not of the code: one line, exit 1
_EXPECTED = (OSError, ValueError, ImportError, RuntimeError)

# sub-command name -> (module, function that adds its parser)
_COMMANDS = {
    "reproduce": ("skspec.experiments._cli", "add_parser"),
    "train": ("skspec.survey._cli", "add_train_parser"),
    "predict": ("skspec.survey._cli", "add_predict_parser"),
    "vet": ("skspec.candidates._report", "add_parser"),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="skspec",
        description="Find rare stellar spectra (O stars first): LCGAN + RAC-Net.",
    )
    parser.add_argument("--version", action="version", version=f"skspec {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (module, func) in _COMMANDS.items():
        try:
            add = getattr(importlib.import_module(module), func)
        except (ImportError, AttributeError) as exc:  # a missing package: say which
            why = _missing_package(exc) if isinstance(exc, ImportError) else str(exc)
            # no option prefix: every argument is taken as is, so the message is reached
            stub = sub.add_parser(name, help=f"(needs {why})", add_help=False,
                                  prefix_chars="\0")
            stub.add_argument("rest", nargs="*")
            stub.set_defaults(func=_unavailable(why))
            continue
        add(sub)
    return parser


def _missing_package(exc: ImportError) -> str:
    """What to install for ``exc``: the extra when the package is an optional one."""
    top = (getattr(exc, "name", None) or "").split(".")[0]
    if top in _EXTRAS:
        return f"{top}: pip install 'skspec[{_EXTRAS[top]}]'"
    return str(exc)


def _unavailable(why):
    def run(args):
        raise ImportError(f"this command needs {why}")

    return run


def _one_line(exc: BaseException) -> str:
    if isinstance(exc, ModuleNotFoundError) and getattr(exc, "name", None):
        return f"missing package {_missing_package(exc)}"
    return " ".join(str(exc).split()) or type(exc).__name__


def main(argv: list[str] | None = None) -> int:
    """Run ``skspec`` with ``argv``; the exit status (0 ok, 1 failed, 2 usage)."""
    parser = build_parser()
    args = parser.parse_args(argv)  # usage errors: SystemExit(2) with the usage on stderr
    if getattr(args, "func", None) is None:
        parser.print_usage(sys.stderr)
        print(f"{parser.prog}: error: a command is required", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print(f"{parser.prog} {args.command}: interrupted", file=sys.stderr)
        return 130
    except _EXPECTED as exc:
        print(f"{parser.prog} {args.command}: error: {_one_line(exc)}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
