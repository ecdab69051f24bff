# SPDX-License-Identifier: GPL-2.0
"""Host-side tests of make export: the fixture series applied to a git tree
with make apply, edited there, and written back into patches/."""
import os

import host_test
from host_test import sh, write, replace_line

COVER = 'From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001\n' \
        'Subject: [PATCH 0/3] fixture\n\nThe prose.\n'


class ExportTest(host_test.Fixture):

    def setUp(self):
        super().setUp()
        pdir = os.path.join(self.top, 'patches')
        for name in os.listdir(pdir):
            os.unlink(os.path.join(pdir, name))
        # The series as ours are made: 9-character index lines, no signature.
        sh(['git', 'format-patch', '-q', '-N', '--zero-commit', '--no-signature',
            '--abbrev=9', '-o', pdir, 'HEAD~3'],
           cwd=os.path.join(self.tmp, 'series-src'))
        self.patches = sorted(n for n in os.listdir(pdir) if n.endswith('.patch'))
        write(os.path.join(pdir, 'series'),
              '# fixture series\n\n### topic one\n' + self.patches[0] + '\n'
              + self.patches[1] + '\n\n### topic two\n' + self.patches[2] + '\n')
        write(os.path.join(pdir, '0000-cover-letter.patch'), COVER)
        self.kdir = self.new_tree(git=True)
        self.script('apply.sh', self.kdir, check=True)
        self.before = self.snapshot()

    def snapshot(self):
        pdir = os.path.join(self.top, 'patches')
        return {n: self.read(pdir, n) for n in sorted(os.listdir(pdir))}

    def changed(self):
        after = self.snapshot()
        return sorted(n for n in set(after) | set(self.before)
                      if after.get(n) != self.before.get(n))

    def git(self, *args, env=None):
        return sh(['git'] + list(args), cwd=self.kdir, env=env)

    def export(self):
        return self.script('export.sh', self.kdir)

    def test_unchanged_series_is_byte_identical(self):
        # Whatever the user's git config says about diffs and abbreviations.
        self.git('config', 'core.abbrev', '12')
        self.git('config', 'diff.noprefix', 'true')
        self.git('config', 'format.signature', 'mine')
        r = self.export()
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.changed(), [])
        self.assertIn('0 changed, 0 added, 0 removed', r.stderr)

    def test_fixup_and_rebase_rewrite_that_patch_only(self):
        replace_line(os.path.join(self.kdir, 'kernel/sched/core.c'),
                     'int core_line_10_lazy;', 'int core_line_10_lazier;')
        self.git('commit', '-qa', '--fixup=HEAD~1')
        self.git('rebase', '-q', '-i', '--autosquash', 'refs/lazymm/base',
                 env={'GIT_SEQUENCE_EDITOR': 'true'})
        r = self.export()
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.changed(), [self.patches[1]])
        self.assertIn('core_line_10_lazier', self.read(self.top, 'patches/' + self.patches[1]))
        self.assertIn('1 changed, 0 added, 0 removed', r.stderr)

    def test_new_commit_goes_after_its_predecessor(self):
        # A commit inserted after the first: "0001a", in topic one.
        orig = self.git('rev-parse', 'HEAD').stdout.strip()
        self.git('checkout', '-q', '-b', 'edit', 'HEAD~2')
        replace_line(os.path.join(self.kdir, 'kernel/fork.c'),
                     'int fork_line_5;', 'int fork_line_5_new;')
        self.git('commit', '-qam', 'fork: a new first-topic patch')
        self.git('cherry-pick', orig + '~1', orig)
        order = self.git('log', '--reverse', '--format=%s', 'refs/lazymm/base..').stdout
        r = self.export()
        self.assertEqual(r.returncode, 0, r.stderr)
        series = [l for l in self.read(self.top, 'patches/series').splitlines()]
        entries = [l for l in series if l and not l.startswith('#')]
        self.assertEqual(len(entries), 4, series)
        self.assertEqual(order.splitlines()[1], 'fork: a new first-topic patch')
        self.assertEqual(entries[1], '0001a-fork-a-new-first-topic-patch.patch')
        self.assertEqual(series.index(entries[1]), series.index(self.patches[0]) + 1)
        self.assertIn('### topic two', series)
        self.assertIn('1 added', r.stderr)
        self.assertEqual(self.read(self.top, 'patches/0000-cover-letter.patch'), COVER)

    def test_needs_a_tree_make_apply_started(self):
        kdir = self.new_tree('other', git=True)
        r = self.script('export.sh', kdir)
        self.assertFailsWith(r, 'no refs/lazymm/base', 'make apply')
        self.assertEqual(self.changed(), [])

    def test_uncommitted_changes_refused(self):
        replace_line(os.path.join(self.kdir, 'kernel/fork.c'),
                     'int fork_line_5;', 'int fork_line_5_wip;')
        self.assertFailsWith(self.export(), 'uncommitted changes')
        self.assertEqual(self.changed(), [])
