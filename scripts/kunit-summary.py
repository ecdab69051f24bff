#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Count the cases in a kunit.py --json result.

Usage: scripts/kunit-summary.py KUNIT_JSON

Prints one line, "PASSED FAILED SKIPPED", then each case that did not pass
as "FAIL suite.case" (or SKIP).  A parameterised case counts once per
parameter, as kunit.py reports it.  Exit: 0 if nothing failed, 1 otherwise,
2 if the file is missing or not kunit.py JSON.
"""
import json
import sys


def walk(group, path):
    """Yield (name, status) for every leaf case below group."""
    name = group.get('name', '?')
    here = path + [name] if path is not None else []
    for case in group.get('test_cases', []):
        yield '.'.join(here + [case['name']]), case['status']
    for sub in group.get('sub_groups', []):
        yield from walk(sub, here)


def main(argv):
    if len(argv) != 2 or argv[1] in ('-h', '--help'):
        print(__doc__.strip())
        return 0 if len(argv) == 2 else 2
    try:
        with open(argv[1]) as f:
            top = json.load(f)
    except (OSError, ValueError) as e:
        print(f'lazymm: no KUnit results in {argv[1]} ({e}); '
              'see the console log beside it', file=sys.stderr)
        return 2
    counts = {'PASS': 0, 'FAIL': 0, 'SKIP': 0}
    others = []
    for name, status in walk(top, None):
        kind = status if status in counts else 'FAIL'
        counts[kind] += 1
        if kind != 'PASS':
            others.append(f'{kind} {name} ({status})')
    print(counts['PASS'], counts['FAIL'], counts['SKIP'])
    for line in others:
        print(line)
    return 1 if counts['FAIL'] else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
