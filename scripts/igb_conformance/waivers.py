# SPDX-License-Identifier: GPL-2.0-or-later
"""The waiver list: "rule/form<blank>reason" lines, '#' comments.

A waiver must name a known rule and a form (a whole rule cannot be waived)
and give a reason; anything else is an error, so that a typo never waives
nothing silently or everything at once.
"""

from .rules import RULES


class WaiverError(Exception):
    """The list is malformed; str() names the file and line."""


def read_waivers(path):
    """Return {(rule, form): reason}."""
    try:
        with open(path, encoding='utf-8') as f:
            lines = f.read().splitlines()
    except OSError as e:
        raise WaiverError(f'{path}: cannot read the waiver list: {e.strerror}')
    waivers = {}
    for i, line in enumerate(lines, 1):
        line = line.strip()
        if not line or line.startswith('#'):
            continue
        parts = line.split(None, 1)
        key = parts[0]
        if len(parts) < 2:
            raise WaiverError(f'{path}:{i}: waiver {key!r} gives no reason')
        rule, _, form = key.partition('/')
        if rule not in RULES:
            raise WaiverError(f'{path}:{i}: unknown rule {rule!r}')
        if not form:
            raise WaiverError(f'{path}:{i}: {rule!r} names no form: a waiver covers '
                              'one form of a rule (rule/form), never a whole rule')
        waivers[(rule, form)] = parts[1].strip()
    return waivers
