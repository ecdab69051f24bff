# SPDX-License-Identifier: GPL-2.0
"""Host-side tests of the peer suites (make peer): the in-guest selftests
and perf runners with stand-in programs, the per-suite counting of a
console, the judge's peer mode, and the bad input the scripts refuse."""
import json
import os
import subprocess
import sys

import host_test
from host_test import write

PEER = os.path.join(host_test.TOP, 'qemu', 'peer')

# A stand-in for kunit.py parse: the KTAP's cases as kunit.py's JSON (the
# real parser runs in every real peer run; here only the plumbing is
# tested).  It logs its arguments.
FAKE_KUNIT_PARSE = r'''#!/usr/bin/env python3
import json, os, re, sys
with open(os.environ['FAKE_KUNIT_LOG'], 'a') as log:
    log.write(' '.join(sys.argv[1:]) + '\n')
out = [a.split('=', 1)[1] for a in sys.argv if a.startswith('--json=')][0]
cases = []
for line in open(sys.argv[-1]):
    m = re.match(r'^    (not ok|ok) \d+ (\S+)( # SKIP)?', line)
    if m:
        status = 'SKIP' if m.group(3) else ('PASS' if m.group(1) == 'ok' else 'FAIL')
        cases.append({'name': m.group(2), 'status': status})
json.dump({'name': 'top', 'test_cases': [],
           'sub_groups': [{'name': 'suite', 'test_cases': cases, 'sub_groups': []}]},
          open(out, 'w'))
'''


class PeerSelftestsTest(host_test.Fixture):
    """qemu/peer/selftests.sh: programs of a list, by exit status and by
    what the kernel logged while each ran (a stand-in dmesg)."""

    def setUp(self):
        super().setUp()
        self.dir = os.path.join(self.tmp, 'install')
        progs = {'a/passes': 'echo fine; exit 0', 'a/skips': 'exit 4',
                 'b/fails': 'echo "BUG: not really"; exit 1',
                 'b/hangs': 'trap "" TERM; sleep 30', 'b/args': 'echo "args: $*"; pwd',
                 'b/sysctl': 'echo "overcommit $(cat "$PEER_SYSCTL_ROOT/vm/overcommit_memory")"',
                 # Its last line has no newline: the result must not join it.
                 'b/nonl': 'printf "bounces: 3, mode: rnd"',
                 'b/oops': 'echo "[ 1.0] BUG: Bad rss-counter state mm:1" >>"$KMSG"',
                 'b/module': 'echo "Summary: fix_size_alloc_test passed: 1 failed: 0" >>"$KMSG"'}
        for rel, body in progs.items():
            write(os.path.join(self.dir, rel), '#!/bin/sh\n' + body + '\n')
            os.chmod(os.path.join(self.dir, rel), 0o755)
        self.list = os.path.join(self.tmp, 'selftests')
        write(self.list,
              '# NAME TIMEOUT PROGRAM ARGS\n\n'
              'pass 10 a/passes\nskip 10 a/skips\nfail 10 b/fails\n'
              'hang 1 b/hangs\nargs 10 b/args -x "*"\n'
              'sysctl 10 vm.overcommit_memory=1 kernel.printk=7 b/sysctl\n'
              'nonl 10 b/nonl\noops 10 b/oops\n'
              'module 10 kmsg=Summary: b/module\nnomodule 10 kmsg=Summary: a/passes\n'
              'nosysctl 10 nosuch.knob=1 a/passes\n'
              f'here 10 machine=nosuch,{os.uname().machine} a/passes\n'
              'elsewhere 10 machine=nosuch a/passes\n'
              'slowmodule 1 kmsg=Summary: b/hangs\n')
        write(os.path.join(self.tmp, 'sys/vm/overcommit_memory'), '0\n')
        write(os.path.join(self.tmp, 'sys/kernel/printk'), '4 4 1 7\n')
        # dmesg -c: print what was logged since the last call, then clear.
        self.kmsg = os.path.join(self.tmp, 'kmsg')
        dmesg = os.path.join(self.tmp, 'fake-dmesg')
        write(dmesg, '#!/bin/sh\ncat "$KMSG" 2>/dev/null; : >"$KMSG"\n')
        os.chmod(dmesg, 0o755)
        self.dmesg = dmesg

    def run_selftests(self, *names):
        return host_test.sh(['sh', os.path.join(PEER, 'selftests.sh'), '-d', self.dir,
                             '-l', self.list] + list(names),
                            env=dict(self.env, TMPDIR=self.tmp, PATH=os.environ['PATH'],
                                     PEER_SYSCTL_ROOT=os.path.join(self.tmp, 'sys'),
                                     PEER_DMESG=self.dmesg, KMSG=self.kmsg),
                            check=False)

    def test_exit_status_and_kernel_log_decide(self):
        r = self.run_selftests()
        self.assertEqual(r.returncode, 1, r.stderr)
        lines = r.stdout.splitlines()
        self.assertEqual(lines[:5], ['KTAP version 1', '1..1', '    KTAP version 1',
                                     '    # Subtest: selftests', '    1..14'])
        results = [l for l in lines if l.startswith(('    ok', '    not ok'))]
        self.assertEqual(results, [
            '    ok 1 pass', '    ok 2 skip # SKIP (exit 4)',
            '    not ok 3 fail # exit 1',
            '    not ok 4 hang # TIMEOUT after 1 s',
            '    ok 5 args', '    ok 6 sysctl', '    ok 7 nonl',
            '    not ok 8 oops # the kernel reported: [ 1.0] BUG: Bad rss-counter state mm:1',
            '    ok 9 module',
            '    not ok 10 nomodule # no "Summary:" in the kernel log',
            '    not ok 11 nosysctl # cannot set nosuch.knob to 1',
            '    ok 12 here',
            f'    ok 13 elsewhere # SKIP only on nosuch, not {os.uname().machine} (see the list)',
            # A timeout is the reason, not the text it never logged.
            '    not ok 14 slowmodule # TIMEOUT after 1 s'])
        self.assertEqual(lines[-1], 'not ok 1 selftests')
        # The program's output is a diagnostic; it runs in its own
        # directory, with its arguments, never globbed.
        self.assertIn('    # BUG: not really', lines)
        self.assertIn('    # args: -x "*"', lines)
        self.assertIn('    # ' + os.path.join(self.dir, 'b'), lines)
        self.assertIn('    # bounces: 3, mode: rnd', lines)
        # SYSCTL=VALUE words: set for their program, put back after it
        # (an old value with spaces whole).
        self.assertIn('    # overcommit 1', lines)
        self.assertIn('    # sysctl: b/sysctl  (timeout 10 s)', lines)
        self.assertEqual(self.read(self.tmp, 'sys/vm/overcommit_memory'), '0\n')
        self.assertEqual(self.read(self.tmp, 'sys/kernel/printk'), '4 4 1 7\n')
        self.assertEqual(sorted(os.listdir(os.path.join(self.tmp, 'sys'))), ['kernel', 'vm'])

    def test_named_only(self):
        r = self.run_selftests('pass', 'skip')
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn('    1..2', r.stdout.splitlines())
        self.assertEqual(r.stdout.splitlines()[-1], 'ok 1 selftests')

    def test_unknown_name_refused(self):
        r = self.run_selftests('pass', 'nosuch')
        self.assertEqual(r.returncode, 2)
        self.assertIn('nosuch is not in', r.stderr)
        self.assertEqual(r.stdout, '')


# perf and hackbench as the guest runs them: figures in their own formats;
# FAKE_PERF_RC fails them, FAKE_PERF_MUTE leaves the figure out.
FAKE_PERF = r'''#!/bin/sh
[ -z "${FAKE_PERF_MUTE:-}" ] || exit 0
case "$*" in
*pipe*) echo "# Running 'sched/pipe' benchmark:"; echo "     Total time: 0.331 [sec]"
        echo; echo "      16.555100 usecs/op" ;;
*messaging*) echo "     Total time: 0.799 [sec]" ;;
esac
exit ${FAKE_PERF_RC:-0}
'''
FAKE_HACKBENCH = '#!/bin/sh\necho "Running in process mode"\necho "Time: 0.534"\n'


class PeerPerfTest(host_test.Fixture):
    """qemu/peer/perf.sh: the benchmarks' figures as metric lines."""

    def setUp(self):
        super().setUp()
        bindir = os.path.join(self.tmp, 'fake-bin')
        for name, text in (('perf', FAKE_PERF), ('hackbench', FAKE_HACKBENCH)):
            write(os.path.join(bindir, name), text)
            os.chmod(os.path.join(bindir, name), 0o755)
        self.path = bindir + ':' + os.environ['PATH']

    def run_perf(self, *args, **env):
        return host_test.sh(['sh', os.path.join(PEER, 'perf.sh')] + list(args),
                            env=dict(self.env, TMPDIR=self.tmp, PATH=self.path, **env),
                            check=False)

    def test_figures(self):
        r = self.run_perf('-r', '2')
        self.assertEqual(r.returncode, 0, r.stderr)
        lines = r.stdout.splitlines()
        self.assertEqual(lines.count('    # lazymm-metric: pipe_threads 16.555100 usecs/op'), 2)
        self.assertEqual(lines.count('    # lazymm-metric: messaging_threads 0.799 sec'), 2)
        self.assertEqual(lines.count('    # lazymm-metric: hackbench_threads 0.534 sec'), 2)
        self.assertIn('    ok 1 pipe_threads', lines)
        self.assertIn('    ok 5 hackbench_threads', lines)
        self.assertEqual(lines[-1], 'ok 1 perf')

    def test_failure_or_no_figure_fails(self):
        r = self.run_perf('pipe_threads', FAKE_PERF_RC='1')
        self.assertEqual(r.returncode, 1)
        self.assertIn('    not ok 1 pipe_threads # exit 1', r.stdout.splitlines())
        r = self.run_perf('messaging_process', FAKE_PERF_MUTE='1')
        self.assertEqual(r.returncode, 1)
        self.assertIn('    not ok 1 messaging_process # no figure in its output',
                      r.stdout.splitlines())

    def test_unknown_case_refused(self):
        r = self.run_perf('nosuch')
        self.assertEqual(r.returncode, 2)
        self.assertIn('no case nosuch', r.stderr)


def suite_ktap(name, *results):
    lines = ['KTAP version 1', '1..1', '    KTAP version 1',
             f'    # Subtest: {name}', f'    1..{len(results)}']
    lines += [f'    {r}' for r in results]
    return lines + ['ok 1 ' + name]


class PeerResultsTest(host_test.Fixture):
    """scripts/peer-results.sh: each suite cut from the console and counted."""

    def setUp(self):
        super().setUp()
        self.kdir = self.new_tree()
        write(os.path.join(self.kdir, 'tools/testing/kunit/kunit.py'), FAKE_KUNIT_PARSE)
        self.log = os.path.join(self.tmp, 'kunit.log')
        self.env['FAKE_KUNIT_LOG'] = self.log
        self.res = os.path.join(self.tmp, 'run')

    def console(self, lines):
        write(os.path.join(self.res, 'console.log'), '\n'.join(lines) + '\n')

    def test_counts_per_suite(self):
        self.console(
            ['[    1.000000] Linux version 6.1.192', 'lazymm-peer: suite selftests begin']
            + suite_ktap('selftests', 'ok 1 a', 'ok 2 b # SKIP (exit 4)')[:6]
            # The kernel's lines interleave with the suite's: left out.
            + ['[   12.000000]     not ok 9 from the kernel log']
            + suite_ktap('selftests', 'ok 1 a', 'ok 2 b # SKIP (exit 4)', 'not ok 3 c # exit 1')[6:]
            + ['lazymm-peer: suite selftests end exit 1', 'lazymm-peer: suite perf begin']
            + suite_ktap('perf', 'ok 1 pipe_threads')
            + ['lazymm-peer: suite perf end exit 0'])
        r = self.script('peer-results.sh', self.res, self.kdir, 'selftests,perf')
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.read(self.res, 'peer/selftests.counts'), '1 1 1\n')
        self.assertEqual(self.read(self.res, 'peer/perf.counts'), '1 0 0\n')
        self.assertEqual(self.read(self.res, 'peer/counts'), '2 1 1\n')
        self.assertIn('selftests: 1 passed, 1 failed, 1 skipped', r.stdout)
        self.assertIn('FAIL suite.c', r.stdout)
        ktap = self.read(self.res, 'peer/selftests.ktap')
        self.assertNotIn('from the kernel log', ktap)
        self.assertTrue(ktap.startswith('KTAP version 1\n'), ktap)
        # The tree's own kunit.py parse read each suite's KTAP.
        with open(self.log) as f:
            calls = f.read().splitlines()
        self.assertEqual(len(calls), 2, calls)
        self.assertTrue(calls[0].startswith('parse --json='), calls)

    def test_cut_short_and_never_began(self):
        self.console(['lazymm-peer: suite stress-ng begin']
                     + suite_ktap('stress-ng', 'ok 1 context')[:6]
                     + ['[   50.000000] Kernel panic - not syncing'])
        r = self.script('peer-results.sh', self.res, self.kdir, 'stress-ng,perf')
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.read(self.res, 'peer/stress-ng.counts'), '1 1 0\n')
        self.assertEqual(self.read(self.res, 'peer/perf.counts'), '0 1 0\n')
        self.assertIn('cut short', r.stdout)
        self.assertIn('perf: the suite never began', r.stdout)

    def test_bad_input(self):
        r = self.script('peer-results.sh', self.res, self.kdir, 'perf')
        self.assertFailsWith(r, 'no console.log', 'torture.sh --peer')
        self.console(['x'])
        r = self.script('peer-results.sh', self.res, self.tmp, 'perf')
        self.assertFailsWith(r, 'no tools/testing/kunit/kunit.py')
        r = self.script('peer-results.sh', self.res)
        self.assertFailsWith(r, 'usage')


class PeerJudgeTest(host_test.Fixture):
    """scripts/torture-judge.py --mode peer."""

    def judge(self, lines):
        path = os.path.join(self.tmp, 'console.log')
        write(path, '\n'.join(lines) + '\n')
        summary = os.path.join(self.tmp, 'summary')
        r = host_test.sh([sys.executable, os.path.join(host_test.TOP, 'scripts',
                                                       'torture-judge.py'),
                          path, '--mode', 'peer', '--summary', summary], check=False)
        with open(summary) as f:
            return r, f.read()

    RUN = ['lazymm-torture: start mode=peer duration=10 cpus=4',
           'lazymm-peer: suite perf begin',
           '    # a test of its own says: BUG: WARNING: Oops',
           '    # lazymm-metric: pipe_threads 16.5 usecs/op',
           'lazymm-peer: suite perf end exit 0']
    END = ['lazymm-peer: exit 0', 'lazymm-torture: end']

    def test_programs_output_is_not_a_kernel_report(self):
        r, summary = self.judge(self.RUN + self.END)
        self.assertEqual(r.returncode, 0, r.stdout)
        self.assertIn('suite_perf_exit=0', summary)
        self.assertIn('metric_pipe_threads=16.5', summary)

    def test_kernel_report_and_failed_suite_fail(self):
        r, _ = self.judge(self.RUN + ['[   20.100000] WARNING: CPU: 1 PID: 7 at mm/x.c:1']
                          + self.END)
        self.assertEqual(r.returncode, 1)
        self.assertIn('[warning]', r.stdout)
        r, _ = self.judge(self.RUN + ['Summary: pcpu_alloc_test passed: 9 failed: 1 repeat: 1'
                                      ' loops: 1000 avg: 7 usec'] + self.END)
        self.assertEqual(r.returncode, 1)
        self.assertIn('[test_vmalloc]', r.stdout)
        r, _ = self.judge(self.RUN + ['Summary: pcpu_alloc_test passed: 10 failed: 0 repeat: 1'
                                      ' loops: 1000 avg: 7 usec'] + self.END)
        self.assertEqual(r.returncode, 0, r.stdout)
        # A failed case counts in its suite, not again in the judge; a
        # guest that never said how the suites ended fails.
        r, _ = self.judge(self.RUN + ['lazymm-peer: exit 1', 'lazymm-torture: end'])
        self.assertEqual(r.returncode, 0, r.stdout)
        r, _ = self.judge(self.RUN + ['lazymm-torture: end'])
        self.assertEqual(r.returncode, 1)
        self.assertIn('no "lazymm-peer: exit "', r.stdout)
        # A kernel report glued to a program's line is still seen by the
        # rules no program prints.
        r, _ = self.judge(self.RUN + ['    # bounces: 3, Bad rss-counter state mm:1'] + self.END)
        self.assertEqual(r.returncode, 1)
        self.assertIn('[rss-counter]', r.stdout)


class PeerInputTest(host_test.Fixture):
    """What make peer refuses before anything slow happens."""

    def test_bad_input(self):
        r = self.script('torture.sh', '--no-deps', '--peer', 'selftests,nosuch')
        self.assertFailsWith(r, 'unknown peer suite nosuch', 'selftests, stress-ng, perf')
        r = self.script('torture.sh', '--no-deps', '--peer', ',')
        self.assertFailsWith(r, '--peer names no suite')
        r = self.script('torture.sh', '--no-deps', '--peer', 'perf', '--base',
                        '--kdir', self.tmp)
        self.assertFailsWith(r, '--base runs Debian', 'drop --kdir')
        r = self.script('selftests.sh', '--no-deps', '--arch', 'sparc')
        self.assertFailsWith(r, 'unknown ARCH=sparc')
        kdir = os.path.join(self.tmp, 'k')
        os.makedirs(kdir)
        r = self.script('initramfs.sh', '--arch', 'x86_64', '--kdir', kdir,
                        '--out', os.path.join(self.tmp, 'i.gz'), '--peer', self.tmp)
        self.assertFailsWith(r, '--peer needs --rootfs')
