#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Host-side tests of the torture tooling: the console judge on saved
consoles, the QEMU command, and scripts/torture.sh end to end with a fake
kunit.py and a fake QEMU.  Nothing boots.

Fixtures (tests/data/torture/): clean-stress.log and clean-rcutorture.log
are whole consoles of real runs; the other files are report snippets
(seed 001's rcutorture failure, one from the judge-bites run, and the
kernel's lockdep, KASAN and RCU-stall formats) that a test splices into a
clean console before its end marker.
"""
import os
import shutil
import stat
import subprocess
import sys
import unittest

import host_test

TOP = host_test.TOP
DATA = os.path.join(TOP, 'tests', 'data', 'torture')
JUDGE = os.path.join(TOP, 'scripts', 'torture-judge.py')
QEMU_CMD = os.path.join(TOP, 'qemu', 'qemu-cmd.py')


def fixture(name):
    with open(os.path.join(DATA, name)) as f:
        return f.read()


def splice(console, snippet, before='lazymm-vmstat: after'):
    """console with snippet inserted just before the line naming `before`."""
    lines = console.splitlines(keepends=True)
    i = next(n for n, l in enumerate(lines) if before in l)
    return ''.join(lines[:i]) + snippet + ''.join(lines[i:])


class JudgeTest(unittest.TestCase):
    """scripts/torture-judge.py on saved consoles."""

    def setUp(self):
        self.tmp = host_test.tempfile.mkdtemp(prefix='lazymm-judge.')
        self.addCleanup(shutil.rmtree, self.tmp, True)

    def judge(self, text, *args):
        path = os.path.join(self.tmp, 'console.log')
        with open(path, 'w') as f:
            f.write(text)
        return host_test.sh([sys.executable, JUDGE, path] + list(args),
                            check=False)

    def assertFails(self, r, *words):
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertTrue(r.stdout.startswith('judge: FAILED'), r.stdout)
        for w in words:
            self.assertIn(w, r.stdout)

    def test_clean_stress_console_passes(self):
        r = self.judge(fixture('clean-stress.log'), '--expect',
                       os.path.join(TOP, 'kunit/qemu/x86_64.expect'))
        self.assertEqual(r.returncode, 0, r.stdout)
        self.assertEqual(r.stdout, 'judge: passed\n')

    def test_clean_rcutorture_console_passes(self):
        r = self.judge(fixture('clean-rcutorture.log'), '--mode', 'rcutorture')
        self.assertEqual(r.returncode, 0, r.stdout)

    def test_stress_console_is_not_an_rcutorture_pass(self):
        r = self.judge(fixture('clean-stress.log'), '--mode', 'rcutorture')
        self.assertFails(r, 'End of test: SUCCESS')

    def test_seed001_failure_first_line_first(self):
        console = splice(fixture('clean-stress.log'), fixture('seed001-mmdrop.txt'))
        r = self.judge(console)
        self.assertFails(r, '[rss-counter] BUG: Bad rss-counter state',
                         '[pgtables] BUG: non-zero pgtables_bytes')
        offending = r.stdout.splitlines()[1]
        self.assertIn('[warning] WARNING: CPU: 0 PID: 175 at kernel/fork.c:686', offending)
        # console.log:LINE: names where to look.
        line = int(offending.split(':')[1])
        self.assertIn('WARNING: CPU: 0', console.splitlines()[line - 1])
        self.assertIn('[call-trace]', r.stdout)

    def test_lazy_tlb_hotplug_warning(self):
        r = self.judge(splice(fixture('clean-stress.log'),
                              fixture('lazy-tlb-offline.txt')))
        self.assertFails(r, '[lazy-tlb] lazy tlb: CPU 3 went offline still using mm',
                         '[warning] WARNING: CPU: 0 PID: 11 at kernel/cpu.c:648 finish_cpu')
        # The debug check's message comes first, as on the console.
        self.assertIn('[lazy-tlb]', r.stdout.splitlines()[1])

    def test_lockdep_report(self):
        r = self.judge(splice(fixture('clean-stress.log'), fixture('lockdep.txt')))
        self.assertFails(r, '[lockdep] WARNING: possible circular locking')

    def test_lockdep_rule_on_its_own(self):
        r = self.judge(splice(fixture('clean-stress.log'),
                              'inconsistent lock state\n'))
        self.assertFails(r, '[lockdep] inconsistent lock state')

    def test_kasan_report(self):
        r = self.judge(splice(fixture('clean-stress.log'), fixture('kasan.txt')))
        self.assertFails(r, '[kasan] BUG: KASAN: use-after-free in __mmdrop')

    def test_rcu_stall(self):
        r = self.judge(splice(fixture('clean-stress.log'), fixture('rcu-stall.txt')))
        self.assertFails(r, '[rcu-stall] rcu: INFO: rcu_sched detected stalls',
                         'kthread starved')

    def test_known_harmless_line_passes(self):
        r = self.judge(splice(fixture('clean-stress.log'), fixture('harmless.txt')))
        self.assertEqual(r.returncode, 0, r.stdout)

    def test_timeout_without_end_marker(self):
        console = fixture('clean-stress.log')
        cut = console[:console.index('lazymm-stress: done')]
        r = self.judge(cut, '--timed-out', '660')
        self.assertFails(r, 'no end marker "lazymm-torture: end": QEMU was '
                         'killed after 660 s', 'did not finish cleanly')
        r = self.judge(cut)
        self.assertFails(r, 'the guest hung, crashed or rebooted')

    def test_stress_program_nonzero_exit(self):
        console = fixture('clean-stress.log').replace(
            'lazymm-stress: exit 0', 'lazymm-stress: exit 1')
        r = self.judge(console)
        self.assertFails(r, 'the stress workload exited 1, not 0')

    def test_stress_program_error_line(self):
        r = self.judge(splice(fixture('clean-stress.log'),
                              'lazymm-stress: error: pagetable: data lost after mremap\n'))
        self.assertFails(r, '[stress] lazymm-stress: error: pagetable')

    def test_rcutorture_failure(self):
        console = fixture('clean-rcutorture.log').replace(
            'End of test: SUCCESS', 'End of test: FAILURE')
        r = self.judge(console, '--mode', 'rcutorture')
        self.assertFails(r, '[rcutorture]', 'End of test: FAILURE')

    def test_missing_expect_line(self):
        console = fixture('clean-stress.log').replace('4 CPUs', '3 CPUs')
        r = self.judge(console, '--expect',
                       os.path.join(TOP, 'kunit/qemu/x86_64.expect'))
        self.assertFails(r, 'no "smp: Brought up 1 node, 4 CPUs"')

    def test_no_init(self):
        r = self.judge('Linux version 6.1.192\nKernel panic - not syncing: '
                       'No working init found.\n')
        self.assertFails(r, '[panic]', 'the initramfs /init never ran')

    def test_unreadable_console_is_a_usage_error(self):
        r = host_test.sh([sys.executable, JUDGE, os.path.join(self.tmp, 'nope')],
                         check=False)
        self.assertEqual(r.returncode, 2)
        self.assertTrue(r.stderr.startswith('lazymm: cannot read'), r.stderr)

    def test_summary_of_a_stress_run(self):
        summary = os.path.join(self.tmp, 'summary')
        r = self.judge(fixture('clean-stress.log'), '--summary', summary)
        self.assertEqual(r.returncode, 0, r.stdout)
        with open(summary) as f:
            kv = dict(l.rstrip('\n').split('=', 1) for l in f)
        done = [l for l in fixture('clean-stress.log').splitlines()
                if l.startswith('lazymm-stress: done ')][0]
        fields = dict(f.split('=') for f in done.split()[2:])
        self.assertEqual(kv['exec'], fields['exec'])
        self.assertEqual(kv['exit'], fields['exit'])
        self.assertEqual(int(kv['hotplug_ops']),
                         int(fields['cpu_offline']) + int(fields['cpu_online']))
        self.assertGreater(int(kv['hotplug_ops']), 0)
        self.assertIn('vmstat_after_lazy_tlb_shootdown', kv)
        self.assertEqual(kv['result'], 'passed')

    def test_summary_of_an_rcutorture_run(self):
        summary = os.path.join(self.tmp, 'summary')
        r = self.judge(fixture('clean-rcutorture.log'), '--mode', 'rcutorture',
                       '--summary', summary)
        self.assertEqual(r.returncode, 0, r.stdout)
        with open(summary) as f:
            kv = dict(l.rstrip('\n').split('=', 1) for l in f)
        self.assertGreater(int(kv['hotplug_ops']), 0)
        self.assertEqual(kv['mode'], 'rcutorture')


class QemuCmdTest(unittest.TestCase):
    """qemu/qemu-cmd.py reads the targets' machine facts from kunit/qemu/."""

    def cmd(self, target):
        r = host_test.sh([sys.executable, QEMU_CMD, '-0', '--target', target,
                          '--build-dir', '/b', '--initrd', '/i.gz',
                          '--append', 'lazymm.mode=stress'])
        return r.stdout.split('\0')[:-1]

    def test_every_target_has_4_cpus_and_the_initrd(self):
        for target in ('x86_64', 'arm64', 'powerpc-radix', 'powerpc-hash'):
            with self.subTest(target=target):
                c = self.cmd(target)
                self.assertEqual(c[c.index('-smp') + 1], '4')
                self.assertEqual(c[c.index('-initrd') + 1], '/i.gz')
                self.assertIn('-no-reboot', c)
                append = c[c.index('-append') + 1]
                self.assertIn('lazymm.mode=stress', append)
                self.assertNotIn('kunit_shutdown', append)

    def test_powerpc_hash_boots_hash(self):
        c = self.cmd('powerpc-hash')
        self.assertEqual(c[0], 'qemu-system-ppc64')
        self.assertIn('disable_radix', c[c.index('-append') + 1])
        self.assertEqual(c[c.index('-kernel') + 1], '/b/vmlinux')
        self.assertNotIn('disable_radix', self.cmd('powerpc-radix')[
            self.cmd('powerpc-radix').index('-append') + 1])

    def test_arm64_machine(self):
        c = self.cmd('arm64')
        self.assertEqual(c[c.index('-machine') + 1], 'virt,acpi=off')
        self.assertEqual(c[c.index('-kernel') + 1], '/b/arch/arm64/boot/Image')
        self.assertEqual(c[c.index('-bios') + 1], '/usr/share/qemu-efi-aarch64/QEMU_EFI.fd')

    def test_x86_64_boots_through_ovmf(self):
        c = self.cmd('x86_64')
        self.assertEqual(c[c.index('-bios') + 1], '/usr/share/ovmf/OVMF.fd')


FAKE_QEMU = r'''#!/bin/sh
# A stand-in for qemu-system-*: print a saved console.
echo "$*" >"$FAKE_QEMU_LOG"
cat "$FAKE_QEMU_CONSOLE"
sleep "${FAKE_QEMU_SLEEP:-0}"
exit "${FAKE_QEMU_EXIT:-0}"
'''

FAKE_KUNIT_BUILD = r'''#!/usr/bin/env python3
# A stand-in for kunit.py: "config" and "build" write what a build leaves.
import os, sys
args = sys.argv[1:]
build = args[args.index('--build_dir') + 1]
os.makedirs(os.path.join(build, 'arch/x86/boot'), exist_ok=True)
with open(os.path.join(build, '.config'), 'w') as f:
    f.write('CONFIG_SMP=y\n' + ''.join('# kunitconfig ' + a + '\n'
            for a in args if a.endswith('.config')))
if args[0] == 'build':
    if os.environ.get('FAKE_KUNIT') == 'buildfail':
        print('error: the build broke', file=sys.stderr)
        sys.exit(1)
    open(os.path.join(build, 'arch/x86/boot/bzImage'), 'w').close()
'''


@host_test.needs('quilt')
class TortureRunTest(host_test.Fixture):
    """scripts/torture.sh end to end: fake kunit.py, fake QEMU, real judge."""

    def setUp(self):
        super().setUp()
        shutil.copytree(os.path.join(TOP, 'qemu'), os.path.join(self.top, 'qemu'))
        self.kdir = self.new_tree()
        host_test.write(os.path.join(self.kdir, 'tools/testing/kunit/kunit.py'),
                        FAKE_KUNIT_BUILD)
        # initramfs.sh: gen_init_cpio and busybox come from the cache.
        host_test.write(os.path.join(self.kdir, 'usr/gen_init_cpio.c'), '/* */\n')
        cache = self.env['LAZYMM_CACHE']
        self.fake_bin(os.path.join(cache, 'bin', 'gen_init_cpio'),
                      '#!/bin/sh\ncat "$1"\n')
        self.fake_bin(os.path.join(cache, 'busybox', 'amd64', 'busybox'),
                      '#!/bin/sh\n')
        bindir = os.path.join(self.tmp, 'fakebin')
        self.fake_bin(os.path.join(bindir, 'qemu-system-x86_64'), FAKE_QEMU)
        # The stress program compiles for real, with the host gcc.
        self.env['PATH'] = bindir + ':' + os.environ['PATH']
        self.env['FAKE_QEMU_LOG'] = os.path.join(self.tmp, 'qemu.args')
        self.run_dir = os.path.join(self.tmp, 'run')

    def fake_bin(self, path, text):
        host_test.write(path, text)
        os.chmod(path, 0o755)

    def torture(self, console, *args, env=None):
        path = os.path.join(self.tmp, 'console.in')
        with open(path, 'w') as f:
            f.write(console)
        e = {'FAKE_QEMU_CONSOLE': path}
        e.update(env or {})
        return self.script('torture.sh', '--no-deps', '--kdir', self.kdir,
                           '--run-dir', self.run_dir, '--duration', '5',
                           *args, env=e)

    def result(self, name):
        return self.read(self.run_dir, name)

    def test_guest_progress_is_relayed(self):
        r = self.torture(fixture('clean-stress.log'), env={'FAKE_QEMU_SLEEP': '3'})
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        progress = [l for l in r.stderr.splitlines() if '  guest: ' in l]
        self.assertEqual(len(progress), fixture('clean-stress.log').count(
            'lazymm-stress: progress'), r.stderr)
        self.assertIn('lazymm:   guest: lazymm-stress: progress seconds=10 ', r.stderr)

    def test_quiet_guest_gets_a_heartbeat(self):
        r = self.torture('booting\n', env={'FAKE_QEMU_SLEEP': '5',
                                           'LAZYMM_PROGRESS_SECONDS': '2'})
        self.assertRegex(r.stderr, r'lazymm:   torture x86_64/refcount: \d+ s of 5, '
                         r'console 1 lines so far')

    def test_clean_run_passes_and_keeps_everything(self):
        r = self.torture(fixture('clean-stress.log'))
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn('torture x86_64/refcount: passed', r.stdout)
        for f in ('qemu.cmd', 'console.log', 'config', 'judge.txt', 'summary',
                  'initramfs.cpio.gz'):
            self.assertTrue(os.path.exists(os.path.join(self.run_dir, f)), f)
        self.assertEqual(self.result('counts').split(), ['1', '0', '0'])
        cmd = self.result('qemu.cmd')
        self.assertTrue(cmd.startswith('qemu-system-x86_64 -nodefaults'), cmd)
        self.assertIn('-smp 4', cmd)
        self.assertIn('lazymm.duration=5', cmd)
        self.assertIn('kunit.filter_glob=', cmd)
        self.assertIn('exec', r.stdout)

    def test_bad_console_fails_with_first_lines(self):
        r = self.torture(splice(fixture('clean-stress.log'),
                                fixture('seed001-mmdrop.txt')))
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn('torture x86_64/refcount: FAILED', r.stdout)
        self.assertIn('WARNING: CPU: 0 PID: 175', r.stderr)
        self.assertEqual(self.result('counts').split(), ['0', '1', '0'])

    def test_rcutorture_passes_seed001_parameters(self):
        r = self.torture(fixture('clean-rcutorture.log'), '--rcutorture')
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        cmd = self.result('qemu.cmd')
        self.assertIn('rcutorture.onoff_interval=100', cmd)
        self.assertIn('rcutorture.onoff_holdoff=5', cmd)
        self.assertIn('lazymm.mode=rcutorture', cmd)

    def test_build_failure_fails_the_run(self):
        r = self.torture(fixture('clean-stress.log'), env={'FAKE_KUNIT': 'buildfail'})
        self.assertEqual(r.returncode, 1)
        self.assertIn('did not build', r.stdout + r.stderr)
        self.assertEqual(self.result('counts').split(), ['0', '1', '0'])

    def test_built_boots_the_build_dir_without_building(self):
        r = self.torture(fixture('clean-stress.log'))
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        # The same kernel again, as make test boots it after its KUnit run:
        # a build now would fail, and is not asked for.
        shutil.rmtree(self.run_dir)
        r = self.torture(fixture('clean-stress.log'), '--built',
                         env={'FAKE_KUNIT': 'buildfail'})
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.run_dir, 'build', 'build.out')))
        self.assertIn('CONFIG_SMP=y', self.result('config'))
        # Nothing built there yet: said, not booted.
        r = self.torture(fixture('clean-stress.log'), '--built', '--build-dir',
                         os.path.join(self.tmp, 'empty'))
        self.assertFailsWith(r, '--built:', 'has no kernel', 'drop --built')

    def test_kasan_uses_its_own_build_dir_and_fragment(self):
        r = self.torture(fixture('clean-stress.log'), '--kasan')
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn('x86_64/refcount-kasan: passed', r.stdout)
        self.assertIn('kasan.config', self.result('config'))
        self.assertIn('x86_64-refcount-kasan', self.result('qemu.cmd'))

    def test_kasan_off_x86_64_is_unavailable(self):
        r = self.torture('', '--kasan', '--arch', 'arm64')
        self.assertEqual(r.returncode, 77, r.stderr)
        self.assertIn('x86_64 only', r.stderr)

    def test_bad_duration(self):
        r = self.script('torture.sh', '--no-deps', '--duration', 'soon')
        self.assertFailsWith(r, '--duration soon', 'seconds')

    def test_scheme_the_tree_lacks_is_skipped(self):
        r = self.torture('', '--scheme', 'shootdown')
        self.assertEqual(r.returncode, 77, r.stderr)


if __name__ == '__main__':
    unittest.main()
