#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Check LAVA job definitions against LAVA's own job schema.

Usage: scripts/lava-validate.py JOB.yaml...

The schema is lava_common.schemas (Debian package lava-common, what the
LAVA server and lava-run validate a submitted job with), in strict mode.
Prints "JOB: valid" or "JOB: invalid: WHERE: WHY" for each job.
Exit: 0 all valid, 1 one is not, 2 lava-common is missing or no job given.
"""
import sys

# Debian's lava-common lives in the system python's dist-packages; a
# python3 from elsewhere on PATH (pyenv) does not see it.
DIST = '/usr/lib/python3/dist-packages'


def load_validator():
    try:
        import yaml
        from lava_common.schemas import validate
    except ImportError:
        if DIST in sys.path:
            raise
        sys.path.append(DIST)
        import yaml
        from lava_common.schemas import validate
    return yaml, validate


def main(argv):
    if argv and argv[0] in ('-h', '--help'):
        print(__doc__.strip())
        return 0
    if not argv:
        print('usage: scripts/lava-validate.py JOB.yaml...; see --help', file=sys.stderr)
        return 2
    try:
        yaml, validate = load_validator()
    except ImportError as e:
        print(f'lazymm: LAVA\'s job schema is missing ({e}); install it with: '
              'apt-get install -y lava-common python3-yaml (scripts/deps.sh --lava)',
              file=sys.stderr)
        return 2
    bad = 0
    for path in argv:
        try:
            with open(path) as f:
                job = yaml.safe_load(f)
            validate(job, strict=True)
        except OSError as e:
            print(f'{path}: unreadable: {e.strerror}')
            bad += 1
        except yaml.YAMLError as e:
            print(f'{path}: invalid: not YAML: {e}'.replace('\n', ' '))
            bad += 1
        except Exception as e:  # voluptuous.Invalid and its kin
            where = '/'.join(str(p) for p in getattr(e, 'path', []) or [])
            print(f'{path}: invalid: {where or "job"}: {getattr(e, "msg", e)}')
            bad += 1
        else:
            print(f'{path}: valid')
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
