// SPDX-License-Identifier: GPL-2.0-only
/*
 * A stand-in for a kernel tree's igb driver of the VFIO selftests, written
 * for the host test of 'series upstream': only the shapes its recipes
 * look for (function names, the RCTL value, two comments) are kept.
 */
#include <stdint.h>

#define E1000_RCTL		0x0100
#define E1000_RCTL_EN		0x00000002
#define E1000_RCTL_LBM_MAC	0x00000040
#define E1000_RCTL_SECRC	0x04000000

struct igb {
	volatile uint32_t *bar0;
};

static void igb_write32(struct igb *igb, uint32_t reg, uint32_t val)
{
	igb->bar0[reg / 4] = val;
}

/*
 * Loop frames back in the PHY. RCTL.LBM_MAC is still set as well, for a
 * reason given where it is set; see the
 * rationale.
 */
static void igb_setup_loopback(struct igb *igb)
{
	igb_write32(igb, 0x0020, 0x4140);
}

void igb_hw_init(struct igb *igb)
{
	uint32_t rctl;

	igb_setup_loopback(igb);

	/*
	 * Receive on, with RCTL.LBM_MAC because an emulator was thought to
	 * need it.
	 */
	rctl = E1000_RCTL_EN |		/* receive */
	       E1000_RCTL_LBM_MAC |	/* MAC loopback */
	       E1000_RCTL_SECRC;	/* strip the CRC */
	igb_write32(igb, E1000_RCTL, rctl);
}
