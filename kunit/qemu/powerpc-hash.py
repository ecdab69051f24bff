# SPDX-License-Identifier: GPL-2.0
# kunit.py --qemu_config for 64-bit little-endian pseries on POWER9, hash MMU.
# Both MMUs use the same kernel; disable_radix makes it boot hash.
# ALTIVEC and VSX: Debian's ppc64el userspace (the torture initramfs) uses them.
# cap-hpt-max-page-size=16M: QEMU offers hash guests 4K and 64K pages only by
# default, and hash THP needs 16M ones (the torture's thp mode reaches 0012's
# folio split only with them).
from ..qemu_config import QemuArchParams

QEMU_ARCH = QemuArchParams(linux_arch='powerpc',
			   kconfig='''
CONFIG_PPC64=y
CONFIG_PPC_BOOK3S_64=y
CONFIG_CPU_LITTLE_ENDIAN=y
CONFIG_PPC_PSERIES=y
CONFIG_PPC_RADIX_MMU=y
CONFIG_PPC_64S_HASH_MMU=y
CONFIG_HVC_CONSOLE=y
CONFIG_ALTIVEC=y
CONFIG_VSX=y
CONFIG_SMP=y''',
			   qemu_arch='ppc64',
			   kernel_path='vmlinux',
			   kernel_command_line='console=hvc0 disable_radix',
			   extra_qemu_params=['-machine', 'pseries,cap-hpt-max-page-size=16M',
					      '-cpu', 'power9',
					      '-smp', '4'])
