#!/usr/bin/perl
# SPDX-License-Identifier: GPL-2.0-or-later
# A stand-in for a kernel tree's get_maintainer.pl: the maintainer with
# --m, the list with --l, one a line, whatever the patches.
use strict;
my ($m, $l) = (1, 1);
foreach (@ARGV) {
	$m = 0 if $_ eq '--nom';
	$l = 0 if $_ eq '--nol';
}
print "Fake Maintainer <fake-maintainer\@example.org>\n" if $m;
print "fake-list\@example.org\n" if $l;
