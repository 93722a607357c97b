# SPDX-License-Identifier: GPL-2.0-or-later
"""The result record the writers take: one test case on one machine and mode.

Whatever produces results (the VM runner, a LAVA job, a real device) fills
a list of CaseResult and one RunInfo; the KCIDB and JUnit writers read
nothing else.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

# The IOMMU modes of libvfio, as the kselftest variants spell them. Longest
# first, so that a variant name is matched by the most specific mode.
IOMMU_MODES = (
    "iommufd_compat_type1v2",
    "iommufd_compat_type1",
    "vfio_type1v2_iommu",
    "vfio_type1_iommu",
    "iommufd",
)


class Status(str, enum.Enum):
    """A case's outcome. KCIDB's status names; SKIP never counts as PASS."""

    PASS = "PASS"
    FAIL = "FAIL"
    SKIP = "SKIP"
    ERROR = "ERROR"


@dataclass(frozen=True)
class CaseResult:
    """One test case of one binary, run on one machine in one mode.

    machine: the machine definition's name (q35-vtd, ...).
    mode: the IOMMU mode or variant the case ran in, "" if it has none.
    binary: the test program; case: the name it printed after "ok N".
    duration: seconds, None when unknown. log_path: the console log.
    reason: the SKIP reason, or one line on why it failed or errored.
    """

    machine: str
    mode: str
    binary: str
    case: str
    status: Status
    duration: float | None = None
    log_path: str = ""
    reason: str = ""


@dataclass(frozen=True)
class RunInfo:
    """What was tested: the checkout, the kernel build, where it ran.

    tree: a name for the source tree (series tip, a kernel tree's name).
    commit: its full git commit hash. kernel_version: uname -r of the guest
    kernel. config: a name for the build configuration (its fragments).
    origin: the CI system's name in KCIDB ids (lower case, digits, "_").
    """

    tree: str
    commit: str
    kernel_version: str
    config: str
    arch: str = "x86_64"
    repository_url: str = ""
    origin: str = "vfio_igb"
    start_time: str = ""
    misc: dict[str, str] = field(default_factory=dict)


def mode_of(case: str) -> str:
    """The IOMMU mode in a kselftest_harness name (fixture.variant.test), or ""."""
    parts = case.split(".")
    if len(parts) < 3:
        return ""
    variant = parts[1]
    for mode in IOMMU_MODES:
        if variant == mode or variant.startswith(mode + "_"):
            return mode
    return variant
