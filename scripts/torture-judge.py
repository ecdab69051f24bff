#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Judge the console of a torture boot: passed or failed, and why.

Usage: scripts/torture-judge.py CONSOLE [--mode stress|rcutorture|peer]
           [--expect FILE] [--timed-out SECONDS] [--summary FILE]

A run fails on any line that matches one of BAD (a kernel warning, BUG,
Oops, lockdep, KASAN or RCU-stall report, "Bad rss-counter", ...) unless it
also matches one of HARMLESS, and on any of REQUIRED missing: the start and
end markers of qemu/init (a guest that hung, crashed or was killed by the
timeout never prints the end one), the workload's clean exit ("lazymm-stress:
exit 0", rcutorture's "End of test: SUCCESS", or "lazymm-peer: exit 0"), and
each line of --expect (kunit/qemu/TARGET.expect: the guest had 4 CPUs, the
MMU asked for).  In a peer run the suites' own output is KTAP: its
diagnostic lines ("# ...", the programs' output, which may say "BUG" or
"WARNING" of themselves) are not kernel reports and are not matched; the
kernel's lines are.

Output: "judge: passed" or "judge: FAILED", then the offending console
lines, first ones first, each as "console.log:LINE: text" (up to 40), then
what was missing.  --summary writes what the run did, "key=value" a line:
seconds, CPU hotplug operations, exec/exit counts from the stress program's
report (or rcutorture's onoff statistics), the lazy_tlb vmstat counters.

Exit: 0 passed, 1 failed, 2 the console cannot be read (usage error).
"""
import argparse
import os
import re
import sys

# What fails a run, by name.  Keep it short: each is a report the kernel
# prints only when something is wrong.
BAD = [
    # The specific reports first, so each line is named by the most
    # specific rule it matches; then the generic ones.
    ('rss-counter', r'Bad rss-counter'),
    ('pgtables', r'non-zero pgtables_bytes'),
    ('lazy-tlb', r'lazy tlb: .*(still us|still has|went offline)'),
    ('lockdep', r'possible (circular|recursive) locking|inconsistent lock state'
                r'|possible irq lock inversion|DEBUG_LOCKS_WARN_ON'
                r'|turning off the locking correctness validator'
                r'|suspicious RCU usage|held lock freed'
                r'|lock held when returning to user space'),
    ('kasan', r'KASAN:'),
    ('rcu-stall', r'detected stalls? on CPUs|self-detected stall'
                  r'|rcu_\w+ kthread starved'),
    ('rcutorture', r'End of test: (?!SUCCESS)'),
    ('hung-task', r'blocked for more than \d+ seconds'),
    # lib/test_vmalloc.c reports its failures only in the kernel log
    # (test_vmalloc.sh exits 0 whatever they were).
    ('test_vmalloc', r'^Summary: \S+ passed: \d+ failed: [1-9]'),
    ('stress', r'^lazymm-(stress|rcutorture|torture|peer): error'),
    ('warning', r'WARNING:'),
    ('bug', r'\bBUG[: ]|kernel BUG at'),
    ('oops', r'\bOops\b|Unable to handle kernel'),
    ('call-trace', r'Call Trace:|^\s*Call trace:'),
    ('panic', r'Kernel panic'),
]

# Lines that match BAD but are known to be harmless, with the reason.
HARMLESS = [
    # x86 boot notice about a hardware/BPF combination, not a kernel bug.
    (r'Spectre V2 : WARNING: Unprivileged eBPF', 'boot-time notice'),
]

START = 'lazymm-torture: start'
END = 'lazymm-torture: end'
# What each mode must print for the workload to count as passed.
WORKLOAD_OK = {
    'stress': 'lazymm-stress: exit 0',
    'rcutorture': 'End of test: SUCCESS',
    'peer': 'lazymm-peer: exit ',
}

# A peer suite's KTAP diagnostic line: a program's output, not the kernel's,
# and the rules a program's own words can match.
KTAP_DIAGNOSTIC = re.compile(r'^\s*# ')
PROGRAM_WORDS = {'warning', 'bug', 'oops'}

MAX_SHOWN = 40

# A console line may carry a timestamp or a KUnit/serial prefix; match
# anywhere in the line, but '^' rules above mean "after such a prefix".
PREFIX = re.compile(r'^(\[\s*\d+\.\d+\]\s*)?')


def strip_prefix(line):
    return PREFIX.sub('', line, count=1)


def judge(lines, mode='stress', expect=(), timed_out=None):
    """Return (bad, missing): [(lineno, name, text)], [reason]."""
    bad_res = [(n, re.compile(p)) for n, p in BAD]
    ok_res = [re.compile(p) for p, _ in HARMLESS]
    bad = []
    for i, raw in enumerate(lines, 1):
        line = strip_prefix(raw.rstrip('\n'))
        diagnostic = mode == 'peer' and KTAP_DIAGNOSTIC.match(raw)
        for name, rx in bad_res:
            if diagnostic and name in PROGRAM_WORDS:
                continue
            if rx.search(line):
                if not any(ok.search(line) for ok in ok_res):
                    bad.append((i, name, line))
                break
    text = ''.join(lines)
    missing = []
    if START not in text:
        missing.append(f'no "{START}": the initramfs /init never ran')
    want = WORKLOAD_OK[mode]
    if want not in text:
        m = re.search(r'lazymm-(?:stress|rcutorture|peer): exit (\d+)', text)
        if m and m.group(1) != '0':
            missing.append(f'the {mode} workload exited {m.group(1)}, '
                           f'not 0 (no "{want}")')
        else:
            missing.append(f'no "{want}": the {mode} workload did not finish '
                           'cleanly')
    if END not in text:
        why = (f'QEMU was killed after {timed_out} s' if timed_out
               else 'the guest hung, crashed or rebooted')
        missing.append(f'no end marker "{END}": {why}')
    for want in expect:
        if want not in text:
            missing.append(f'no "{want}" (from the expect file)')
    return bad, missing


def summarize(lines, mode):
    """What the run did, as an ordered list of (key, value)."""
    text = ''.join(strip_prefix(l) for l in lines)
    out = [('mode', mode)]
    done = re.findall(r'^lazymm-stress: done (.*)$', text, re.M)
    if done:
        for kv in done[-1].split():
            k, _, v = kv.partition('=')
            out.append((k, v))
        fields = dict(out)
        out.append(('hotplug_ops', str(int(fields.get('cpu_offline', 0)) +
                                       int(fields.get('cpu_online', 0)))))
    # rcutorture's statistics: "onoff: 43/43:44/44 ..." (successes/attempts
    # of offline, then of online); the last report counts.
    onoff = re.findall(r'onoff: (\d+)/(\d+):(\d+)/(\d+)', text)
    if onoff:
        off_ok, off_try, on_ok, on_try = onoff[-1]
        out += [('cpu_offline', off_ok), ('cpu_offline_tries', off_try),
                ('cpu_online', on_ok), ('cpu_online_tries', on_try),
                ('hotplug_ops', str(int(off_ok) + int(on_ok)))]
    m = re.search(r'lazymm-torture: start .*duration=(\d+)', text)
    if m and not done:
        out.append(('seconds', m.group(1)))
    # A peer run: each suite's exit, and the benchmarks' figures.
    for suite, rc in re.findall(r'^lazymm-peer: suite (\S+) end exit (\d+)$',
                                text, re.M):
        out.append((f'suite_{suite}_exit', rc))
    for name, value in re.findall(r'^\s*# lazymm-metric: (\S+) (\S+)',
                                  text, re.M):
        out.append((f'metric_{name}', value))
    for when in ('before', 'after'):
        for name, value in re.findall(
                rf'^lazymm-vmstat: {when} (\S+) (\d+)$', text, re.M):
            out.append((f'vmstat_{when}_{name}', value))
    return out


def main():
    if '-h' in sys.argv[1:] or '--help' in sys.argv[1:]:
        print(__doc__.strip())
        return 0
    ap = argparse.ArgumentParser(
        description='Judge a torture console.',
        epilog='Exit: 0 passed, 1 failed, 2 the console cannot be read.')
    ap.add_argument('console')
    ap.add_argument('--mode', choices=sorted(WORKLOAD_OK), default='stress')
    ap.add_argument('--expect', help='file of fixed strings the console must '
                    'contain (# comments)')
    ap.add_argument('--timed-out', type=int, metavar='SECONDS',
                    help='QEMU was killed after SECONDS (for the message)')
    ap.add_argument('--summary', help='write key=value counts here')
    args = ap.parse_args()

    try:
        with open(args.console, errors='replace') as f:
            lines = f.readlines()
        expect = []
        if args.expect:
            with open(args.expect) as f:
                expect = [l.strip() for l in f
                          if l.strip() and not l.startswith('#')]
    except OSError as e:
        print(f'lazymm: cannot read {e.filename}: {e.strerror}; '
              'give the console.log of a torture run', file=sys.stderr)
        return 2

    bad, missing = judge(lines, args.mode, expect, args.timed_out)
    name = os.path.basename(args.console)
    if args.summary:
        with open(args.summary, 'w') as f:
            for k, v in summarize(lines, args.mode):
                f.write(f'{k}={v}\n')
            f.write(f'result={"failed" if bad or missing else "passed"}\n')
    if not bad and not missing:
        print('judge: passed')
        return 0
    print(f'judge: FAILED: {len(bad)} offending console line(s), '
          f'{len(missing)} missing')
    for lineno, rule, line in bad[:MAX_SHOWN]:
        print(f'{name}:{lineno}: [{rule}] {line}')
    if len(bad) > MAX_SHOWN:
        print(f'... and {len(bad) - MAX_SHOWN} more in {args.console}')
    for m in missing:
        print(f'missing: {m}')
    return 1


if __name__ == '__main__':
    sys.exit(main())
