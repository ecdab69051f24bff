# SPDX-License-Identifier: GPL-2.0
# kunit.py --qemu_config for arm64: QEMU's virt machine with 4 vCPUs.  It
# boots through AAVMF (package qemu-efi-aarch64), as a distro kernel does,
# so that EFI runtime calls (and what 0010 does around them) run.  The
# firmware starts the uncompressed Image through the EFI stub; acpi=off on
# the machine makes the firmware pass QEMU's device tree, not ACPI tables,
# which the KUnit kernel has no support for.
from ..qemu_config import QemuArchParams

QEMU_ARCH = QemuArchParams(linux_arch='arm64',
			   kconfig='''
CONFIG_SERIAL_AMBA_PL011=y
CONFIG_SERIAL_AMBA_PL011_CONSOLE=y
CONFIG_SMP=y''',
			   qemu_arch='aarch64',
			   kernel_path='arch/arm64/boot/Image',
			   kernel_command_line='console=ttyAMA0',
			   extra_qemu_params=['-machine', 'virt,acpi=off', '-cpu', 'cortex-a57',
					      '-smp', '4', '-bios',
					      '/usr/share/qemu-efi-aarch64/QEMU_EFI.fd'])
