/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The PCI IDs the mirror's drivers use, for kernel trees whose tools/include
 * has no linux/pci_ids.h. Newer trees provide the full list and Kbuild-oot
 * then does not put this file on the include path.
 */
#ifndef KBUILD_OOT_LINUX_PCI_IDS_H
#define KBUILD_OOT_LINUX_PCI_IDS_H

#define PCI_VENDOR_ID_INTEL		0x8086

#endif /* KBUILD_OOT_LINUX_PCI_IDS_H */
