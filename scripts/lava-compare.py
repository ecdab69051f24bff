#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Compare what LAVA reported for a job with make kunit / make torture.

Usage: scripts/lava-compare.py --lava LOG --kunit RUN_DIR --expect FILE
       scripts/lava-compare.py --lava LOG --torture RUN_DIR --job JOB.yaml

LOG is lava-run's log (YAML, one record a line, on its stderr); its
"results" records are what a farm shows.  RUN_DIR is a scripts/kunit.sh
or scripts/torture.sh results dir of the same artefacts.
  kunit    case by case: each KUnit case of kunit.json against the LAVA
           case of that name in "kunit", each line of the target's expect
           file (kunit/qemu/TARGET.expect: make kunit's console checks)
           against "boot".
  torture  the judge's verdict (judge.txt) against LAVA's: passed when
           every fixupdict "pass" case of the job was seen, no case failed
           and the monitor reached its end string.
Prints a table, one row a case ("case  make  lava  same?"), then
"lava-compare: N same, N different".  Exit: 0 all the same, 1 not, 2 the
inputs cannot be read.
"""
import argparse
import json
import os
import re
import sys

try:
    import yaml
except ImportError:
    sys.path.append('/usr/lib/python3/dist-packages')
    import yaml


def lava_results(log):
    """[(definition, case, result)] and the monitor's own result."""
    out, monitor = [], None
    with open(log, errors='replace') as f:
        for line in f:
            if '"lvl": "results"' not in line:
                continue
            try:
                rec = yaml.safe_load(line.lstrip('- '))
            except yaml.YAMLError:
                continue
            msg = rec.get('msg', {}) if isinstance(rec, dict) else {}
            if not isinstance(msg, dict):
                continue
            d, c, r = msg.get('definition'), msg.get('case'), msg.get('result')
            if d == 'lava' and c == 'lava-test-monitor':
                monitor = r
            elif d != 'lava':
                out.append((d, c, r))
    return out, monitor


def case_id(text):
    """LAVA's case name for a matched text (lava_dispatcher monitor.py)."""
    return re.sub(r'\W+', '_', text.strip().lower())


def kunit_cases(run):
    return kunit_cases_of(os.path.join(run, 'kunit.json'))


def kunit_cases_of(path):
    """[(LAVA case name, pass/fail/skip)] of a kunit.py --json file."""
    with open(path) as f:
        top = json.load(f)

    def walk(group):
        for case in group.get('test_cases', []):
            yield case['name'], case['status']
        for sub in group.get('sub_groups', []):
            yield from walk(sub)
    word = {'PASS': 'pass', 'FAIL': 'fail', 'SKIP': 'skip'}
    return [(case_id(n), word.get(s, 'fail')) for n, s in walk(top)]


def console_checks(run, expect):
    """make kunit's console checks: each expect line, seen or not."""
    console = open(os.path.join(run, 'console.log'), errors='replace').read()
    lines = [l.rstrip('\n') for l in open(expect)
             if l.strip() and not l.startswith('#')]
    return [(case_id(l), 'pass' if l in console else 'fail') for l in lines]


def compare_kunit(lava, run, expect):
    got = {}
    for d, c, r in lava:
        got.setdefault((d, c), r)
    rows = []
    for name, want in kunit_cases(run):
        rows.append((name, want, got.pop(('kunit', name), 'missing')))
    for name, want in console_checks(run, expect):
        rows.append((f'boot: {name}', want, got.pop(('boot', name), 'missing')))
    for (d, c), r in sorted(got.items()):
        rows.append((f'{d}: {c}', 'missing', r))
    return rows


def compare_torture(lava, monitor, run, job_path):
    with open(job_path) as f:
        job = yaml.safe_load(f)
    mon = next(a['test'] for a in job['actions'] if 'test' in a)['monitors'][0]
    wanted = {case_id(t) for t, r in mon['fixupdict'].items() if r == 'pass'}
    seen = {c for d, c, r in lava if r == 'pass'}
    failed = sorted({c for d, c, r in lava if r == 'fail'})
    missing = sorted(wanted - seen)
    verdict = 'passed' if not failed and not missing and monitor == 'pass' else 'FAILED'
    judge = open(os.path.join(run, 'judge.txt')).readline().strip()
    make = 'passed' if judge == 'judge: passed' else 'FAILED'
    why = []
    if failed:
        why.append('failed: ' + ','.join(failed))
    if missing:
        why.append('missing: ' + ','.join(missing))
    if monitor != 'pass':
        why.append(f'monitor: {monitor}')
    return [('torture verdict' + (f' ({"; ".join(why)})' if why else ''), make, verdict)]


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--lava', required=True)
    which = ap.add_mutually_exclusive_group(required=True)
    which.add_argument('--kunit')
    which.add_argument('--torture')
    ap.add_argument('--job')
    ap.add_argument('--expect')
    args = ap.parse_args(argv)
    try:
        lava, monitor = lava_results(args.lava)
        if args.kunit:
            if not args.expect:
                ap.error('--kunit needs --expect')
            rows = compare_kunit(lava, args.kunit, args.expect)
        else:
            if not args.job:
                ap.error('--torture needs --job')
            rows = compare_torture(lava, monitor, args.torture, args.job)
    except (OSError, ValueError, KeyError, StopIteration) as e:
        print(f'lazymm: cannot compare: {e}', file=sys.stderr)
        return 2
    same = sum(1 for _, a, b in rows if a == b)
    width = max(len(r[0]) for r in rows) if rows else 4
    for name, a, b in rows:
        print(f'{name:<{width}}  {a:<8} {b:<8} {"same" if a == b else "DIFFERENT"}')
    print(f'lava-compare: {same} same, {len(rows) - same} different')
    return 0 if rows and same == len(rows) else 1


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
