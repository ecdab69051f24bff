# SPDX-License-Identifier: GPL-2.0
# kunit.py --qemu_config for x86_64: the stock pc machine with 4 vCPUs, so
# lazy mm references are taken and dropped on more than one CPU.  XEN_PV:
# on x86 only a PARAVIRT_XXL kernel has lazy MMU mode hooks, so this is what
# builds the lazy_mmu_mode suite (and the Xen PV code it changes); the
# kernel still boots on bare QEMU, with native pv_ops.  It boots through
# OVMF (package ovmf), as a distro kernel does, so that EFI runtime calls
# (and what 0009 does around them) run: QEMU hands -kernel to the firmware,
# which starts it through the EFI stub.
from ..qemu_config import QemuArchParams

QEMU_ARCH = QemuArchParams(linux_arch='x86_64',
			   kconfig='''
CONFIG_SERIAL_8250=y
CONFIG_SERIAL_8250_CONSOLE=y
CONFIG_SMP=y
CONFIG_HYPERVISOR_GUEST=y
CONFIG_PARAVIRT=y
CONFIG_XEN=y
CONFIG_XEN_PV=y
CONFIG_EFI=y
CONFIG_EFI_STUB=y''',
			   qemu_arch='x86_64',
			   kernel_path='arch/x86/boot/bzImage',
			   kernel_command_line='console=ttyS0',
			   extra_qemu_params=['-smp', '4',
					      '-bios', '/usr/share/ovmf/OVMF.fd'])
