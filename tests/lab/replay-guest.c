// SPDX-License-Identifier: GPL-2.0-only
/*
 * A stand-in guest for the LAVA lab's tests: a multiboot image QEMU boots
 * with -kernel in milliseconds. It writes its first module (QEMU's
 * -initrd, a text file) to the first serial port line by line and powers
 * the machine off, so a LAVA job's monitors can be tested against a
 * recorded console without building a kernel. A line "@@SLEEP N" is not
 * written: the guest spins for about N units of work instead, which keeps
 * a job running long enough to take its worker away.
 */

#define MB_MAGIC	0x1badb002
#define MB_FLAGS	0x00000001	/* modules page-aligned */
#define MB_INFO_MODS	(1u << 3)

#define COM1		0x3f8
#define ICH9_PM1A_CNT	0x604		/* q35's ACPI PM base + 4 */
#define SLP_EN		0x2000

struct mb_info {
	unsigned int flags;
	unsigned int mem_lower, mem_upper, boot_device, cmdline;
	unsigned int mods_count, mods_addr;
};

struct mb_module {
	unsigned int start, end, string, reserved;
};

__attribute__((section(".multiboot"), used, aligned(4)))
static const unsigned int mb_header[3] = {
	MB_MAGIC, MB_FLAGS, -(MB_MAGIC + MB_FLAGS)
};

static unsigned char stack[16384] __attribute__((aligned(16)));

static inline void outb(unsigned short port, unsigned char v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outw(unsigned short port, unsigned short v)
{
	__asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port));
}

static void put(char c)
{
	if (c == '\n')
		outb(COM1, '\r');
	outb(COM1, c);
}

static void say(const char *s)
{
	while (*s)
		put(*s++);
}

static void spin(unsigned int units)
{
	volatile unsigned int i;

	while (units--)
		for (i = 0; i < 20000000; i++)
			;
}

static int starts_with(const char *p, const char *end, const char *word)
{
	for (; *word; word++, p++)
		if (p >= end || *p != *word)
			return 0;
	return 1;
}

static void replay(const char *p, const char *end)
{
	while (p < end) {
		const char *eol = p;
		unsigned int n = 0;

		while (eol < end && *eol != '\n')
			eol++;
		if (starts_with(p, eol, "@@SLEEP ")) {
			for (p += 8; p < eol && *p >= '0' && *p <= '9'; p++)
				n = n * 10 + (unsigned int)(*p - '0');
			spin(n);
		} else {
			for (; p < eol; p++)
				put(*p);
			put('\n');
		}
		p = eol + 1;
	}
}

void replay_main(unsigned int magic, const struct mb_info *mbi)
{
	const struct mb_module *mod;

	if (magic != 0x2badb002 || !(mbi->flags & MB_INFO_MODS) ||
	    !mbi->mods_count) {
		say("replay-guest: no module to replay (give one with -initrd)\n");
	} else {
		mod = (const struct mb_module *)mbi->mods_addr;
		replay((const char *)mod->start, (const char *)mod->end);
	}
	outw(ICH9_PM1A_CNT, SLP_EN);
	for (;;)
		__asm__ volatile("cli; hlt");
}

__attribute__((naked, used)) void _start(void)
{
	__asm__ volatile("mov %0, %%esp\n\t"
			 "push %%ebx\n\t"
			 "push %%eax\n\t"
			 "call replay_main\n\t"
			 : : "i"(stack + sizeof(stack)));
}
