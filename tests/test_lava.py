#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Host-side tests of the LAVA jobs (make lava): every matrix cell gives a
job LAVA's own schema accepts, a broken one is refused, and the monitors'
patterns, run over saved consoles the way LAVA's dispatcher runs them,
give the verdicts make kunit and the torture judge give.  Nothing boots.

Fixtures (tests/data/lava/): the console, kunit.json and QEMU command of a
real arm64 KUnit run; the torture consoles are test_torture.py's.
"""
import importlib.util
import os
import re
import shlex
import shutil
import sys
import unittest

import host_test
import test_torture

TOP = host_test.TOP
DATA = os.path.join(TOP, 'tests', 'data', 'lava')
JOBS = os.path.join(TOP, 'scripts', 'lava-jobs.py')
VALIDATE = os.path.join(TOP, 'scripts', 'lava-validate.py')
QEMU_CMD = os.path.join(TOP, 'qemu', 'qemu-cmd.py')


def load(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def matrix():
    """(arch, mmu or '', scheme) for each line of kunit/matrix."""
    out = []
    with open(os.path.join(TOP, 'kunit', 'matrix')) as f:
        for line in f:
            words = line.split('#')[0].split()
            if words:
                a, m, s = words
                out.append((a, '' if m == '-' else m, s))
    return out


def run_monitors(mons, console):
    """[(case, result)] as LAVA's TestMonitorAction finds them in console.

    The monitors run in turn on one stream: each waits for its start, then
    matches until its end.  pexpect (what the dispatcher reads the console
    with) compiles each pattern with re.DOTALL and, of the patterns [end,
    pattern], takes the one whose match starts first (end on a tie), then
    goes on after it.  Returns (results, every end seen).
    """
    pos, out = 0, []
    for mon in mons:
        start = re.compile(mon['start'], re.DOTALL).search(console, pos)
        if not start:
            return out, False
        end = re.compile(mon['end'], re.DOTALL)
        pat = re.compile(mon['pattern'], re.DOTALL)
        fix = mon.get('fixupdict', {})
        pos = start.end()
        while True:
            e, p = end.search(console, pos), pat.search(console, pos)
            if e and (not p or e.start() <= p.start()):
                pos = e.end()
                break
            if not p:
                return out, False
            m = p.groupdict()
            result = fix.get(m['result'], m['result'])
            out.append((re.sub(r'\W+', '_', m['test_case_id'].strip().lower()), result))
            pos = p.end()
    return out, True


def run_monitor(mon, console):
    return run_monitors([mon], console)


class LavaJobTest(unittest.TestCase):

    def setUp(self):
        self.tmp = host_test.tempfile.mkdtemp(prefix='lazymm-lava.')
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.jobs = load('lava_jobs', JOBS)

    def qemu_argv(self, target, test):
        """The QEMU command of a cell, on fake files (no build here)."""
        build = os.path.join(self.tmp, 'build-' + target)
        args = [sys.executable, QEMU_CMD, '-0', '--target', target,
                '--build-dir', build]
        initrd = os.path.join(self.tmp, 'initramfs.cpio.gz')
        args += ['--kunit'] if test == 'kunit' else ['--initrd', initrd]
        argv = host_test.sh(args).stdout.split('\0')[:-1]
        for i, a in enumerate(argv[:-1]):
            if argv[i] in ('-kernel', '-initrd', '-bios'):
                # The firmware packages need not be on this host.
                path = os.path.join(self.tmp, 'files', target, os.path.basename(argv[i + 1]))
                os.makedirs(os.path.dirname(path), exist_ok=True)
                with open(path, 'w') as f:
                    f.write(f'fake {a} of {target}\n')
                argv[i + 1] = path
        return argv

    def write_job(self, test, target, scheme, stage):
        name = f'{test}-{target}-{scheme}'
        r = host_test.sh([sys.executable, JOBS, '--test', test, '--name', name,
                          '--stage', stage, '--expect',
                          os.path.join(TOP, 'kunit', 'qemu', target + '.expect'),
                          '--metadata', f'lazymm.scheme={scheme}', '--']
                         + self.qemu_argv(target, test))
        return r.stdout.strip()

    def all_jobs(self):
        stage = os.path.join(self.tmp, 'lava')
        paths = []
        for a, m, s in matrix():
            for t in ('kunit', 'torture'):
                paths.append(self.write_job(t, f'{a}-{m}' if m else a, s, stage))
        return paths

    def test_every_matrix_cell_gives_a_job_lava_accepts(self):
        paths = self.all_jobs()
        self.assertEqual(len(paths), 2 * len(matrix()))
        r = host_test.sh([sys.executable, VALIDATE] + paths, check=False)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual(r.stdout.count(': valid\n'), len(paths), r.stdout)
        # Each job ships its files, with their checksums beside them.
        for p in paths:
            sums = os.path.join(p[:-len('.yaml')], 'SHA256SUMS')
            self.assertTrue(os.path.getsize(sums) > 0, sums)

    def test_broken_job_is_refused(self):
        path = self.write_job('kunit', 'x86_64', 'refcount', self.tmp)
        text = open(path).read()
        for broken, why in ((text.replace('to: tmpfs', 'to: tmpfz'), 'unknown action type'),
                            (text.replace('visibility: public\n', ''), 'visibility'),
                            (text.replace('    - name: boot', '    - nam: boot'), 'extra keys')):
            with open(path, 'w') as f:
                f.write(broken)
            r = host_test.sh([sys.executable, VALIDATE, path], check=False)
            self.assertEqual(r.returncode, 1, r.stdout)
            self.assertIn('invalid', r.stdout)
            self.assertIn(why, r.stdout)

    def test_job_boots_what_make_kunit_boots(self):
        """The command kunit.py printed in a real run, as the job has it."""
        argv = shlex.split(open(os.path.join(DATA, 'kunit-arm64-qemu.txt')).read()[2:])
        build = argv[argv.index('-kernel') + 1].rsplit('/arch/', 1)[0]
        mine = host_test.sh([sys.executable, QEMU_CMD, '-0', '--target', 'arm64',
                             '--build-dir', build, '--kunit']).stdout.split('\0')[:-1]
        self.assertEqual(mine, argv)
        _, context, files, append = self.jobs.split_qemu(argv)
        self.assertEqual(context['machine'], 'virt,acpi=off')
        self.assertEqual(context['cpu'], 'cortex-a57')
        self.assertEqual(context['memory'], 1024)
        self.assertTrue(context['no_kvm'])
        self.assertIn('4', context['extra_options'])
        self.assertEqual(append, 'kunit.enable=1 console=ttyAMA0 kunit_shutdown=reboot')
        self.assertEqual(sorted(files), ['bios', 'kernel'])

    def test_kunit_monitors_count_like_make_kunit(self):
        console = open(os.path.join(DATA, 'kunit-arm64-console.log')).read()
        want = dict(load('lava_compare', os.path.join(TOP, 'scripts', 'lava-compare.py'))
                    .kunit_cases_of(os.path.join(DATA, 'kunit-arm64.json')))
        mons = self.jobs.monitors('kunit', ['smp: Brought up 1 node, 4 CPUs', 'efi: EFI v'],
                                  'stress', self.jobs.load_judge())
        boot, ended = run_monitor(mons[0], console)
        self.assertTrue(ended)
        self.assertEqual(sorted(boot), [('efi_efi_v', 'pass'),
                                        ('smp_brought_up_1_node_4_cpus', 'pass')])
        got, ended = run_monitor(mons[1], console[console.index('KTAP version 1'):])
        self.assertTrue(ended)
        self.assertEqual(dict(got), want)
        self.assertEqual(len(got), len(want))
        self.assertIn(('lazy_tlb_radix_trim', 'skip'), got)
        # A failing case is a fail, by name.
        bad = console.replace('    ok 5 lazy_tlb_user_mm_exit', '    not ok 5 lazy_tlb_user_mm_exit')
        self.assertNotEqual(bad, console)
        got, _ = run_monitor(mons[1], bad[bad.index('KTAP version 1'):])
        self.assertIn(('lazy_tlb_user_mm_exit', 'fail'), got)

    def test_every_judge_rule_has_lava_marks(self):
        judge = self.jobs.load_judge()
        for name, _ in judge.BAD:
            self.assertIn(name, self.jobs.BAD_MARKS, name)

    EXPECT = ['smp: Brought up 1 node, 4 CPUs']

    def torture_verdict(self, console, mode='stress'):
        """LAVA's verdict as lava-jobs.py defines it: every monitor ended,
        no failed case, every expect line a passed case."""
        mons = self.jobs.monitors('torture', self.EXPECT, mode, self.jobs.load_judge())
        got, ended = run_monitors(mons, console)
        seen = {c for c, r in got if r == 'pass'}
        failed = [c for c, r in got if r == 'fail']
        wanted = {re.sub(r'\W+', '_', e.lower()) for e in self.EXPECT}
        return ended and not failed and wanted <= seen, failed

    def line_fails(self, line):
        """The LAVA fail cases of one console line."""
        mon = self.jobs.monitors('torture', [], 'stress', self.jobs.load_judge())[-1]
        got, _ = run_monitor(dict(mon, start='^', end='$^'), line + '\n')
        return {c for c, r in got if r == 'fail'}

    def test_torture_monitor_judges_like_the_judge(self):
        clean = {m: test_torture.fixture(f'clean-{m}.log') for m in ('stress', 'rcutorture')}
        for mode, console in clean.items():
            ok, failed = self.torture_verdict(console, mode)
            self.assertTrue(ok, (mode, failed))
        judge = self.jobs.load_judge()
        for snippet in sorted(os.listdir(test_torture.DATA)):
            if not snippet.endswith('.txt'):
                continue
            console = test_torture.splice(clean['stress'], test_torture.fixture(snippet))
            bad, missing = judge.judge(console.splitlines(keepends=True), 'stress',
                                       ['smp: Brought up 1 node, 4 CPUs'])
            ok, failed = self.torture_verdict(console)
            self.assertEqual(ok, not bad and not missing, (snippet, failed, bad))
            # Each line the judge names is a LAVA fail of that rule's marks.
            for _, rule, text in bad:
                marks = {re.sub(r'\W+', '_', t.strip().lower())
                         for t, _, _ in self.jobs.BAD_MARKS[rule]}
                self.assertTrue(marks & self.line_fails(text), (rule, text))
        # A workload that exits non-zero, a guest that never ends, one
        # without the start marker, and a report after the end marker
        # (a deferred __mmdrop()'s, say): each fails.
        stress = clean['stress']
        broken = {
            'exit 1': stress.replace('lazymm-stress: exit 0', 'lazymm-stress: exit 1'),
            'hung': stress[:stress.index('lazymm-torture: end')],
            'no start': stress.replace('lazymm-torture: start', 'lazymm-torture: begin'),
            'after end': stress.replace('lazymm-torture: end\n', 'lazymm-torture: end\n'
                                        'BUG: Bad rss-counter state mm:0000 type:MM_ANONPAGES val:1\n'),
            'no smp': stress.replace('smp: Brought up 1 node, 4 CPUs', 'smp: Brought up 1 node, 3 CPUs'),
        }
        for why, console in broken.items():
            self.assertNotEqual(console, stress, why)
            bad, missing = judge.judge(console.splitlines(keepends=True), 'stress', self.EXPECT)
            self.assertTrue(bad or missing, why)
            self.assertEqual(self.torture_verdict(console)[0], False, why)

    def test_job_timeouts_cover_the_workload(self):
        """The monitor waits for each match with its connection timeout."""
        import yaml
        for duration in (60, 600, 3600):
            stage = os.path.join(self.tmp, str(duration))
            r = host_test.sh([sys.executable, JOBS, '--test', 'torture', '--name', 't',
                              '--stage', stage, '--duration', str(duration), '--']
                             + self.qemu_argv('x86_64', 'torture'))
            job = yaml.safe_load(open(r.stdout.strip()))
            t = job['timeouts']
            self.assertGreater(t['connections']['lava-test-monitor']['minutes'] * 60,
                               duration + 300)
            self.assertGreater(t['job']['minutes'], t['connections']['lava-test-monitor']['minutes'])


if __name__ == '__main__':
    unittest.main()
