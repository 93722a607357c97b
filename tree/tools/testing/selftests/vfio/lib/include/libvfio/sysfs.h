/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What sysfs says about a PCI device: its driver, its IOMMU group and its
 * SR-IOV state. Paths are /sys/bus/pci/devices/<bdf>/...
 */
#ifndef SELFTESTS_VFIO_LIB_INCLUDE_LIBVFIO_SYSFS_H
#define SELFTESTS_VFIO_LIB_INCLUDE_LIBVFIO_SYSFS_H

/*
 * sriov_totalvfs and sriov_numvfs: the value, or a negative errno when the
 * attribute cannot be opened (a function without SR-IOV has neither).
 */
int sysfs_sriov_totalvfs_get(const char *bdf);
int sysfs_sriov_numvfs_get(const char *bdf);

/* Write sriov_numvfs; asserts that the kernel took the value. */
void sysfs_sriov_numvfs_set(const char *bdf, int numvfs);

/* The address of virtual function @i of @pf_bdf (virtfn<i>); allocated. */
char *sysfs_sriov_vf_bdf_get(const char *pf_bdf, int i);

/*
 * The IOMMU group number of @bdf. A device without a group (no IOMMU, or
 * one not enabled on the kernel command line) ends the test with a line
 * that says so.
 */
int sysfs_iommu_group_get(const char *bdf);

/* The name of the driver @bdf is bound to (allocated), or NULL if none. */
char *sysfs_driver_get(const char *bdf);

#endif /* SELFTESTS_VFIO_LIB_INCLUDE_LIBVFIO_SYSFS_H */
