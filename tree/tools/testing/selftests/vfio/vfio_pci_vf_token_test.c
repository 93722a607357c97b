// SPDX-License-Identifier: GPL-2.0-only
/*
 * The VF token of linux/vfio.h. A PF driven by vfio-pci holds a UUID; a
 * user opening one of its VFs through VFIO must present that UUID, which
 * shows it works with whoever drives the PF. The PF's user sets the UUID
 * when it opens the PF (a "vf_token=" in the group's device name, or
 * VFIO_DEVICE_BIND_FLAG_TOKEN at cdev bind) and at any time after with
 * VFIO_DEVICE_FEATURE_PCI_VF_TOKEN.
 *
 * One VF is enabled on the device under test for the run and disabled
 * again at the end; a device that has VFs enabled already is left alone.
 * Every case runs in each IOMMU mode: the container modes open devices
 * through their groups, the iommufd mode through their cdevs. A kernel
 * (or uapi headers) whose cdev bind takes no token cannot give a VF token
 * on that path, and the cases that need one SKIP there, saying so.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/vfio.h>

#include <libvfio.h>

#include "../kselftest_harness.h"

#include "vfio_harness.h"

/* Three UUIDs made up for this test; any three distinct ones would do. */
#define TOKEN_AT_OPEN	"0b6d2c4e-9a71-4f38-8d15-7c2e90a4b6f3"
#define TOKEN_SET	"e41f8a07-35cb-4e92-a6d0-18b7c3f95e2a"
#define TOKEN_OTHER	"7a93e5d1-c08f-4b26-9e4a-d2f5617b08c9"

#define ENABLE_SRIOV_PARAM	"/sys/module/vfio_pci/parameters/enable_sriov"

/* Why the iommufd mode's cdev path cannot present a VF token. */
#define NO_BIND_TOKEN_UAPI						\
	"the uapi headers this test was built with have no VFIO_DEVICE_BIND_FLAG_TOKEN"
#define NO_BIND_TOKEN_KERNEL						\
	"the kernel refuses VFIO_DEVICE_BIND_FLAG_TOKEN (EINVAL): its cdev bind takes no VF token"

static const char *pf_bdf;
static char *vf_bdf;
/* The process that enabled the VF; only it disables it (see disable_vf()). */
static pid_t vf_owner;

FIXTURE(vfio_pci_vf_token_test) {
	struct iommu *iommu;
	struct vfio_pci_device *pf;
	/*
	 * NULL when the PF took TOKEN_AT_OPEN as it was opened; else why the
	 * mode's path cannot present a VF token at all.
	 */
	const char *no_token_path;
};

FIXTURE_VARIANT(vfio_pci_vf_token_test) {
	const char *iommu_mode;
};

/* The brace on its own line: see vfio_pci_device_test.c. */
#define FIXTURE_VARIANT_ADD_IOMMU_MODE(_mode, ...)			\
FIXTURE_VARIANT_ADD(vfio_pci_vf_token_test, _mode)\
{									\
	.iommu_mode = #_mode,						\
}

FIXTURE_VARIANT_ADD_ALL_IOMMU_MODES();

#undef FIXTURE_VARIANT_ADD_IOMMU_MODE

static void close_device(struct vfio_pci_device *device)
{
	if (!device)
		return;
	if (device->fd > 0)
		VFIO_ASSERT_EQ(close(device->fd), 0);
	if (device->group_fd > 0)
		VFIO_ASSERT_EQ(close(device->group_fd), 0);
	vfio_pci_device_free(device);
}

/*
 * Open @bdf the way @iommu's mode opens devices, presenting @token (NULL:
 * none): VFIO_GROUP_GET_DEVICE_FD in the container modes, cdev open and
 * VFIO_DEVICE_BIND_IOMMUFD in the iommufd mode. Returns 0 with the device
 * in *@out, or the negative errno of the refusal with nothing left open.
 */
static int open_with_token(struct iommu *iommu, const char *bdf,
			   const char *token, struct vfio_pci_device **out)
{
	struct vfio_pci_device *device = vfio_pci_device_alloc(bdf, iommu);
	int ret;

	if (iommu->mode->container_path) {
		vfio_pci_group_setup(device, bdf);
		vfio_container_set_iommu(device);
		__vfio_pci_group_get_device_fd(device, bdf, token);
		ret = device->fd < 0 ? -errno : 0;
	} else {
		vfio_pci_cdev_open(device, bdf);
		ret = __vfio_device_bind_iommufd(device->fd, iommu->iommufd,
						 token);
	}
	if (ret) {
		if (device->fd < 0)
			device->fd = 0;
		close_device(device);
		return ret;
	}
	*out = device;
	return 0;
}

/*
 * Open the VF with @token and close it again: 0 when VFIO handed out a
 * working device (one VFIO_DEVICE_GET_INFO describes as PCI), else the
 * negative errno of the refusal.
 */
static int try_vf(struct iommu *iommu, const char *token)
{
	struct vfio_device_info info = { .argsz = sizeof(info) };
	struct vfio_pci_device *vf;
	int ret;

	ret = open_with_token(iommu, vf_bdf, token, &vf);
	if (ret)
		return ret;
	ret = ioctl(vf->fd, VFIO_DEVICE_GET_INFO, &info) ? -errno : 0;
	if (!ret && !(info.flags & VFIO_DEVICE_FLAGS_PCI))
		ret = -ENODEV;
	close_device(vf);
	return ret;
}

/* VFIO_DEVICE_FEATURE on @fd with @flags and a 16-byte UUID payload. */
static int token_feature(int fd, u32 flags)
{
	struct {
		struct vfio_device_feature hdr;
		u8 uuid[16];
	} feature = {
		.hdr.argsz = sizeof(feature),
		.hdr.flags = flags | VFIO_DEVICE_FEATURE_PCI_VF_TOKEN,
	};

	return ioctl(fd, VFIO_DEVICE_FEATURE, &feature) ? -errno : 0;
}

FIXTURE_SETUP(vfio_pci_vf_token_test)
{
	int ret;

	self->iommu = iommu_init(variant->iommu_mode);
	ret = open_with_token(self->iommu, pf_bdf, TOKEN_AT_OPEN, &self->pf);
	if (!self->iommu->mode->container_path) {
		if (ret == -EOPNOTSUPP)
			self->no_token_path = NO_BIND_TOKEN_UAPI;
		else if (ret == -EINVAL)
			self->no_token_path = NO_BIND_TOKEN_KERNEL;
	}
	if (!self->no_token_path) {
		ASSERT_EQ(0, ret);
		return;
	}
	ASSERT_EQ(0, open_with_token(self->iommu, pf_bdf, NULL, &self->pf));
}

FIXTURE_TEARDOWN(vfio_pci_vf_token_test)
{
	close_device(self->pf);
	iommu_cleanup(self->iommu);
}

/* The token given when the PF was opened is the one its VF wants. */
TEST_F(vfio_pci_vf_token_test, token_given_at_pf_open)
{
	if (self->no_token_path)
		SKIP(return, "%s", self->no_token_path);
	ASSERT_EQ(0, try_vf(self->iommu, TOKEN_AT_OPEN));
}

/*
 * The PF offers the token feature for SET and takes a new token, which
 * replaces the old one: the VF then opens with the new token only.
 */
TEST_F(vfio_pci_vf_token_test, pf_sets_token)
{
	ASSERT_EQ(0, token_feature(self->pf->fd, VFIO_DEVICE_FEATURE_PROBE |
				   VFIO_DEVICE_FEATURE_SET));
	vfio_device_set_vf_token(self->pf->fd, TOKEN_SET);
	if (self->no_token_path)
		SKIP(return, "the PF took the token; %s", self->no_token_path);
	ASSERT_EQ(-EACCES, try_vf(self->iommu, TOKEN_AT_OPEN));
	ASSERT_EQ(0, try_vf(self->iommu, TOKEN_SET));
}

/* A VF opened without any token is refused. */
TEST_F(vfio_pci_vf_token_test, vf_without_token)
{
	vfio_device_set_vf_token(self->pf->fd, TOKEN_SET);
	if (self->no_token_path)
		SKIP(return, "%s", self->no_token_path);
	ASSERT_EQ(-EACCES, try_vf(self->iommu, NULL));
}

/* A VF opened with a token that is not the PF's is refused. */
TEST_F(vfio_pci_vf_token_test, vf_with_wrong_token)
{
	vfio_device_set_vf_token(self->pf->fd, TOKEN_SET);
	if (self->no_token_path)
		SKIP(return, "%s", self->no_token_path);
	ASSERT_EQ(-EACCES, try_vf(self->iommu, TOKEN_OTHER));
}

/* A VF opened with the PF's token is a working VFIO device. */
TEST_F(vfio_pci_vf_token_test, vf_with_right_token)
{
	vfio_device_set_vf_token(self->pf->fd, TOKEN_SET);
	if (self->no_token_path)
		SKIP(return, "%s", self->no_token_path);
	ASSERT_EQ(0, try_vf(self->iommu, TOKEN_SET));
}

/*
 * The token belongs to the PF device, not to the fd it was set through:
 * with the PF closed again, the VF still wants it.
 */
TEST_F(vfio_pci_vf_token_test, token_outlives_pf_fd)
{
	vfio_device_set_vf_token(self->pf->fd, TOKEN_SET);
	close_device(self->pf);
	self->pf = NULL;
	if (self->no_token_path)
		SKIP(return, "%s", self->no_token_path);
	ASSERT_EQ(-EACCES, try_vf(self->iommu, NULL));
	ASSERT_EQ(0, try_vf(self->iommu, TOKEN_SET));
}

/*
 * Forked test cases inherit this handler and may exit through it (an
 * assertion in the library calls exit()): only the process that enabled
 * the VF disables it.
 */
static void disable_vf(void)
{
	if (getpid() != vf_owner)
		return;
	sysfs_sriov_numvfs_set(pf_bdf, 0);
	free(vf_bdf);
}

/* Whether vfio-pci lets the PFs it drives enable SR-IOV (its enable_sriov). */
static bool vfio_pci_enables_sriov(void)
{
	char val = 'N';
	FILE *file;

	file = fopen(ENABLE_SRIOV_PARAM, "r");
	/* Without the file (vfio-pci not loaded yet) the write below decides. */
	if (!file)
		return true;
	if (fscanf(file, " %c", &val) != 1)
		val = 'N';
	fclose(file);
	return val == 'Y' || val == '1';
}

/* Enable one VF on the PF under test, bound to vfio-pci; skip or fail the run. */
static void enable_vf(void)
{
	char *driver;
	int nr;

	nr = sysfs_sriov_totalvfs_get(pf_bdf);
	if (nr <= 0)
		ksft_exit_skip("%s: no SR-IOV the kernel can use (sriov_totalvfs: %d)\n",
			       pf_bdf, nr);
	nr = sysfs_sriov_numvfs_get(pf_bdf);
	if (nr != 0)
		ksft_exit_skip("%s has %d VFs enabled already; this test leaves them alone\n",
			       pf_bdf, nr);
	if (!vfio_pci_enables_sriov())
		ksft_exit_skip("%s\n",
			       "vfio-pci enables no VFs on its PFs: load it with enable_sriov=1 (vfio_pci.enable_sriov=1 on the kernel command line)");

	sysfs_sriov_numvfs_set(pf_bdf, 1);
	vf_owner = getpid();
	VFIO_ASSERT_EQ(atexit(disable_vf), 0);

	vf_bdf = sysfs_sriov_vf_bdf_get(pf_bdf, 0);
	/* vfio-pci claims the VFs of the PFs it drives as they appear. */
	driver = sysfs_driver_get(vf_bdf);
	VFIO_ASSERT_NOT_NULL(driver, "%s: VF %s has no driver", pf_bdf, vf_bdf);
	VFIO_ASSERT_EQ(strcmp(driver, "vfio-pci"), 0, "%s: VF %s is bound to %s",
		       pf_bdf, vf_bdf, driver);
	free(driver);
	ksft_print_msg("%s: VF %s enabled for this run\n", pf_bdf, vf_bdf);
}

int main(int argc, char *argv[])
{
	pf_bdf = vfio_selftests_get_bdf(&argc, argv);
	vfio_selftests_check_filters(argc, argv);
	enable_vf();
	return test_harness_run(argc, argv);
}
