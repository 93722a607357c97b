# SPDX-License-Identifier: GPL-2.0-or-later
"""A matrix cell as a LAVA job definition for the qemu device type.

The job is data (a JobSpec): the machine's QEMU options as the runner
wrote them for the cell (vmtest --dry-run's qemu-cmdline, never restated
here), the kernel, the initramfs and the suite's binaries. The job deploys the kernel and initramfs
(file:// URLs for a worker on this host, any URL the worker can fetch
otherwise), boots them with the device type's qemu method, the machine's
options going in through the job context, and collects the suite's
console with one `monitors` test per binary: the guest's /init prints
"@@VMTEST BEGIN name", the binary's KTAP, "@@VMTEST END name rc=N" and
powers off, so no shell is needed in the guest. Each result line "ok N
name" / "not ok N name" becomes a LAVA test case of the suite named after
the binary; the directive (SKIP, XFAIL, XPASS) decides the result first.
Those are LAVA's view for its own pages; the cell's verdict is the
runner's judgement of the job's console (see lava_engine).

The definition is written as JSON, which LAVA's YAML loader takes as it
is: no YAML library needed.
"""

from __future__ import annotations

import json
import os
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

# Options of a vmtest command line that the job sets itself: the images,
# the kernel command line, the memory, the consoles, and what the qemu
# device type already passes (-nographic, -monitor) or that would clash.
_OWN_OPTS_WITH_ARG = {"-kernel", "-initrd", "-append", "-m", "-serial",
                      "-chardev", "-monitor", "-display"}
_OWN_FLAGS = {"-nographic"}

# LAVA's qemu device type always adds a NIC of its own ("-net nic,MODEL").
# QEMU 10 gives such a legacy NIC the first free PCI slot whatever its
# addr=, before any -device is created, so it would push a device the
# machine leaves unaddressed (q35-virtio-iommu's virtio-iommu-pci) into
# the igb's pinned 00:02.0. On x86 the NIC is an ISA NE2000 instead,
# which takes no PCI slot and no driver of the test kernel: the PCI
# devices sit where vmtest puts them. Elsewhere (arm64 virt has no ISA
# bus) the NIC takes slot 1 and the job creates the devices with an
# address first (_pinned_first), so the unaddressed ones move, never the
# igb.
LAVA_NIC_MODEL = {"amd64": "model=ne2k_isa"}
LAVA_NIC_DEFAULT = "model=virtio-net-pci"
# After the last binary, the guest's /init prints "@@VMTEST DONE t=...": a
# last monitor waits for that whole line, so the console LAVA keeps has
# the end of the run (without it LAVA may stop reading first).
DONE_MONITOR = "vmtest-done"

# Result lines at column 0. The lookahead picks the result word before the
# line is consumed: the directive if there is a known one, else "ok" or
# "not ok". The line must be complete (up to its CR/LF) before it counts.
RESULT_PATTERN = (
    r"\n(?=(?:(?:not )?ok \d+ [^\r\n#]*# ?)?"
    r"(?P<result>SKIP|skip|Skip|XFAIL|xfail|XPASS|xpass|not ok|ok))"
    r"(?:not )?ok \d+ (?P<test_case_id>[^\r\n#]*?) *(?:#[^\r\n]*)?(?=\r|\n)"
)
FIXUP = {"ok": "pass", "not ok": "fail", "SKIP": "skip", "skip": "skip",
         "Skip": "skip", "XFAIL": "pass", "xfail": "pass", "XPASS": "fail",
         "xpass": "fail"}


@dataclass
class JobSpec:
    """One cell of the matrix as a job: a machine booting one kernel and suite.

    name: the cell's label. arch: LAVA's arch name of the guest (amd64,
    arm64). options: the machine's QEMU options (no images, consoles or
    memory; on arm64 no -cpu or -M either, which the device type sets
    from cpu and machine). kernel, initrd: URLs. append: the kernel
    command line. binaries: the suite, in the order /init runs it.
    """

    name: str
    machine: str
    kernel: str
    initrd: str
    binaries: list[str]
    options: list[str] = field(default_factory=list)
    append: str = "console=ttyS1,115200 panic=-1"
    arch: str = "amd64"
    memory_mb: int = 1024
    kvm: bool = False
    timeout_min: int = 30
    stall_min: int = 5
    cpu: str = ""
    machine_type: str = ""


def file_url(path: str | Path) -> str:
    """A file:// URL for a local artifact (a worker on this host)."""
    return Path(path).resolve().as_uri()


def _memory_mb(value: str) -> int:
    m = re.fullmatch(r"(\d+)([KMGT]?)", value)
    if not m:
        raise ValueError(f"-m {value}: not a size")
    scale = {"K": 1 / 1024, "": 1, "M": 1, "G": 1024, "T": 1024 * 1024}
    return int(int(m.group(1)) * scale[m.group(2)])


def spec_from_cmdline(name: str, machine: str, argv: Sequence[str],
                      binaries: list[str]) -> JobSpec:
    """A job from a QEMU command line as vmtest --dry-run writes it: its
    machine options kept, its images turned into file:// URLs."""
    opts: list[str] = []
    kernel = initrd = append = cpu = machine_type = ""
    memory = 1024
    kvm = False
    arm64 = os.path.basename(argv[0]).endswith("aarch64") if argv else False
    args = list(argv[1:])
    i = 0
    while i < len(args):
        a = args[i]
        val = args[i + 1] if i + 1 < len(args) else ""
        if a in _OWN_OPTS_WITH_ARG:
            if a == "-kernel":
                kernel = val
            elif a == "-initrd":
                initrd = val
            elif a == "-append":
                append = val
            elif a == "-m":
                memory = _memory_mb(val)
            i += 2
            continue
        if a in _OWN_FLAGS:
            i += 1
            continue
        if arm64 and a in ("-cpu", "-M", "-machine"):
            # The device type passes both for arm64 (cpu, machine).
            if a == "-cpu":
                cpu = val
            else:
                machine_type = val
            i += 2
            continue
        if a == "-accel" and val == "kvm":
            kvm = True
        opts.append(a)
        if a.startswith("-") and val and not val.startswith("-"):
            opts.append(val)
            i += 1
        i += 1
    if not kernel or not initrd:
        raise ValueError("the command line has no -kernel or no -initrd")
    return JobSpec(name=name, machine=machine, kernel=file_url(kernel),
                   initrd=file_url(initrd), binaries=binaries, options=opts,
                   append=append or JobSpec.append, memory_mb=memory, kvm=kvm,
                   arch="arm64" if arm64 else "amd64", cpu=cpu,
                   machine_type=machine_type)


def _quote_opts(options: list[str]) -> list[str]:
    """The options as "-opt value" strings (LAVA joins its command line
    with blanks and splits it again like a shell)."""
    out: list[str] = []
    for o in options:
        if o.startswith("-") or not out:
            out.append(shlex.quote(o))
        else:
            out[-1] += " " + shlex.quote(o)
    return out


def _pinned_first(options: list[str]) -> list[str]:
    """The "-device" options with an addr= ahead of the others, in the
    places the "-device" options had; every other option stays put."""
    where = [i for i, o in enumerate(options) if o.startswith("-device ")]
    devices = [options[i] for i in where]
    ordered = ([d for d in devices if re.search(r"[ ,]addr=", d)]
               + [d for d in devices if not re.search(r"[ ,]addr=", d)])
    out = list(options)
    for i, d in zip(where, ordered):
        out[i] = d
    return out


def _done_monitor() -> dict[str, Any]:
    return {
        "name": DONE_MONITOR,
        "start": r"@@VMTEST DONE",
        "end": r"\n",
        # Nothing between the two is a result.
        "pattern": r"(?P<result>@@VMTEST NO RESULT) (?P<test_case_id>\S+)",
    }


def _monitor(binary: str) -> dict[str, Any]:
    return {
        "name": binary,
        "start": rf"@@VMTEST BEGIN {re.escape(binary)} ",
        "end": rf"@@VMTEST END {re.escape(binary)} rc=",
        "pattern": RESULT_PATTERN,
        "fixupdict": dict(FIXUP),
    }


def job_definition(cell: JobSpec, priority: str = "medium") -> dict[str, Any]:
    """The LAVA job definition of a cell, as a dict (see job_text)."""
    # The kernel's console is the second serial port, as under vmtest:
    # the first carries only /init's markers and the tests' KTAP, which
    # the monitors read; the kernel's messages would break its lines.
    extra = ["-serial stdio", "-serial null"]
    extra += [o for o in ("-nodefaults", "-no-reboot")
              if o not in cell.options]
    extra += _pinned_first(_quote_opts(cell.options))
    context: dict[str, Any] = {
        "arch": cell.arch, "memory": cell.memory_mb, "monitor": "none",
        "model": LAVA_NIC_MODEL.get(cell.arch, LAVA_NIC_DEFAULT), "extra_options": extra,
    }
    if not cell.kvm:
        context["no_kvm"] = True
    if cell.cpu:
        context["cpu"] = cell.cpu
    if cell.machine_type:
        context["machine"] = cell.machine_type
    append = cell.append.replace('"', "")
    return {
        "device_type": "qemu",
        "job_name": f"vfio-igb {cell.name}",
        "priority": priority,
        "visibility": "public",
        "timeouts": {
            "job": {"minutes": cell.timeout_min + 5},
            "action": {"minutes": cell.timeout_min},
            "connection": {"minutes": cell.stall_min},
        },
        "metadata": {"vfio_igb.cell": cell.name,
                     "vfio_igb.machine": cell.machine,
                     "vfio_igb.binaries": ",".join(cell.binaries)},
        "context": context,
        "actions": [
            {"deploy": {
                "to": "tmpfs",
                "timeout": {"minutes": 5},
                "images": {
                    "kernel": {"url": cell.kernel,
                               "image_arg": f'-kernel {{kernel}} -append "{append}"'},
                    "ramdisk": {"url": cell.initrd,
                                "image_arg": "-initrd {ramdisk}"},
                },
            }},
            {"boot": {"method": "qemu", "media": "tmpfs",
                      "timeout": {"minutes": 2}}},
            {"test": {"timeout": {"minutes": cell.timeout_min},
                      "monitors": [_monitor(b) for b in cell.binaries]
                      + [_done_monitor()]}},
        ],
    }


def job_text(cell: JobSpec) -> str:
    """The job definition as the text LAVA takes (JSON, a subset of YAML)."""
    return json.dumps(job_definition(cell), indent=1) + "\n"
