/* SPDX-License-Identifier: GPL-2.0-only */
/* The VFIO selftests library: include this one header. */
#ifndef SELFTESTS_VFIO_LIB_INCLUDE_LIBVFIO_H
#define SELFTESTS_VFIO_LIB_INCLUDE_LIBVFIO_H

#include <stdbool.h>
#include <stddef.h>

#include <libvfio/assert.h>
#include <libvfio/iommu.h>
#include <libvfio/iova_allocator.h>
#include <libvfio/sysfs.h>
#include <libvfio/vfio_pci_device.h>
#include <libvfio/vfio_pci_driver.h>

/*
 * The device under test: the last argument when it is a BDF (removed from
 * argv by decrementing *argc), else $VFIO_SELFTESTS_BDF. Without either,
 * print a usage line and exit with KSFT_SKIP.
 */
const char *vfio_selftests_get_bdf(int *argc, char *argv[]);

/* Same for every trailing BDF argument; *nr is set to how many. */
char **vfio_selftests_get_bdfs(int *argc, char *argv[], int *nr);

/* True when @str is a full PCI address, "DDDD:BB:DD.F" in hex. */
bool vfio_selftests_is_bdf(const char *str);

/*
 * Reserve (PROT_NONE) @size bytes of address space at an address that is
 * @offset past a multiple of @align. The caller munmap()s it.
 */
void *mmap_reserve(size_t size, size_t align, size_t offset);

#endif /* SELFTESTS_VFIO_LIB_INCLUDE_LIBVFIO_H */
