# SPDX-License-Identifier: GPL-2.0-or-later
"""The VM runner behind scripts/vmtest: QEMU, the guest's console, the KTAP judge.

One module per concern; see the README's table. Nothing here keeps state
at module level: every run is a set of objects the CLI wires together.
"""
