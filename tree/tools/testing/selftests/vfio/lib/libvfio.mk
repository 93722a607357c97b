# SPDX-License-Identifier: GPL-2.0-only
#
# The VFIO selftests library: included by the selftests Makefile after
# lib.mk. Provides LIBVFIO_O, the objects to link every test with.

LIBVFIO_SRCDIR := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))

LIBVFIO_C := iommu.c
LIBVFIO_C += iova_allocator.c
LIBVFIO_C += libvfio.c
LIBVFIO_C += vfio_pci_device.c
LIBVFIO_C += vfio_pci_driver.c

# Drivers: each one turns a device into a DMA engine for the tests.
LIBVFIO_C += drivers/igb/igb.c

LIBVFIO_OUTPUT := $(OUTPUT)/libvfio
LIBVFIO_O := $(patsubst %.c,$(LIBVFIO_OUTPUT)/%.o,$(LIBVFIO_C))

$(shell mkdir -p $(sort $(dir $(LIBVFIO_O))))

CFLAGS += -I$(LIBVFIO_SRCDIR)/include

$(LIBVFIO_O): $(LIBVFIO_OUTPUT)/%.o: $(LIBVFIO_SRCDIR)/%.c
	$(call msg,CC,,$@)
	$(Q)$(CC) $(CFLAGS) $(CPPFLAGS) $(TARGET_ARCH) -c $< -o $@

EXTRA_CLEAN += $(LIBVFIO_OUTPUT)
