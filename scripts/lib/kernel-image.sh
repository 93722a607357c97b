# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Whether a file is a whole x86 kernel image QEMU can boot: a bzImage
# (the x86 boot protocol's setup header) or an ELF vmlinux (entered
# through PVH). A truncated or foreign file given to QEMU shows only as a
# guest that "never started" with an empty kernel log; these checks name
# the problem before QEMU runs. Source it after common.sh.

# read_bytes FILE OFFSET COUNT: COUNT bytes of FILE from OFFSET into the
# array BYTES, as decimal numbers (fewer at the end of the file). One read
# for all the fields of a header: the checks run on every vmtest start.
read_bytes()
{
	# shellcheck disable=SC2207 # od's words are numbers
	BYTES=($(od -An -v -tu1 -j "$2" -N "$3" "$1" 2>/dev/null))
}

# le_uint OFFSET COUNT: set LE to the little-endian unsigned integer of
# COUNT bytes at OFFSET of BYTES; to -1 past their end. A value of 2^56 or
# more is beyond any file and given as 2^56, within the shell's arithmetic.
le_uint()
{
	local off=$1 n=$2 i

	LE=-1
	[ $((off + n)) -le ${#BYTES[@]} ] || return 0
	LE=0
	for ((i = n - 1; i >= 0; i--)); do
		if [ "$i" -ge 7 ] && [ "${BYTES[off + i]}" != 0 ]; then
			LE=$((1 << 56))
			return
		fi
		LE=$((LE * 256 + BYTES[off + i]))
	done
}

# bzimage_problem FILE SIZE: what is wrong with the bzImage FILE of SIZE
# bytes, or nothing. The setup header (Documentation/arch/x86/boot.rst)
# gives the number of 512-byte setup sectors after the boot sector at
# 0x1f1 (0 means 4) and the size of the protected-mode part in 16-byte
# units at 0x1f4; the image is at least as long as both together.
bzimage_problem()
{
	local size=$2 setup syssize need

	le_uint $((0x1fe)) 2
	[ "$LE" = $((0xaa55)) ] || {
		echo "no boot sector signature 0xAA55 at 0x1fe"
		return
	}
	le_uint $((0x1f1)) 1
	setup=$LE
	[ "$setup" != 0 ] || setup=4
	le_uint $((0x1f4)) 4
	syssize=$LE
	need=$(((setup + 1) * 512 + syssize * 16))
	if [ "$syssize" = 0 ]; then
		echo "its setup header gives no protected-mode size (syssize 0 at 0x1f4)"
	elif [ "$size" -lt "$need" ]; then
		echo "truncated: $size bytes, its setup header says at least $need"
	fi
}

# elf_problem FILE SIZE: what is wrong with the ELF vmlinux FILE of SIZE
# bytes, or nothing: a 64-bit x86 executable whose program headers, the
# contents of its loadable segments and its section headers all lie
# within the file (a truncated copy loses the section headers first,
# which an ELF keeps at its end).
elf_problem()
{
	local elf=$1 size=$2 phoff phentsize phnum shoff shentsize shnum i
	local type off filesz end

	[ "${BYTES[4]}" = 2 ] || { echo "not a 64-bit ELF"; return; }
	le_uint 16 2
	[ "$LE" = 2 ] || { echo "not an ELF executable"; return; }
	le_uint 18 2
	[ "$LE" = 62 ] || { echo "not an x86-64 ELF"; return; }
	le_uint 32 8; phoff=$LE
	le_uint 40 8; shoff=$LE
	le_uint 54 2; phentsize=$LE
	le_uint 56 2; phnum=$LE
	le_uint 58 2; shentsize=$LE
	le_uint 60 2; shnum=$LE
	if [ "$phnum" = 0 ] || [ "$phentsize" -lt 56 ]; then
		echo "no program headers"
		return
	fi
	end=$((phoff + phnum * phentsize))
	if [ "$end" -gt "$size" ]; then
		echo "truncated: $size bytes, its program headers end at $end"
		return
	fi
	end=$((shoff + shnum * shentsize))
	if [ "$shnum" != 0 ] && [ "$end" -gt "$size" ]; then
		echo "truncated: $size bytes, its section headers end at $end"
		return
	fi
	read_bytes "$elf" "$phoff" $((phnum * phentsize))
	for ((i = 0; i < phnum; i++)); do
		le_uint $((i * phentsize)) 4; type=$LE
		le_uint $((i * phentsize + 8)) 8; off=$LE
		le_uint $((i * phentsize + 32)) 8; filesz=$LE
		end=$((off + filesz))
		if [ "$type" = 1 ] && [ "$end" -gt "$size" ]; then
			echo "truncated: $size bytes, its loadable segment $i ends at $end"
			return
		fi
	done
}

# kernel_image_problem FILE: nothing when FILE is a whole bzImage or ELF
# vmlinux, else one phrase saying what it is not; returns 1 then.
kernel_image_problem()
{
	local img=$1 size why

	if [ ! -f "$img" ]; then
		why="no such file"
	elif [ ! -r "$img" ]; then
		why="cannot be read"
	else
		size=$(stat -c %s "$img")
		read_bytes "$img" 0 1024
		if [ "$size" -lt 1024 ]; then
			why="$size bytes, too short for a kernel"
		elif [ "${BYTES[*]:0:4}" = "127 69 76 70" ]; then
			why=$(elf_problem "$img" "$size")
		elif [ "${BYTES[*]:$((0x202)):4}" = "72 100 114 83" ]; then
			why=$(bzimage_problem "$img" "$size")
		else
			why="neither a bzImage (no \"HdrS\" at 0x202) nor an ELF vmlinux"
		fi
	fi
	[ -z "$why" ] && return 0
	echo "$why"
	return 1
}
