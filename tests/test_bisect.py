# SPDX-License-Identifier: GPL-2.0
"""Host-side tests of make bisect: a synthetic series with a planted bad
patch on a fixture tree (imported from a fixture tarball, or a user's git
tree), and a fake scripts/kunit.sh that fails when the planted bug is in the
tree.  No kernel is built."""
import os
import stat
import subprocess

import host_test
from host_test import sh, write, replace_line

# Stands in for scripts/kunit.sh: "builds" and "runs" the tree it is given.
# BUILD_BREAK anywhere in kernel/ fails the build (before kunit.py would say
# "Starting KUnit Kernel"); LAZY_BUG in the helpers header fails the suite;
# without the suite's file no case runs, which also fails.
FAKE_KUNIT_SH = r'''#!/usr/bin/env bash
set -eu
kdir= run=
while [ $# -gt 0 ]; do
	case $1 in
	--kdir) kdir=$2; shift ;;
	--run-dir) run=$2; shift ;;
	--) shift; glob=$1 ;;
	esac
	shift
done
mkdir -p "$run"
echo "NO_APPLY=${LAZYMM_NO_APPLY:-} glob=$glob $(git -C "$kdir" rev-parse HEAD)" >>"$FAKE_LOG"
if grep -rq BUILD_BREAK "$kdir/kernel"; then
	echo "make: *** [Makefile] Error 2" >"$run/kunit.out"
	exit 1
fi
echo "Starting KUnit Kernel (1/1)..." >"$run/kunit.out"
[ -f "$kdir/kernel/lazy_tlb_test.c" ] || { echo "no tests run"; exit 1; }
if grep -q LAZY_BUG "$kdir/include/linux/sched/mm.h"; then
	echo "kunit x86_64/refcount: 3 passed, 1 failed, 0 skipped"
	exit 1
fi
echo "kunit x86_64/refcount: 4 passed, 0 failed, 0 skipped"
'''

# (subject, [(file, old line or None for a new file, new text), ...]).
SERIES = [
    ('lazy tlb: add helpers', [('include/linux/sched/mm.h',
                                '/* mm 5 */', '/* mm 5: lazy helpers */')]),
    ('sched/core: use the helpers', [('kernel/sched/core.c',
                                      'int core_line_10;', 'int core_line_10_lazy;')]),
    ('fork: count lazy users', [('kernel/fork.c',
                                 'int fork_line_30;', 'int fork_line_30_lazy;')]),
    ('lazy tlb: skip the drop (planted bug)', [('include/linux/sched/mm.h',
                                                '/* mm 12 */', '/* mm 12 LAZY_BUG */')]),
    ('sched/core: more helpers', [('kernel/sched/core.c',
                                   'int core_line_30;', 'int core_line_30_lazy;')]),
    ('lazy tlb: add a KUnit suite', [('kernel/lazy_tlb_test.c', None,
                                      'static struct kunit_suite s = {\n'
                                      '\t.name = "lazy_tlb",\n};\n')]),
]


@host_test.needs('xz', 'quilt')
class BisectTest(host_test.Fixture):
    """scripts/bisect.sh on a fixture import, with a fake kunit.sh."""

    def setUp(self):
        super().setUp()
        self.log = os.path.join(self.tmp, 'fake.log')
        fake = os.path.join(self.top, 'scripts', 'kunit.sh')
        write(fake, FAKE_KUNIT_SH)
        os.chmod(fake, os.stat(fake).st_mode | stat.S_IXUSR)
        # Debian's tarball, in small: the import is made from it.
        src = os.path.join(self.tmp, 'tarball-src', 'linux-source-6.1')
        host_test.make_fixture_tree(src)
        # As Debian's: everything at the top level is ignored, so files a
        # step adds are untracked *and* ignored.
        write(os.path.join(src, '.gitignore'), '/*\n!/debian/\n')
        self.tarball = os.path.join(self.tmp, 'linux-source-6.1.tar.xz')
        sh(['tar', '-C', os.path.dirname(src), '-cJf', self.tarball,
            'linux-source-6.1'])
        self.env['LAZYMM_TARBALL'] = self.tarball
        self.env['FAKE_LOG'] = self.log
        self.write_series(SERIES)
        self.subjects = [subject for subject, _ in SERIES]

    def write_series(self, series):
        """Replace the clone's series with SERIES made by git format-patch."""
        src = os.path.join(self.tmp, 'bisect-src')
        if os.path.exists(src):
            subprocess.run(['rm', '-rf', src], check=True)
        host_test.make_fixture_tree(src)
        sh(['git', 'init', '-q'], cwd=src)
        sh(['git', 'add', '-A'], cwd=src)
        sh(['git', 'commit', '-qm', 'base'], cwd=src)
        for subject, edits in series:
            for rel, old, new in edits:
                path = os.path.join(src, rel)
                if old is None:
                    write(path, new)
                else:
                    replace_line(path, old, new)
            sh(['git', 'add', '-A'], cwd=src)
            sh(['git', 'commit', '-qm', subject + '\n\nWhy: a fixture.'],
               cwd=src)
        pdir = os.path.join(self.top, 'patches')
        for name in os.listdir(pdir):
            os.unlink(os.path.join(pdir, name))
        sh(['git', 'format-patch', '-q', '-N', '--zero-commit',
            '--no-signature', '-o', pdir, f'HEAD~{len(series)}'], cwd=src)
        self.patches = sorted(n for n in os.listdir(pdir)
                              if n.endswith('.patch'))
        self.subjects = [subject for subject, _ in series]
        write(os.path.join(pdir, 'series'),
              '# fixture\n' + ''.join(n + '\n' for n in self.patches))

    def bisect(self, *args, env=None):
        return self.script('bisect.sh', '--no-deps', *args, env=env)

    def fake_runs(self):
        with open(self.log) as f:
            return f.read().splitlines()

    def assertNames(self, r, index):
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(f'first bad patch: {self.patches[index]}\n', r.stdout)
        self.assertIn(f'subject: {self.subjects[index]}\n', r.stdout)

    def test_misspelt_suite_refused_before_building(self):
        for test, words in (('kunit:lazy_tbl', ('TEST=kunit:lazy_tbl', 'lazy_tlb')),
                            ('kunit:lazy_tlb.nosuch', ('no case nosuch',)),
                            ('kunit:lazy_x*', ('names no suite',))):
            with self.subTest(test=test):
                r = self.bisect('--good', 'base', '--bad', 'end', '--test', test)
                self.assertFailsWith(r, *words)
        self.assertFalse(os.path.exists(self.log))
        self.assertFalse(os.path.exists(self.env['LAZYMM_RESULTS']))

    def test_results_record_the_command(self):
        r = self.bisect('--good', 'base', '--bad', 'end', '--test', 'kunit:lazy_tlb',
                        '--build-fail', 'bad')
        self.assertEqual(r.returncode, 0, r.stderr)
        res = self.results_dir()
        self.assertIn('--build-fail bad', self.read(res, 'bisect.cmd'))
        record = self.read(res, 'record')
        self.assertRegex(record, r'(?m)^series=[0-9a-f]{16}$')
        self.assertIn('kernel=6.1.99\n', record)
        self.assertRegex(record, r'(?m)^command=\S*bisect.sh --no-deps --good base ')

    def test_names_the_planted_patch(self):
        r = self.bisect('--good', 'base', '--bad', 'end',
                        '--test', 'kunit:lazy_tlb')
        self.assertNames(r, 3)
        # Each step is printed once, as it ends, with the steps left.
        steps = self.read(self.results_dir(), 'steps').splitlines()
        said = [l for l in r.stderr.splitlines() if l.startswith('lazymm: step ')]
        self.assertEqual([l.split(' (')[0] for l in said],
                         ['lazymm: step ' + s for s in steps])
        self.assertRegex(said[0], r'\(\d+ more to go, roughly\)$')
        runs = self.fake_runs()
        # A bisection, not a walk: fewer runs than patches.  The tree is
        # tested as it is (no second apply of the series on top of it).
        self.assertLess(len(runs), len(SERIES))
        for line in runs:
            self.assertTrue(line.startswith('NO_APPLY=1 glob=lazy_tlb '), line)

    def test_patch_inserted_into_numbered_series(self):
        # A patch inserted as 0003a: numbers name files, not positions.
        pdir = os.path.join(self.top, 'patches')
        new = '0003a-' + self.patches[3].split('-', 1)[1]
        os.rename(os.path.join(pdir, self.patches[3]), os.path.join(pdir, new))
        for i in range(4, len(self.patches)):
            old = self.patches[i]
            self.patches[i] = f'{i:04d}-' + old.split('-', 1)[1]
            os.rename(os.path.join(pdir, old), os.path.join(pdir, self.patches[i]))
        self.patches[3] = new
        write(os.path.join(pdir, 'series'), ''.join(n + '\n' for n in self.patches))
        r = self.bisect('--good', '0003', '--bad', 'end',
                        '--test', 'kunit:lazy_tlb')
        self.assertNames(r, 3)
        self.assertFailsWith(self.bisect('--good', '0003a', '--bad', '3',
                                         '--test', 'kunit:lazy_tlb'),
                             'not before BAD=3')

    def test_suite_overlaid_on_commits_without_it(self):
        # Patch 4 (the bug) is before the suite exists: only the overlay of
        # the suite's patch on top can show it is the bad one.
        r = self.bisect('--good', 'base', '--bad', '5',
                        '--test', 'kunit:lazy_tlb')
        self.assertNames(r, 3)
        tree = os.path.join(self.env['LAZYMM_CACHE'], 'series', 'linux')
        # The overlay is gone again, and HEAD is back at the series' end.
        self.assertEqual(sh(['git', 'status', '--porcelain'], cwd=tree).stdout, '')
        self.assertTrue(os.path.exists(os.path.join(tree, 'kernel/lazy_tlb_test.c')))
        steps = self.read(self.results_dir(), 'steps')
        self.assertIn(self.patches[3] + ' bad ', steps)
        # Each step had the suite (the overlay of one step is gone before
        # the next applies it again), so none was untestable.
        self.assertNotIn(' skip ', steps)
        self.assertIn(' good ', steps)

    def test_second_run_reuses_import_and_commits(self):
        self.bisect('--good', 'base', '--bad', 'end', '--test', 'kunit:lazy_tlb')
        repo = os.path.join(self.env['LAZYMM_CACHE'], 'base', 'linux')
        mtime = os.stat(os.path.join(repo, '.git', 'lazymm-base')).st_mtime
        map1 = self.read(os.path.join(self.env['LAZYMM_CACHE'], 'series'), 'series.map')
        r = self.bisect('--good', 'base', '--bad', 'end', '--test', 'kunit:lazy_tlb')
        self.assertNames(r, 3)
        self.assertEqual(os.stat(os.path.join(repo, '.git', 'lazymm-base')).st_mtime, mtime)
        self.assertEqual(self.read(os.path.join(self.env['LAZYMM_CACHE'], 'series'),
                                   'series.map'), map1)

    def test_build_failure_is_skipped_by_default(self):
        # Patch 5 breaks the build from there on: the answer is still 4.
        series = list(SERIES)
        series[4] = ('sched/core: break the build', [(
            'kernel/sched/core.c', 'int core_line_30;',
            'int core_line_30 BUILD_BREAK;')])
        self.write_series(series)
        r = self.bisect('--good', 'base', '--bad', 'end',
                        '--test', 'kunit:lazy_tlb')
        self.assertNames(r, 3)
        self.assertIn(' skip ', self.read(self.results_dir(), 'steps'))

    def results_dir(self):
        res = self.env['LAZYMM_RESULTS']
        runs = sorted(d for d in os.listdir(res) if d.startswith('bisect-'))
        return os.path.join(res, runs[-1])

    def test_untestable_neighbour_is_inconclusive_or_bad(self):
        # Patch 3 does not build; patch 4 mends that and plants the bug.
        # Either could be the first bad one: inconclusive, naming both.
        series = list(SERIES)
        series[2] = ('fork: break the build', [(
            'kernel/fork.c', 'int fork_line_30;', 'int fork_line_30 BUILD_BREAK;')])
        series[3] = ('lazy tlb: mend the build, plant the bug', [
            ('kernel/fork.c', 'int fork_line_30 BUILD_BREAK;', 'int fork_line_30;'),
            ('include/linux/sched/mm.h', '/* mm 12 */', '/* mm 12 LAZY_BUG */')])
        self.write_series(series)
        r = self.bisect('--good', 'base', '--bad', 'end',
                        '--test', 'kunit:lazy_tlb')
        self.assertFailsWith(r, 'inconclusive')
        self.assertIn(self.patches[2], r.stderr)
        self.assertIn(self.patches[3], r.stderr)
        # With BUILD_FAIL=bad, the build break is the first bad patch.
        r = self.bisect('--good', 'base', '--bad', 'end',
                        '--test', 'kunit:lazy_tlb', '--build-fail', 'bad')
        self.assertNames(r, 2)

    def test_bad_that_passes_is_refused(self):
        r = self.bisect('--good', 'base', '--bad', '3',
                        '--test', 'kunit:lazy_tlb')
        self.assertFailsWith(r, 'BAD=3 passes')

    def test_good_that_fails_is_refused(self):
        r = self.bisect('--good', '4', '--bad', '5',
                        '--test', 'kunit:lazy_tlb')
        self.assertFailsWith(r, 'GOOD=4 fails')

    def test_user_git_tree(self):
        kdir = self.new_tree(git=True)
        sh(['git', 'checkout', '-q', '-b', 'mine'], cwd=kdir)
        head = sh(['git', 'rev-parse', 'HEAD'], cwd=kdir).stdout
        r = self.bisect('--good', 'base', '--bad', 'end',
                        '--test', 'kunit:lazy_tlb', '--kdir', kdir)
        self.assertNames(r, 3)
        # The user's checkout is where it was, on its branch, untouched.
        self.assertEqual(sh(['git', 'rev-parse', 'HEAD'], cwd=kdir).stdout, head)
        self.assertEqual(sh(['git', 'symbolic-ref', 'HEAD'], cwd=kdir).stdout,
                         'refs/heads/mine\n')
        self.assertEqual(sh(['git', 'status', '--porcelain'], cwd=kdir).stdout, '')
        # No bisection is left open in its repository or our worktree of it.
        self.assertNoBisectState(os.path.join(kdir, '.git'))

    def assertNoBisectState(self, gitdir):
        left = [os.path.join(d, f) for d, _, files in os.walk(gitdir)
                for f in files if f.startswith('BISECT_')]
        self.assertEqual(left, [])
        self.assertEqual(sh(['git', 'for-each-ref', 'refs/bisect'], cwd=gitdir).stdout, '')

    def test_user_tree_with_series_applied_bisects_from_its_base(self):
        kdir = self.new_tree(git=True)
        self.script('apply.sh', kdir, check=True)
        r = self.bisect('--good', 'base', '--bad', 'end',
                        '--test', 'kunit:lazy_tlb', '--kdir', kdir)
        self.assertNames(r, 3)

    def test_dirty_kdir_refused(self):
        kdir = self.new_tree(git=True)
        replace_line(os.path.join(kdir, 'kernel/fork.c'),
                     'int fork_line_3;', 'int fork_line_3_mine;')
        r = self.bisect('--good', 'base', '--bad', 'end',
                        '--test', 'kunit:lazy_tlb', '--kdir', kdir)
        self.assertFailsWith(r, 'uncommitted changes', 'commit or stash')
        self.assertFalse(os.path.exists(self.log))

    def test_plain_kdir_refused(self):
        kdir = self.new_tree()
        r = self.bisect('--good', 'base', '--bad', 'end',
                        '--test', 'kunit:lazy_tlb', '--kdir', kdir)
        self.assertFailsWith(r, 'not a git tree')

    def test_bad_inputs(self):
        cases = [
            (('--good', '4', '--bad', '2', '--test', 'kunit:lazy_tlb'),
             'not before BAD=2'),
            (('--good', '3', '--bad', '3', '--test', 'kunit:lazy_tlb'),
             'not before BAD=3'),
            (('--good', '0042-nope.patch', '--bad', 'end', '--test', 'kunit:x'),
             'GOOD=0042-nope.patch is not a patch'),
            (('--good', 'base', '--bad', 'nope', '--test', 'kunit:x'),
             'BAD=nope is not a patch'),
            (('--good', 'base', '--bad', 'end', '--test', 'boot:10'),
             'unknown TEST=boot:10'),
            (('--good', 'base', '--bad', 'end', '--test', 'kunit:'),
             'unknown TEST=kunit:'),
            (('--good', 'base', '--bad', 'end', '--test', 'torture:soon'),
             'needs a duration'),
            (('--good', 'base', '--bad', 'end'), 'no TEST'),
            (('--bad', 'end', '--test', 'kunit:x'), 'no GOOD'),
            (('--good', 'base', '--bad', 'end', '--test', 'kunit:x',
              '--arch', 'vax'), 'unknown ARCH=vax'),
            (('--good', 'base', '--bad', 'end', '--test', 'kunit:x',
              '--build-fail', 'maybe'), 'unknown BUILD_FAIL=maybe'),
        ]
        for args, words in cases:
            with self.subTest(args=args):
                self.assertFailsWith(self.bisect(*args), words)
        self.assertFalse(os.path.exists(self.log))

    def test_torture_without_torture_sh(self):
        path = os.path.join(self.top, 'scripts', 'torture.sh')
        if os.path.exists(path):
            os.unlink(path)
        r = self.bisect('--good', 'base', '--bad', 'end', '--test', 'torture:30')
        self.assertFailsWith(r, 'needs scripts/torture.sh')

    def test_torture_exit_codes(self):
        # torture.sh: 0 pass, 1 fail, 77 cannot run (a skip).  Here it
        # cannot run before patch 2, and fails from the planted bug on.
        fake = os.path.join(self.top, 'scripts', 'torture.sh')
        write(fake, FAKE_KUNIT_SH
              .replace('--run-dir) run=$2; shift ;;',
                       '--run-dir) run=$2; shift ;;\n\t--duration) glob=$2; shift ;;')
              .replace('[ -f "$kdir/kernel/lazy_tlb_test.c" ] || { echo "no tests run"; exit 1; }',
                       'grep -q core_line_10_lazy "$kdir/kernel/sched/core.c" || exit 77'))
        os.chmod(fake, 0o755)
        r = self.bisect('--good', 'base', '--bad', 'end', '--test', 'torture:30')
        self.assertNames(r, 3)
        self.assertIn('glob=30 ', self.fake_runs()[0])
        r = self.bisect('--good', '4', '--bad', 'end', '--test', 'torture:30')
        self.assertFailsWith(r, 'GOOD=4 fails')

    def test_make_bisect(self):
        r = sh(['make', '-s', '-C', host_test.TOP, 'bisect', 'GOOD=base'],
               check=False)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn('no BAD patch', r.stderr)
