#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Print the QEMU command of a torture boot (or of a KUnit boot).

Usage: qemu/qemu-cmd.py --target TARGET --build-dir DIR
                        (--initrd FILE | --kunit) [--append ARGS] [--smp N] [-0]

The machine, CPU, -smp and console of kunit/qemu/TARGET.py (what kunit.py
boots for the KUnit run of the same kernel) are read from that file, so
they are written down once; this adds the initramfs and the extra kernel
arguments (and --smp N replaces the file's vCPU count, for make bench
CPUS=N).  kunit.py's own kunit_shutdown= is left out: the torture /init
powers off when its workload is done.  --kunit prints what kunit.py run
(6.1.192) boots instead: no initramfs, and its kunit.enable=1 and
kunit_shutdown=reboot around the file's command line (scripts/lava-jobs.py
turns it into a LAVA job).  Output: the command shell-quoted on one line,
or with -0 one argument per NUL-terminated field.
"""
import argparse
import os
import shlex
import sys
import typing

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class QemuArchParams(typing.NamedTuple):
    """The fields of kunit.py's qemu_config.QemuArchParams (6.1)."""
    linux_arch: str
    kconfig: str
    qemu_arch: str
    kernel_path: str
    kernel_command_line: str
    extra_qemu_params: typing.List[str]


def load_target(path):
    """QEMU_ARCH of a kunit.py --qemu_config file, without kunit.py.

    The file says `from ..qemu_config import QemuArchParams`; give it that
    name here and run it.
    """
    with open(path) as f:
        src = f.read()
    src = src.replace('from ..qemu_config import QemuArchParams', '')
    scope = {'QemuArchParams': QemuArchParams, '__file__': path}
    exec(compile(src, path, 'exec'), scope)  # our own data file
    return scope['QEMU_ARCH']


def qemu_command(target, build_dir, initrd, append='', smp=None):
    """initrd None: the KUnit boot, as kunit.py run starts it."""
    params = load_target(os.path.join(TOP, 'kunit', 'qemu', target + '.py'))
    if initrd is None:
        cmdline = ' '.join(a for a in (append, 'kunit.enable=1',
                                       params.kernel_command_line,
                                       'kunit_shutdown=reboot') if a)
    else:
        cmdline = ' '.join(a for a in (params.kernel_command_line, append) if a)
    extra = list(params.extra_qemu_params)
    if smp is not None:
        if '-smp' in extra:
            extra[extra.index('-smp') + 1] = str(smp)
        else:
            extra += ['-smp', str(smp)]
    # The same base as kunit.py's LinuxSourceTreeOperationsQemu.start().
    return (['qemu-system-' + params.qemu_arch, '-nodefaults', '-m', '1024',
             '-kernel', os.path.join(build_dir, params.kernel_path),
             ] + (['-initrd', initrd] if initrd is not None else []) + [
             '-append', cmdline, '-no-reboot',
             '-nographic', '-serial', 'stdio'] + extra)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--target', required=True)
    ap.add_argument('--build-dir', required=True)
    which = ap.add_mutually_exclusive_group(required=True)
    which.add_argument('--initrd')
    which.add_argument('--kunit', action='store_true')
    ap.add_argument('--append', default='')
    ap.add_argument('--smp', type=int)
    ap.add_argument('-0', dest='null', action='store_true')
    args = ap.parse_args()
    if not os.path.exists(os.path.join(TOP, 'kunit', 'qemu', args.target + '.py')):
        sys.exit(f'lazymm: no kunit/qemu/{args.target}.py; use a TARGET '
                 'that kunit/qemu/ has')
    if args.smp is not None and not 1 <= args.smp <= 64:
        sys.exit(f'lazymm: --smp {args.smp} is not a vCPU count from 1 to 64')
    cmd = qemu_command(args.target, args.build_dir, args.initrd, args.append,
                       args.smp)
    if args.null:
        sys.stdout.write(''.join(a + '\0' for a in cmd))
    else:
        print(' '.join(shlex.quote(a) for a in cmd))


if __name__ == '__main__':
    main()
