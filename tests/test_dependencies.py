"""The declared dependency floors are the versions the minimum-versions CI run installs."""

import configparser
import re
from pathlib import Path

from packaging.requirements import Requirement
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]


def _floors() -> dict:
    cfg = configparser.ConfigParser()
    cfg.read(ROOT / "setup.cfg")
    floors = {}
    for line in cfg["options"]["install_requires"].strip().splitlines():
        req = Requirement(line.strip())
        lows = [s.version for s in req.specifier if s.operator == ">="]
        assert len(lows) == 1, f"{req.name} needs exactly one floor (>=) in setup.cfg"
        assert any(s.operator == "<" for s in req.specifier), f"{req.name} has no upper bound in setup.cfg"
        floors[req.name.lower()] = Version(lows[0])
    return floors


def _pins() -> dict:
    pins = {}
    for line in (ROOT / "ci" / "constraints-min.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, version = re.fullmatch(r"([A-Za-z0-9_.-]+)==(\S+)", line).groups()
            pins[name.lower()] = Version(version)
    return pins


def test_every_floor_is_pinned_in_the_minimum_constraints():
    floors, pins = _floors(), _pins()
    assert floors.keys() <= pins.keys()
    differ = {k: (str(floors[k]), str(pins[k])) for k in floors if floors[k] != pins[k]}
    assert not differ, f"setup.cfg floor vs ci/constraints-min.txt pin: {differ}"
