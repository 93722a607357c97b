# SPDX-License-Identifier: GPL-2.0-or-later
"""The replay guest of tests/lab: a multiboot image that prints its -initrd.

It stands in for the test kernel where only the console matters (a LAVA
job's monitors, a worker taken away mid-job): it boots in milliseconds and
needs no kernel build. build() compiles it once per source into out_dir.
"""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

from lab.postgres import LabError

SRC_DIR = Path(__file__).resolve().parents[2] / "tests" / "lab"


def build(out_dir: Path) -> Path:
    """The replay guest's ELF under out_dir, compiled if it is not there."""
    src = SRC_DIR / "replay-guest.c"
    lds = SRC_DIR / "replay-guest.ld"
    key = hashlib.sha256(src.read_bytes() + lds.read_bytes()).hexdigest()[:12]
    elf = out_dir / f"replay-guest-{key}.elf"
    if elf.exists():
        return elf
    out_dir.mkdir(parents=True, exist_ok=True)
    obj = elf.with_suffix(".o")
    for argv in (["gcc", "-m32", "-ffreestanding", "-fno-pic",
                  "-fno-stack-protector", "-nostdlib", "-O2", "-Wall",
                  "-Wextra", "-Werror", "-c", str(src), "-o", str(obj)],
                 ["ld", "-m", "elf_i386", "--no-warn-rwx-segments", "-T",
                  str(lds), "-o", str(elf) + ".tmp", str(obj)]):
        res = subprocess.run(argv, capture_output=True, text=True)
        if res.returncode != 0:
            last = (res.stderr.strip() or "failed").splitlines()[-1]
            raise LabError(f"building the replay guest: {argv[0]}: {last}")
    Path(str(elf) + ".tmp").replace(elf)
    obj.unlink()
    return elf
