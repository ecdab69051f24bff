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
  torture  rule by rule: each rule of scripts/torture-judge.py that the
           judge finds in make's console against the LAVA failed cases of
           that rule's marks; the lines a passing run must show (LAVA:
           the expect cases, and every monitor reaching its end string);
           then the verdict.
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


def load_script(name):
    """scripts/NAME (a script, not a module) as a module."""
    import importlib.util
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), name)
    spec = importlib.util.spec_from_file_location(name.replace('-', '_')[:-3], path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def compare_kunit(lava, monitor, run, expect):
    """Rows: each case and console check, then the counts and whether
    LAVA's monitor reached its end (kunit's reboot)."""
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
    with open(os.path.join(run, 'counts')) as f:
        make_counts = ' '.join(f.read().split())
    n = {r: sum(1 for _, _, x in lava if x == r) for r in ('pass', 'fail', 'skip')}
    rows.append(('counts (passed failed skipped)', make_counts,
                 f'{n["pass"]} {n["fail"]} {n["skip"]}'))
    rows.append(('ran to the end', 'pass', monitor or 'missing'))
    return rows


def torture_rules(lava, jobs):
    """The judge's rule of each LAVA failed case, through BAD_MARKS."""
    by_case = {case_id(t): rule for rule, marks in jobs.BAD_MARKS.items()
               for t, _, _ in marks}
    out = set()
    for _, c, r in lava:
        if r == 'fail':
            out.add(by_case.get(c, 'workload-exit' if 'exit' in c else c))
    return out


def compare_torture(lava, monitor, run, job_path):
    """Rows: each rule of the judge that either side reports, the lines a
    passing run must show, and the verdict."""
    jobs, judge = load_script('lava-jobs.py'), load_script('torture-judge.py')
    with open(job_path) as f:
        job = yaml.safe_load(f)
    expect = [e for e in job['metadata'].get('lazymm.expect', '').split('|') if e]
    mode = job['metadata'].get('lazymm.mode', 'stress')
    with open(os.path.join(run, 'console.log'), errors='replace') as f:
        console = f.readlines()
    bad, missing = judge.judge(console, mode, expect)
    make_rules = {name for _, name, _ in bad}
    if any('exited' in m for m in missing):
        make_rules.add('workload-exit')
    lava_rules = torture_rules(lava, jobs)
    rows = [(f'rule {r}', 'fail' if r in make_rules else '-',
             'fail' if r in lava_rules else '-')
            for r in sorted(make_rules | lava_rules)]
    seen = {c for _, c, r in lava if r == 'pass'}
    lava_missing = [e for e in expect if case_id(e) not in seen]
    if monitor != 'pass':
        lava_missing.append('an end string (lava-test-monitor failed)')
    rows.append(('required lines', 'missing' if missing else 'seen',
                 'missing' if lava_missing else 'seen'))
    make = 'passed' if not bad and not missing else 'FAILED'
    with open(os.path.join(run, 'judge.txt')) as f:
        if not f.readline().startswith(f'judge: {make}'):
            make = 'judge.txt disagrees'
    verdict = 'passed' if not lava_rules and not lava_missing else 'FAILED'
    rows.append(('torture verdict', make, verdict))
    return rows


def main(argv):
    if '-h' in argv or '--help' in argv:
        print(__doc__.strip())
        return 0
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
            rows = compare_kunit(lava, monitor, args.kunit, args.expect)
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
