/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * MMIO accessors for user space, for kernel trees whose tools/include has
 * none (6.12 ships an empty linux/io.h). Newer trees provide their own and
 * Kbuild-oot then leaves this file off the include path.
 *
 * Each accessor is one volatile access of its width: the compiler may neither
 * merge, split nor drop it. Writes come after a full fence so descriptors
 * written to ordinary memory reach the device before the register write that
 * hands them over; reads come before one so memory the device wrote before
 * the register changed is not read early.
 */
#ifndef KBUILD_OOT_LINUX_IO_H
#define KBUILD_OOT_LINUX_IO_H

#include <linux/types.h>

static inline void __oot_mmio_fence(void)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

static inline u8 readb(const volatile void *addr)
{
	u8 val = *(const volatile u8 *)addr;

	__oot_mmio_fence();
	return val;
}

static inline u16 readw(const volatile void *addr)
{
	u16 val = *(const volatile u16 *)addr;

	__oot_mmio_fence();
	return val;
}

static inline u32 readl(const volatile void *addr)
{
	u32 val = *(const volatile u32 *)addr;

	__oot_mmio_fence();
	return val;
}

static inline u64 readq(const volatile void *addr)
{
	u64 val = *(const volatile u64 *)addr;

	__oot_mmio_fence();
	return val;
}

static inline void writeb(u8 val, volatile void *addr)
{
	__oot_mmio_fence();
	*(volatile u8 *)addr = val;
}

static inline void writew(u16 val, volatile void *addr)
{
	__oot_mmio_fence();
	*(volatile u16 *)addr = val;
}

static inline void writel(u32 val, volatile void *addr)
{
	__oot_mmio_fence();
	*(volatile u32 *)addr = val;
}

static inline void writeq(u64 val, volatile void *addr)
{
	__oot_mmio_fence();
	*(volatile u64 *)addr = val;
}

#endif /* KBUILD_OOT_LINUX_IO_H */
