# SPDX-License-Identifier: GPL-2.0
# kunit.py --qemu_config for x86_64: the stock pc machine with 4 vCPUs, so
# lazy mm references are taken and dropped on more than one CPU.
from ..qemu_config import QemuArchParams

QEMU_ARCH = QemuArchParams(linux_arch='x86_64',
			   kconfig='''
CONFIG_SERIAL_8250=y
CONFIG_SERIAL_8250_CONSOLE=y
CONFIG_SMP=y''',
			   qemu_arch='x86_64',
			   kernel_path='arch/x86/boot/bzImage',
			   kernel_command_line='console=ttyS0',
			   extra_qemu_params=['-smp', '4'])
