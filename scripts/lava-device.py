#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Render the LAVA device configuration a job runs on, as a server would.

Usage: scripts/lava-device.py --templates DIR JOB.yaml > device.yaml

DIR holds lava-server's device-type templates (base.jinja2, qemu.jinja2:
package lava-server, unpacked, not installed).  A LAVA server renders the
device of a job from the device dictionary, which extends the device
type's template, with the job's context as template variables; this does
the same for a dictionary that only says "a qemu device", so lava-run
here boots what a farm's qemu device would (the template decides the QEMU
binary, -machine/-cpu where it takes them, and leaves out -enable-kvm
because the job's context says no_kvm).
Exit: 0 written, 2 a usage error.
"""
import argparse
import os
import sys

DIST = '/usr/lib/python3/dist-packages'


def import_jinja2_yaml():
    """Debian's jinja2 and yaml, also under a python3 that is not Debian's
    (imported only when needed: --help works without them)."""
    global jinja2, yaml
    try:
        import jinja2
        import yaml
    except ImportError:
        sys.path.append(DIST)
        try:
            import jinja2
            import yaml
        except ImportError:
            sys.exit('lazymm: python3-jinja2 or python3-yaml is missing; '
                     'scripts/deps.sh --lava-run installs them')

# What the dictionary of one qemu device says of itself, beyond its type.
DEVICE_DICT = "{% extends 'qemu.jinja2' %}\n"


def render(templates, context):
    env = jinja2.Environment(loader=jinja2.FileSystemLoader([templates]),
                             trim_blocks=True, autoescape=False)
    return env.from_string(DEVICE_DICT).render(**context)


def main(argv):
    if '-h' in argv or '--help' in argv:
        print(__doc__.strip())
        return 0
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--templates', required=True)
    ap.add_argument('job')
    args = ap.parse_args(argv)
    import_jinja2_yaml()
    if not os.path.isfile(os.path.join(args.templates, 'qemu.jinja2')):
        ap.error(f'{args.templates} has no qemu.jinja2; give lava-server\'s '
                 'device-types directory')
    with open(args.job) as f:
        job = yaml.safe_load(f)
    text = render(args.templates, job.get('context', {}))
    yaml.safe_load(text)  # a template error shows here, not in lava-run
    sys.stdout.write(text)
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
