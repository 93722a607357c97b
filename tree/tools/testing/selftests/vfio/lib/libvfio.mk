# SPDX-License-Identifier: GPL-2.0-only
#
# The VFIO selftests library: included by the selftests Makefile after
# lib.mk. Provides LIBVFIO_O, the objects to link every test with.

LIBVFIO_SRCDIR := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))

LIBVFIO_C := iommu.c
LIBVFIO_C += iova_allocator.c
LIBVFIO_C += libvfio.c
LIBVFIO_C += sysfs.c
LIBVFIO_C += vfio_pci_device.c
LIBVFIO_C += vfio_pci_driver.c

# Drivers: each one turns a device into a DMA engine for the tests. Every
# lib/drivers/<name>/<name>.c is built; the library refers to the drivers
# it knows weakly, so adding or leaving out a directory is all it takes.
# Those that program x86-only instructions build only there.
LIBVFIO_X86_DRIVERS := dsa ioat
LIBVFIO_DRIVERS := $(notdir $(wildcard $(LIBVFIO_SRCDIR)/drivers/*))
ifneq ($(ARCH:x86_64=x86),x86)
LIBVFIO_DRIVERS := $(filter-out $(LIBVFIO_X86_DRIVERS),$(LIBVFIO_DRIVERS))
endif
LIBVFIO_C += $(foreach d,$(LIBVFIO_DRIVERS),drivers/$(d)/$(d).c)

LIBVFIO_OUTPUT := $(OUTPUT)/libvfio
LIBVFIO_O := $(patsubst %.c,$(LIBVFIO_OUTPUT)/%.o,$(LIBVFIO_C))
LIBVFIO_O_DIRS := $(sort $(patsubst %/,%,$(dir $(LIBVFIO_O))))

CFLAGS += -I$(LIBVFIO_SRCDIR)/include

$(LIBVFIO_O_DIRS):
	$(Q)mkdir -p $@

$(LIBVFIO_O): $(LIBVFIO_OUTPUT)/%.o: $(LIBVFIO_SRCDIR)/%.c | $(LIBVFIO_O_DIRS)
	$(call msg,CC,,$@)
	$(Q)$(CC) $(CFLAGS) $(CPPFLAGS) $(TARGET_ARCH) -c $< -o $@

EXTRA_CLEAN += $(LIBVFIO_OUTPUT)
