# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
#
# The one identity the stored series carries. patches/ must not name a
# person who did not write it, and must not change when someone else runs
# 'series apply' then 'series export'. So every commit in the scratch repo
# is authored, committed and signed off by this placeholder, and 'series
# mail' swaps it for the sender's own git identity (From and
# Signed-off-by) when producing mail that leaves the project.
#
# example.invalid is reserved (RFC 2606): mail to it can never be delivered.

# shellcheck disable=SC2034 # used by the scripts that source this file
SERIES_ID_NAME='VFIO igb staging (placeholder)'
# shellcheck disable=SC2034
SERIES_ID_EMAIL='vfio-igb-staging@example.invalid'

# The base commit has no patch to take a date from; a fixed one keeps its
# hash, and so every 'base-commit:' line, a function of tree/ alone.
# shellcheck disable=SC2034
SERIES_BASE_DATE='1735689600 +0000'	# 2025-01-01T00:00:00Z

series_identity()
{
	echo "$SERIES_ID_NAME <$SERIES_ID_EMAIL>"
}
