# SPDX-License-Identifier: GPL-2.0-or-later
"""The igb datasheet-conformance checker; see scripts/igb-conformance."""
