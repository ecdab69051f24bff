# SPDX-License-Identifier: GPL-2.0
"""Host-side tests of make bench: the console parser and the tables of
scripts/bench-report.py, the in-guest program qemu/bench.c built for the
host, qemu-cmd.py --smp, and scripts/bench.sh refusing bad input."""
import json
import os
import re
import shutil

import host_test
from host_test import sh, write

CONSOLE = '''[    1.0] Run /init as init process
lazymm-torture: start mode=bench duration=3 cpus=4 kernel=6.1.192
lazymm-vmstat: before lazy_tlb_ref 3
lazymm-bench: result workload=pingpong cpus=4 seconds=3.001 ops=3000 rate=999.667 lazy_tlb_ref=6100 lazy_tlb_ref_atomic=12200 lazy_tlb_mm_free=0 ipi_call=12 ipi_tlb=0
lazymm-bench: result workload=exit cpus=4 seconds=3.010 ops=100 rate=33.2 lazy_tlb_ref=900 lazy_tlb_ref_atomic=1800 lazy_tlb_mm_free=101 ipi_call=250 ipi_tlb=300
lazymm-bench: vmalloc warmup
[    8.1] Summary: fix_size_alloc_test passed: 1 failed: 0 repeat: 1 loops: 20000 avg: 99999 usec
lazymm-bench: vmalloc warmup end
lazymm-bench: vmalloc begin paused=1
[    9.1] Summary: fix_size_alloc_test passed: 1 failed: 0 repeat: 1 loops: 20000 avg: 1000 usec
[    9.2] Summary: fix_size_alloc_test passed: 1 failed: 0 repeat: 1 loops: 20000 avg: 1200 usec
[    9.3] All test took worker0=123 cycles
lazymm-bench: vmalloc end paused=1
lazymm-bench: vmalloc begin paused=0
[   12.1] Summary: fix_size_alloc_test passed: 1 failed: 0 repeat: 1 loops: 20000 avg: 800 usec
lazymm-bench: vmalloc end paused=0
lazymm-bench: exit 0
lazymm-vmstat: after lazy_tlb_ref 7003
lazymm-torture: end
'''


def sample(variant, workload, repeat, **metrics):
    return {'group': 'tlb', 'variant': variant, 'workload': workload,
            'repeat': repeat, 'metrics': metrics}


class BenchReportTest(host_test.Fixture):

    def report_tool(self, *args):
        return sh(['python3', os.path.join(host_test.TOP, 'scripts', 'bench-report.py')]
                  + list(args), check=False)

    def parse(self, text):
        path = os.path.join(self.tmp, 'console.log')
        write(path, text)
        return self.report_tool('parse', path, '--group', 'tlb', '--variant',
                                'refcount', '--repeat', '2')

    def parsed(self, text):
        """The samples parse prints for TEXT, which it must accept."""
        r = self.parse(text)
        self.assertEqual(r.returncode, 0, r.stderr)
        return r, [json.loads(line) for line in r.stdout.splitlines()]

    def test_parse_results_and_vmalloc_sections(self):
        r = self.parse(CONSOLE)
        self.assertEqual(r.returncode, 0, r.stderr)
        got = [json.loads(line) for line in r.stdout.splitlines()]
        self.assertEqual([s['workload'] for s in got],
                         ['pingpong', 'exit', 'vmalloc', 'vmalloc'])
        self.assertEqual(got[0]['metrics']['rate'], 999.667)
        self.assertEqual(got[1]['metrics']['lazy_tlb_mm_free'], 101)
        self.assertEqual(got[0]['repeat'], 2)
        # The whole boot's counters are not a workload of a tlb boot: its
        # results carry their own.
        # Paused is the mean of both workers' reports; batched its own;
        # the warm-up load counts for neither.
        vm = {s['variant']: s['metrics'] for s in got[2:]}
        self.assertEqual(vm['paused']['fix_size_alloc_test_usec'], 1100)
        self.assertEqual(vm['batched']['fix_size_alloc_test_usec'], 800)

    def test_parse_refuses_errors_and_empty_consoles(self):
        r = self.parse(CONSOLE.replace('lazymm-bench: exit 0',
                                       'lazymm-bench: error: fork: no memory\nlazymm-bench: exit 1'))
        self.assertEqual(r.returncode, 1)
        self.assertIn('fork: no memory', r.stderr)
        r = self.parse(CONSOLE.replace('failed: 0 repeat: 1 loops: 20000 avg: 800',
                                       'failed: 3 repeat: 1 loops: 20000 avg: 800'))
        self.assertEqual(r.returncode, 1)
        self.assertIn('fix_size_alloc_test failed 3 times', r.stderr)
        r = self.parse('Kernel panic - not syncing: Attempted to kill init!\n')
        self.assertEqual(r.returncode, 1)
        self.assertIn('has no measurement', r.stderr)

    def test_parse_peer_benchmarks(self):
        _, got = self.parsed('lazymm-peer: suite perf begin\n'
                             '    # lazymm-metric: pipe_threads 126.9112 usecs/op\n'
                             '    # lazymm-metric: hackbench_process 9.425 sec\n'
                             'lazymm-peer: suite perf end exit 0\nlazymm-peer: exit 0\n')
        self.assertEqual([(s['workload'], s['metrics']) for s in got],
                         [('pipe_threads', {'value': 126.9112}),
                          ('hackbench_process', {'value': 9.425})])
        # A failed benchmark fails the boot's measurement.
        r = self.parse('    # lazymm-metric: pipe_threads 126.9 usecs/op\n'
                       'lazymm-peer: exit 1\n')
        self.assertEqual(r.returncode, 1)
        self.assertIn('the workloads exited 1', r.stderr)

    def test_peer_boot_counts_the_schemes_work(self):
        # The guest prints the lazy-TLB counters before and after the
        # suites: the boot's sample is the difference, one per boot.
        _, got = self.parsed('lazymm-vmstat: before lazy_tlb_ref 29\n'
                             'lazymm-vmstat: before lazy_tlb_ref_atomic 58\n'
                             'lazymm-vmstat: before lazy_tlb_mm_free 17\n'
                             '    # lazymm-metric: pipe_threads 71.8 usecs/op\n'
                             'lazymm-peer: exit 0\n'
                             'lazymm-vmstat: after lazy_tlb_ref 42529\n'
                             'lazymm-vmstat: after lazy_tlb_ref_atomic 85058\n'
                             'lazymm-vmstat: after lazy_tlb_mm_free 447\n')
        self.assertEqual([(s['workload'], s['metrics']) for s in got],
                         [('pipe_threads', {'value': 71.8}),
                          ('perf_suite', {'ops': 1, 'lazy_tlb_ref': 42500,
                                          'lazy_tlb_ref_atomic': 85000,
                                          'lazy_tlb_mm_free': 430})])
        samples = [dict(s, variant=v, repeat=i, group='peer')
                   for v in ('refcount', 'shootdown') for i in range(2) for s in got]
        r, res = self.report(samples)
        [row] = [c for c in res['counts'] if c['variant'] == 'shootdown']
        self.assertEqual(row['workload'], 'perf_suite')
        self.assertEqual(row['lazy_refs_per_op'], 42500)
        self.assertEqual(row['atomics_per_lazy_ref'], 2)
        # A garbled console (a kernel message inside a line, a counter on
        # one side only): the boot keeps its times, loses its counts.
        for garbled in ('lazymm-vmstat: after lazy_tlb_ref 4[   99.1] random: x\n',
                        'lazymm-vmstat: after lazy_tlb_shootdown 9\n'):
            text = ('lazymm-vmstat: before lazy_tlb_ref 29\n'
                    '    # lazymm-metric: pipe_threads 71.8 usecs/op\n' + garbled)
            g, samples = self.parsed(text)
            self.assertEqual([s['workload'] for s in samples], ['pipe_threads'])
            self.assertIn('no perf_suite counts for this boot', g.stderr)
        # A peer boot counts no IPIs: "-", not a measured 0.
        self.assertIn('| perf_suite | shootdown | 42500 | 2 | 430 | - | - | - | - |', r.stdout)
        self.assertIn('perf_suite: "op" is one boot', r.stdout)
        # "no difference" is explained under the table it appears in.
        self.assertIn('"no difference": the medians differ by less than', r.stdout)

    def test_peer_benchmarks_lower_is_better(self):
        samples = [{'group': 'peer', 'variant': v, 'repeat': i, 'workload': 'pipe_threads',
                    'metrics': {'value': x}}
                   for v, xs in (('refcount', (100, 101, 102)), ('shootdown', (80, 81, 82)))
                   for i, x in enumerate(xs)]
        _, result = self.report(samples)
        [row] = [r for r in result['comparisons'] if r['workload'] == 'pipe_threads']
        self.assertEqual(row['verdict'], 'shootdown faster')
        self.assertAlmostEqual(row['speed_ratio'], 101 / 81)

    def report(self, samples, *extra):
        path = os.path.join(self.tmp, 'samples.jsonl')
        write(path, ''.join(json.dumps(s) + '\n' for s in samples))
        out = os.path.join(self.tmp, 'bench.json')
        r = self.report_tool('report', path, '--arch', 'arm64', '--cpus', '4',
                             '--repeats', '5', '--duration', '3', '--json', out,
                             '--markdown', os.path.join(self.tmp, 'bench.md'), *extra)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(out) as f:
            return r, json.load(f)

    def test_ratio_and_verdict(self):
        samples = []
        for i, (a, b, c, d) in enumerate([(100, 150, 10, 10.5), (102, 151, 11, 10),
                                          (98, 149, 9, 9.5), (101, 152, 10.5, 11),
                                          (99, 148, 9.5, 10.2)]):
            samples += [sample('refcount', 'pingpong', i, rate=a),
                        sample('shootdown', 'pingpong', i, rate=b),
                        sample('refcount', 'exit', i, rate=c),
                        sample('shootdown', 'exit', i, rate=d)]
        r, res = self.report(samples)
        rows = {row['workload']: row for row in res['comparisons']}
        self.assertAlmostEqual(rows['pingpong']['speed_ratio'], 1.5)
        self.assertEqual(rows['pingpong']['verdict'], 'shootdown faster')
        self.assertEqual(rows['pingpong']['baseline'], 'refcount')
        # 10.2 vs 10: inside a spread of 2: no difference.
        self.assertEqual(rows['exit']['verdict'], 'no difference')
        self.assertEqual(rows['exit']['baseline_stats']['spread'], 2)
        self.assertIn('| tlb | pingpong | round trips/s | refcount: 100 [98-102] | '
                      'shootdown: 150 [148-152] | 1.5 | shootdown faster |', r.stdout)

    def test_lower_is_better_for_times(self):
        samples = []
        for i in range(5):
            samples += [dict(sample('paused', 'vmalloc', i, fix_size_alloc_test_usec=1000 + i),
                             group='lazy_mmu'),
                        dict(sample('batched', 'vmalloc', i, fix_size_alloc_test_usec=800 + i),
                             group='lazy_mmu')]
        _, res = self.report(samples)
        row = res['comparisons'][0]
        self.assertEqual((row['baseline'], row['variant']), ('paused', 'batched'))
        self.assertAlmostEqual(row['speed_ratio'], 1002 / 802)
        self.assertEqual(row['verdict'], 'batched faster')

    def test_counts_per_operation(self):
        samples = [sample('refcount', 'exit', 1, ops=10, lazy_tlb_ref=40,
                          lazy_tlb_ref_atomic=80, lazy_tlb_mm_free=10, ipi_call=30),
                   sample('shootdown', 'exit', 1, ops=10, lazy_tlb_ref=40,
                          lazy_tlb_ref_atomic=0, lazy_tlb_mm_free=10,
                          lazy_tlb_shootdown=10, lazy_tlb_shootdown_ipi=30,
                          lazy_tlb_shootdown_switch=12, ipi_call=60)]
        r, res = self.report(samples)
        c = {row['variant']: row for row in res['counts']}
        self.assertEqual(c['refcount']['atomics_per_lazy_ref'], 2)
        self.assertEqual(c['shootdown']['atomics_per_lazy_ref'], 0)
        self.assertEqual(c['shootdown']['shootdown_ipis_per_mm'], 3)
        self.assertEqual(c['shootdown']['lazy_cpus_per_mm'], 1.2)
        self.assertIsNone(c['refcount']['shootdown_ipis_per_mm'])
        self.assertIn('| exit | shootdown | 4 | 0 | 1 | 3 | 1.2 | 6 |', r.stdout)

    def test_readme_section_replaced(self):
        _, res = self.report([sample('refcount', 'pingpong', 1, rate=5),
                              sample('shootdown', 'pingpong', 1, rate=6)])
        readme = os.path.join(self.tmp, 'README.md')
        write(readme, '# x\n\n<!-- bench:begin -->\nold table\n<!-- bench:end -->\ntail\n')
        r = self.report_tool('readme', readme, os.path.join(self.tmp, 'bench.json'))
        self.assertEqual(r.returncode, 0, r.stderr)
        text = self.read(self.tmp, 'README.md')
        self.assertNotIn('old table', text)
        self.assertIn('#### arm64, 4 vCPUs (TCG)', text)
        self.assertTrue(text.endswith('<!-- bench:end -->\ntail\n'))
        write(readme, '# no markers\n')
        r = self.report_tool('readme', readme, os.path.join(self.tmp, 'bench.json'))
        self.assertNotEqual(r.returncode, 0)
        self.assertIn('bench:begin', r.stderr)

    def test_plot_a_picture_script_per_workload(self):
        self.report([sample(v, w, r, rate=rate + r)
                     for r in range(1, 6)
                     for v, w, rate in (('refcount', 'pingpong', 100),
                                        ('shootdown', 'pingpong', 120),
                                        ('refcount', 'exit', 10),
                                        ('shootdown', 'exit', 10))])
        # The tests run without gnuplot (make check does not install it):
        # the scripts are written, and one line says how to draw them.
        r = self.report_tool('plot', os.path.join(self.tmp, 'bench.json'))
        self.assertEqual(r.returncode, 0, r.stderr)
        if not shutil.which('gnuplot'):
            self.assertEqual(len(r.stderr.splitlines()), 1, r.stderr)
            self.assertIn('install gnuplot-nox', r.stderr)
        gp = self.read(self.tmp, 'tlb-pingpong.gp')
        self.assertIn("set output 'tlb-pingpong.svg'", gp)
        self.assertIn('set xtics ("refcount" 0, "shootdown" 1)', gp)
        self.assertIn('shootdown: shootdown faster (x1.19)', gp)
        self.assertIn('round trips/s (higher is better)', gp)
        boots = gp.split('$boots << EOD\n')[1].split('EOD')[0].splitlines()
        self.assertEqual(len(boots), 10)
        stats = gp.split('$stats << EOD\n')[1].split('EOD')[0].splitlines()
        self.assertEqual(stats, ['0 103 101 105', '1 123 121 125'])
        self.assertTrue(os.path.exists(os.path.join(self.tmp, 'tlb-exit.gp')))

    def test_readme_copies_and_links_the_pictures(self):
        self.report([sample('refcount', 'pingpong', 1, rate=5),
                     sample('shootdown', 'pingpong', 1, rate=6)])
        write(os.path.join(self.tmp, 'tlb-pingpong.svg'), '<svg/>\n')
        top = os.path.join(self.tmp, 'clone')
        readme = os.path.join(top, 'README.md')
        write(readme, '# x\n<!-- bench:begin -->\n<!-- bench:end -->\n')
        stale = os.path.join(top, 'bench', 'arm64-4cpu', 'tlb-gone.svg')
        write(stale, '<svg/>\n')
        r = self.report_tool('readme', readme, os.path.join(self.tmp, 'bench.json'))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(os.listdir(os.path.dirname(stale)), ['tlb-pingpong.svg'])
        self.assertIn('Pictures (every boot, median and [min-max]): '
                      '[tlb-pingpong](bench/arm64-4cpu/tlb-pingpong.svg)',
                      self.read(top, 'README.md'))

    def test_readme_peer_run_beside_the_tlb_tables(self):
        # A WHAT=peer run gets a block and pictures of its own: the arch's
        # tlb block and pictures stay; a second peer run replaces the first.
        top = os.path.join(self.tmp, 'clone')
        readme = os.path.join(top, 'README.md')
        write(readme, '# x\n<!-- bench:begin -->\n#### arm64, 4 vCPUs (TCG): old\n\n'
              '| tlb old |\n\n<!-- bench:end -->\n')
        tlb_svg = os.path.join(top, 'bench', 'arm64-4cpu', 'tlb-exit.svg')
        write(tlb_svg, '<svg/>\n')
        for value in (100, 90):
            self.report([{'group': 'peer', 'variant': v, 'repeat': 1,
                          'workload': 'pipe_threads', 'metrics': {'value': value}}
                         for v in ('refcount', 'shootdown')])
            write(os.path.join(self.tmp, 'peer-pipe-threads-value.svg'), '<svg/>\n')
            r = self.report_tool('readme', readme, os.path.join(self.tmp, 'bench.json'))
            self.assertEqual(r.returncode, 0, r.stderr)
        text = self.read(top, 'README.md')
        self.assertEqual(re.findall(r'^#### (.*?):', text, re.M),
                         ['arm64, 4 vCPUs (TCG)', 'arm64, 4 vCPUs (TCG), peer benchmarks'])
        self.assertIn('| tlb old |', text)
        self.assertIn('refcount: 90 [90-90]', text)
        self.assertNotIn('refcount: 100', text)
        self.assertEqual(sorted(os.listdir(os.path.dirname(tlb_svg))),
                         ['peer-pipe-threads-value.svg', 'tlb-exit.svg'])
        self.assertIn('[peer-pipe-threads-value](bench/arm64-4cpu/peer-pipe-threads-value.svg)',
                      text)

    def test_readme_keeps_the_other_runs_tables(self):
        self.report([sample('refcount', 'pingpong', 1, rate=5),
                     sample('shootdown', 'pingpong', 1, rate=6)])
        readme = os.path.join(self.tmp, 'README.md')
        others = ''.join(f'#### {a}, {n} vCPUs (TCG): old\n\n| {a} {n} |\n\n'
                         for a, n in (('x86_64', 4), ('arm64', 4), ('powerpc', 4),
                                      ('x86_64', 8), ('arm64', 8)))
        write(readme, f'# x\n<!-- bench:begin -->\n{others}<!-- bench:end -->\n')
        r = self.report_tool('readme', readme, os.path.join(self.tmp, 'bench.json'))
        self.assertEqual(r.returncode, 0, r.stderr)
        text = self.read(self.tmp, 'README.md')
        # arm64 at 4 vCPUs replaced in place; the four others kept, in order.
        self.assertEqual(re.findall(r'^#### (\w+, \d) vCPUs', text, re.M),
                         ['x86_64, 4', 'arm64, 4', 'powerpc, 4', 'x86_64, 8', 'arm64, 8'])
        self.assertNotIn('| arm64 4 |', text)
        for kept in ('| x86_64 4 |', '| powerpc 4 |', '| x86_64 8 |', '| arm64 8 |'):
            self.assertIn(kept, text)

    def test_missing_file_is_one_line(self):
        for args in (('readme', os.path.join(self.tmp, 'nope.md'), 'x.json'),
                     ('report', os.path.join(self.tmp, 'nope.jsonl'), '--arch',
                      'x86_64', '--cpus', '4'),
                     ('parse', os.path.join(self.tmp, 'nope.log'), '--group', 'tlb',
                      '--variant', 'refcount', '--repeat', '1')):
            with self.subTest(cmd=args[0]):
                r = self.report_tool(*args)
                self.assertEqual(r.returncode, 1)
                self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.stderr)
                self.assertRegex(r.stderr, r'^lazymm: .*nope.*No such file')


class BenchProgramTest(host_test.Fixture):
    """qemu/bench.c, built for the host: each workload prints its result."""

    def test_workloads_report(self):
        exe = os.path.join(self.tmp, 'lazymm-bench')
        sh(['gcc', '-O2', '-Wall', '-Werror', '-pthread', '-o', exe,
            os.path.join(host_test.TOP, 'qemu', 'bench.c')])
        for w in ('pingpong', 'exit', 'exitmoved', 'mprotect'):
            r = sh([exe, w, '-d', '0.3'], check=False)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            self.assertRegex(r.stdout, rf'^lazymm-bench: result workload={w} '
                             r'cpus=\d+ seconds=[0-9.]+ ops=[1-9]\d* rate=')
        r = sh([exe, 'nosuch'], check=False)
        self.assertEqual(r.returncode, 2)
        self.assertIn('usage:', r.stderr)


class BenchScriptTest(host_test.Fixture):

    def setUp(self):
        super().setUp()
        shutil.copytree(os.path.join(host_test.TOP, 'qemu'),
                        os.path.join(self.top, 'qemu'))

    def test_smp_replaces_the_targets_vcpus(self):
        r = sh(['python3', os.path.join(self.top, 'qemu', 'qemu-cmd.py'),
                '--target', 'arm64', '--build-dir', '/b', '--initrd', '/i',
                '--smp', '8'])
        self.assertIn('-smp 8', r.stdout)
        self.assertNotIn('-smp 4', r.stdout)
        r = sh(['python3', os.path.join(self.top, 'qemu', 'qemu-cmd.py'),
                '--target', 'arm64', '--build-dir', '/b', '--initrd', '/i',
                '--smp', '0'], check=False)
        self.assertIn('not a vCPU count', r.stderr)

    def test_bad_input_is_refused_before_anything_slow(self):
        for args, words in [(['--cpus', '0'], ['--cpus 0', 'e.g. --cpus 4']),
                            (['--cpus', '99'], ['more than 64']),
                            (['--repeats', 'x'], ['--repeats x']),
                            (['--what', 'tlb,foo'], ['foo', 'tlb, mmu']),
                            (['--arch', 'sparc64'], ['ARCH=sparc64']),
                            (['--mmu', 'hash'], ['MMU=hash']),
                            (['--frobnicate'], ['--frobnicate'])]:
            r = self.script('bench.sh', '--no-deps', *args)
            self.assertFailsWith(r, *words)
        self.assertFalse(os.path.exists(os.path.join(self.tmp, 'results')))

    def test_make_names_its_variables_and_a_sane_value(self):
        env = {'LAZYMM_MAKE': '1'}
        for args, words in [(['--cpus', '0'], ['CPUS=0', 'e.g. CPUS=4']),
                            (['--cpus', ''], ['CPUS= is empty', 'CPUS=4']),
                            (['--repeats', 'x'], ['REPEATS=x', 'REPEATS=5']),
                            (['--duration', '0'], ['BENCH_SECONDS=0']),
                            (['--what', ''], ['WHAT= is empty'])]:
            r = self.script('bench.sh', '--no-deps', *args, env=env)
            self.assertFailsWith(r, *words)
            self.assertNotIn('--', r.stderr.strip().splitlines()[-1])
