#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Host-side tests of the lazymm scripts: no kernel build, no network.

Usage: tests/host_test.py [--counts FILE] [--jobs N]
                          [--any-tool | --without TOOL,...] [-v] [unittest options]

Each test copies the scripts and data into a scratch "clone" with a small
synthetic series, made with git format-patch against a small kernel-like
fixture tree, and runs the scripts there as a user would.  --counts writes
"passed failed skipped" to FILE for scripts/test.sh.  --jobs N runs the
tests in N processes at once (make check: one per CPU), dealt out in
turn, each process's output printed whole when it ends.  The tests see only
the programs of the base machine and of scripts/deps.sh --host-tests on
their PATH (--any-tool: all of it); a test that needs one of those not
installed is skipped, naming it.
"""
import collections
import glob
import hashlib
import functools
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# The fixture kernel: what the scripts look at, and files for patches to touch.
FIXTURE_FILES = {
    'Makefile': 'VERSION = 6\nPATCHLEVEL = 1\nSUBLEVEL = 99\nEXTRAVERSION =\n',
    'Kconfig': 'source "mm/Kconfig"\n',
    'mm/Kconfig': 'config MMU\n\tdef_bool y\n',
    'kernel/fork.c': ''.join(f'int fork_line_{i};\n' for i in range(40)),
    'kernel/sched/core.c': ''.join(f'int core_line_{i};\n' for i in range(40)),
    'include/linux/sched/mm.h': ''.join(f'/* mm {i} */\n' for i in range(20)),
}

GIT_ENV = {
    'GIT_AUTHOR_NAME': 'lazymm', 'GIT_AUTHOR_EMAIL': 'lazymm@localhost',
    'GIT_COMMITTER_NAME': 'lazymm', 'GIT_COMMITTER_EMAIL': 'lazymm@localhost',
    'GIT_CONFIG_NOSYSTEM': '1',
}


def dpkg_status():
    """{package: (depends, provides)} of the packages dpkg has installed."""
    out = subprocess.run(
        ['dpkg-query', '-W', '-f', '${Package}\t${db:Status-Status}\t'
         '${Pre-Depends}, ${Depends}\t${Provides}\n'],
        check=True, text=True, stdout=subprocess.PIPE).stdout
    status = {}
    for line in out.splitlines():
        name, state, deps, provides = line.split('\t')
        if state == 'installed':
            status[name] = (deps, provides)
    return status


def package_closure(names, status):
    """names and all they depend on, among the installed packages."""
    providers = {}
    for name, (_, provides) in status.items():
        for p in provides.split(','):
            if p.strip():
                providers.setdefault(p.split()[0].split(':')[0], []).append(name)
    todo, seen = list(names), set()
    while todo:
        name = todo.pop()
        for cand in [name] + providers.get(name, []):
            if cand in status and cand not in seen:
                seen.add(cand)
                for dep in status[cand][0].split(','):
                    # "a (>= 1) | b:any": every installed alternative.
                    todo += [alt.split()[0].split(':')[0]
                             for alt in dep.split('|') if alt.strip()]
    return seen


def base_packages(status):
    """Debian's Priority: required packages: every machine has them."""
    out = subprocess.run(['dpkg-query', '-W', '-f', '${Package} ${Priority}\n'],
                         check=True, text=True, stdout=subprocess.PIPE).stdout
    return [l.split()[0] for l in out.splitlines()
            if l.endswith(' required') and l.split()[0] in status]


def deps_list(*args):
    """The packages scripts/deps.sh names for a target (deps.sh --list)."""
    return subprocess.run([os.path.join(TOP, 'scripts', 'deps.sh'), '--list']
                          + list(args), check=True, text=True,
                          stdout=subprocess.PIPE).stdout.split()


def deps_var(name):
    """A package list of scripts/deps.sh, e.g. BASE_PACKAGES."""
    with open(os.path.join(TOP, 'scripts', 'deps.sh')) as f:
        m = re.search(r'^%s="([^"]*)"' % name, f.read(), re.M)
    return m.group(1).split()


BIN_DIRS = ('/usr/bin', '/usr/sbin', '/bin', '/sbin')


def declared_tools_path(dest):
    """Fill dest with links to the programs of the base machine and of what
    make check installs (scripts/deps.sh --host-tests), and nothing else;
    return it as a PATH.  A test or script that runs any other program then
    fails here, on every machine, as it would on a new one."""
    status = dpkg_status()
    pkgs = package_closure(base_packages(status) + deps_var('BASE_PACKAGES')
                           + deps_list('--host-tests'), status)
    files = set()
    for pkg in pkgs:
        for lst in glob.glob(f'/var/lib/dpkg/info/{pkg}.list') + \
                glob.glob(f'/var/lib/dpkg/info/{pkg}:*.list'):
            with open(lst) as f:
                files.update(os.path.realpath(l.strip()) for l in f
                             if os.path.dirname(l.strip()) in BIN_DIRS)
    os.makedirs(dest, exist_ok=True)
    # Names by which those files are reached: theirs, and links such as
    # /usr/bin/awk -> /etc/alternatives/awk -> /usr/bin/mawk.
    for d in BIN_DIRS:
        if not os.path.isdir(d):
            continue
        for name in os.listdir(d):
            path = os.path.join(d, name)
            link = os.path.join(dest, name)
            if (os.path.realpath(path) in files and os.access(path, os.X_OK)
                    and not os.path.lexists(link)):
                os.symlink(path, link)
    return dest


def needs(*tools):
    """Decorate a test or a test class: skip it, naming what installs them,
    unless each tool is on the PATH the tests run with."""
    def check(test):
        missing = [t for t in tools if not shutil.which(t)]
        if missing:
            test.skipTest(f'{", ".join(missing)} not installed; make check '
                          'installs it (scripts/deps.sh --host-tests)')

    def decorate(obj):
        if isinstance(obj, type):
            set_up = obj.setUp

            def setUp(self):
                check(self)
                set_up(self)
            obj.setUp = setUp
            return obj

        @functools.wraps(obj)
        def test(self, *args, **kwargs):
            check(self)
            return obj(self, *args, **kwargs)
        return test
    return decorate


def sh(cmd, cwd=None, env=None, check=True):
    """Run cmd (a list); return CompletedProcess with text output."""
    full_env = dict(os.environ, **GIT_ENV)
    if env:
        full_env.update(env)
    return subprocess.run(cmd, cwd=cwd, env=full_env, check=check, text=True,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w') as f:
        f.write(text)


def tree_digest(root):
    """A hash of every file's path and content below root (.git excluded)."""
    h = hashlib.sha256()
    for dirpath, dirnames, filenames in sorted(os.walk(root)):
        dirnames[:] = sorted(d for d in dirnames if d != '.git')
        for name in sorted(filenames):
            path = os.path.join(dirpath, name)
            h.update(os.path.relpath(path, root).encode())
            with open(path, 'rb') as f:
                h.update(f.read())
    return h.hexdigest()


def make_fixture_tree(root):
    for rel, text in FIXTURE_FILES.items():
        write(os.path.join(root, rel), text)


def replace_line(path, old, new):
    with open(path) as f:
        text = f.read()
    assert old in text, (path, old)
    write(path, text.replace(old, new, 1))


class Fixture(unittest.TestCase):
    """A scratch clone (scripts + data + a 3-patch series) and trees."""

    def setUp(self):
        if not shutil.which('git'):
            self.skipTest('git not installed; make check installs it '
                          '(scripts/deps.sh --host-tests)')
        self.tmp = tempfile.mkdtemp(prefix='lazymm-test.')
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.top = os.path.join(self.tmp, 'clone')
        for d in ('scripts', 'kunit', 'kconfig'):
            shutil.copytree(os.path.join(TOP, d), os.path.join(self.top, d))
        os.makedirs(os.path.join(self.top, 'patches'))
        # No Debian tarball unless a test makes one: the host's own
        # linux-source-6.1 (1.5 GB to import) is never used.
        self.env = {'LAZYMM_CACHE': os.path.join(self.tmp, 'cache'),
                    'LAZYMM_RESULTS': os.path.join(self.tmp, 'results'),
                    'LAZYMM_TARBALL': os.path.join(self.tmp, 'no-linux-source-6.1.tar.xz')}
        self.make_series()

    def make_series(self):
        """Three patches made with git format-patch on a fixture tree."""
        src = os.path.join(self.tmp, 'series-src')
        make_fixture_tree(src)
        sh(['git', 'init', '-q'], cwd=src)
        sh(['git', 'add', '-A'], cwd=src)
        sh(['git', 'commit', '-qm', 'base'], cwd=src)
        edits = [
            ('lazy tlb: add helpers', 'include/linux/sched/mm.h',
             '/* mm 5 */', '/* mm 5: lazy helpers */'),
            ('sched: use the helpers', 'kernel/sched/core.c',
             'int core_line_10;', 'int core_line_10_lazy;'),
            ('fork: new file and an edit', 'kernel/fork.c',
             'int fork_line_30;', 'int fork_line_30_lazy;'),
        ]
        for subject, rel, old, new in edits:
            replace_line(os.path.join(src, rel), old, new)
            if rel == 'kernel/fork.c':
                write(os.path.join(src, 'kernel/lazy_tlb.c'), 'int lazy;\n')
            sh(['git', 'add', '-A'], cwd=src)
            sh(['git', 'commit', '-qm', subject], cwd=src)
        out = sh(['git', 'format-patch', '-q', '-o',
                  os.path.join(self.top, 'patches'), 'HEAD~3'], cwd=src)
        del out
        names = sorted(n for n in os.listdir(os.path.join(self.top, 'patches'))
                       if n.endswith('.patch'))
        write(os.path.join(self.top, 'patches', 'series'),
              '# fixture series\n' + ''.join(n + '\n' for n in names))
        self.patches = names

    def new_tree(self, name='linux', git=False):
        root = os.path.join(self.tmp, name)
        make_fixture_tree(root)
        if git:
            sh(['git', 'init', '-q'], cwd=root)
            sh(['git', 'add', '-A'], cwd=root)
            sh(['git', 'commit', '-qm', 'Linux 6.1.99'], cwd=root)
        return root

    def script(self, name, *args, env=None, check=False):
        e = dict(self.env)
        if env:
            e.update(env)
        return sh([os.path.join(self.top, 'scripts', name)] + list(args),
                  env=e, check=check)

    def assertFailsWith(self, proc, *words):
        """Exit 1, and a one-line 'lazymm: ...' cause naming each word."""
        self.assertEqual(proc.returncode, 1, proc.stderr)
        last = proc.stderr.strip().splitlines()[-1]
        self.assertTrue(last.startswith('lazymm: '), last)
        for w in words:
            self.assertIn(w, last)

    def break_patch(self, index):
        """Make patch #index expect a line the tree does not have."""
        path = os.path.join(self.top, 'patches', self.patches[index])
        with open(path) as f:
            text = f.read()
        write(path, text.replace(' int core_line_9;', ' int core_line_9x;')
              .replace(' int fork_line_29;', ' int fork_line_29x;'))

    def read(self, root, rel):
        with open(os.path.join(root, rel)) as f:
            return f.read()


@needs('quilt')
class NapTest(Fixture):
    """lib.sh's nap: a background progress loop ends with its owner's kill."""

    def bash(self, body):
        return sh(['bash', '-c', f'set -euo pipefail; . {self.top}/scripts/lib.sh; {body}'],
                  env=self.env, check=False)

    def test_killed_loop_leaves_no_sleep(self):
        # Killed at once, as often as can be: a TERM between the sleep's
        # start and the trap would leave a sleep behind, holding the pipes
        # this test reads until it ends (41.7 s).
        t0 = time.time()
        r = self.bash('f() { while nap 41.7; do :; done; }; '
                      'for i in $(seq 300); do f & p=$!; kill $p; wait $p || :; done')
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertLess(time.time() - t0, 30)

    def test_main_shell_refused(self):
        r = self.bash('trap "echo mine" TERM; nap 0')
        self.assertEqual(r.returncode, 1)
        self.assertIn('nap is for background loops', r.stderr)


class KbuildGuardTest(Fixture):
    """lib.sh's kbuild_begin/kbuild_end: after a build killed outright, the
    next one first removes what the killed one wrote."""

    def test_killed_build_undone_ended_build_kept(self):
        out = os.path.join(self.tmp, 'out')
        files = {'init/main.o': 0, 'init/.main.o.cmd': 0,      # before it
                 'mm/slab.o': 5, 'mm/.slab.o.cmd': 0,           # object half written
                 'mm/.vmscan.o.cmd': 5,                         # .cmd cut short
                 'kernel/fork.o': 5, 'kernel/.fork.o.cmd': 5,   # written whole
                 '.config': 5, 'include/generated/bounds.h': 5}  # no .cmd: kept
        for name, t in files.items():
            write(os.path.join(out, name), 'x')
            os.utime(os.path.join(out, name), (t, t))
        lib = f'. {self.top}/scripts/lib.sh'
        # A build that ended leaves nothing for the next one to undo.
        r = sh(['bash', '-c', f'set -euo pipefail; {lib}; kbuild_begin {out}; kbuild_end {out}'],
               env=self.env, check=False)
        self.assertEqual((r.returncode, r.stderr), (0, ''))
        self.assertEqual(sorted(files), sorted(
            os.path.relpath(os.path.join(d, n), out) for d, _, ns in os.walk(out) for n in ns))
        write(os.path.join(out, '.lazymm-building'), '')
        os.utime(os.path.join(out, '.lazymm-building'), (1, 1))
        r = sh(['bash', '-c', f'set -euo pipefail; {lib}; kbuild_begin {out}'],
               env=self.env, check=False)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn('did not end (killed?); building again the 2 targets it wrote', r.stderr)
        left = sorted(os.path.relpath(os.path.join(d, n), out) for d, _, ns in os.walk(out)
                      for n in ns)
        self.assertEqual(left, ['.config', '.lazymm-building', 'include/generated/bounds.h',
                                'init/.main.o.cmd', 'init/main.o'])


class PlainTreeTest(Fixture):
    """make apply / unapply on a plain (quilt) tree."""

    def test_apply_then_unapply_restores_tree(self):
        kdir = self.new_tree()
        before = tree_digest(kdir)
        r = self.script('apply.sh', kdir)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn('core_line_10_lazy', self.read(kdir, 'kernel/sched/core.c'))
        self.assertTrue(os.path.exists(os.path.join(kdir, 'kernel/lazy_tlb.c')))
        r = self.script('unapply.sh', kdir)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(tree_digest(kdir), before)

    def test_reapply_is_a_noop(self):
        kdir = self.new_tree()
        self.script('apply.sh', kdir, check=True)
        applied = tree_digest(kdir)
        r = self.script('apply.sh', kdir)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn('already applied', r.stderr)
        self.assertEqual(tree_digest(kdir), applied)

    def test_failed_patch_named_and_tree_untouched(self):
        kdir = self.new_tree()
        self.break_patch(1)
        before = tree_digest(kdir)
        r = self.script('apply.sh', kdir)
        self.assertFailsWith(r, self.patches[1], 'kernel/sched/core.c',
                             'left as it was')
        self.assertEqual(tree_digest(kdir), before)

    def test_patch_needing_fuzz_refused_like_git_am(self):
        kdir = self.new_tree()
        # An outer context line of patch 2's hunk differs: fuzz would
        # apply it, git am would not; neither may.
        replace_line(os.path.join(kdir, 'kernel/sched/core.c'),
                     'int core_line_7;', 'int core_line_7_vendor;')
        before = tree_digest(kdir)
        r = self.script('apply.sh', kdir)
        self.assertFailsWith(r, self.patches[1], 'kernel/sched/core.c')
        self.assertEqual(tree_digest(kdir), before)

    def test_changed_series_replaces_old_version(self):
        kdir = self.new_tree()
        self.script('apply.sh', kdir, check=True)
        path = os.path.join(self.top, 'patches', self.patches[0])
        write(path, self.read(self.top, 'patches/' + self.patches[0])
              .replace('lazy helpers */', 'lazy helpers v2 */'))
        r = self.script('apply.sh', kdir)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn('lazy helpers v2', self.read(kdir, 'include/linux/sched/mm.h'))
        self.script('unapply.sh', kdir, check=True)
        self.assertEqual(tree_digest(kdir),
                         tree_digest(self.new_tree('pristine')))

    def test_unapply_refuses_to_lose_user_edits(self):
        kdir = self.new_tree()
        self.script('apply.sh', kdir, check=True)
        replace_line(os.path.join(kdir, 'kernel/sched/core.c'),
                     'core_line_10_lazy', 'core_line_10_mine')
        r = self.script('unapply.sh', kdir)
        self.assertFailsWith(r, 'changes on top of the series')
        self.assertIn('core_line_10_mine', self.read(kdir, 'kernel/sched/core.c'))

    def test_foreign_quilt_stack_refused(self):
        kdir = self.new_tree()
        os.makedirs(os.path.join(kdir, '.pc'))
        r = self.script('apply.sh', kdir)
        self.assertFailsWith(r, 'quilt stack of its own')

    def test_unapply_when_not_applied_is_a_noop(self):
        kdir = self.new_tree()
        r = self.script('unapply.sh', kdir)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn('not applied', r.stderr)


class BadTreeTest(Fixture):
    """KDIR that is not a 6.1.y kernel tree."""

    def test_wrong_version(self):
        kdir = self.new_tree()
        write(os.path.join(kdir, 'Makefile'),
              'VERSION = 5\nPATCHLEVEL = 15\nSUBLEVEL = 3\n')
        before = tree_digest(kdir)
        r = self.script('apply.sh', kdir)
        self.assertFailsWith(r, 'is Linux 5.15.3, not 6.1.y')
        self.assertEqual(tree_digest(kdir), before)

    def test_not_a_kernel_tree(self):
        kdir = os.path.join(self.tmp, 'empty')
        os.makedirs(kdir)
        r = self.script('apply.sh', kdir)
        self.assertFailsWith(r, 'not a Linux source tree')
        self.assertEqual(os.listdir(kdir), [])

    def test_missing_dir(self):
        r = self.script('apply.sh', os.path.join(self.tmp, 'nope'))
        self.assertFailsWith(r, 'does not exist')

    def test_kunit_refuses_wrong_version_before_building(self):
        kdir = self.new_tree()
        write(os.path.join(kdir, 'Makefile'), 'VERSION = 6\nPATCHLEVEL = 6\n'
              'SUBLEVEL = 1\n')
        r = self.script('kunit.sh', '--no-deps', '--kdir', kdir)
        self.assertFailsWith(r, 'not 6.1.y')

    def test_kunit_refuses_in_tree_build(self):
        kdir = self.new_tree()
        write(os.path.join(kdir, '.config'), 'CONFIG_MMU=y\n')
        r = self.script('kunit.sh', '--no-deps', '--kdir', kdir)
        self.assertFailsWith(r, 'in-tree build', 'mrproper')


class GitTreeTest(Fixture):
    """make apply / unapply on a git tree: one commit per patch."""

    def head(self, kdir):
        return sh(['git', 'rev-parse', 'HEAD'], cwd=kdir).stdout.strip()

    def test_apply_makes_one_commit_per_patch(self):
        kdir = self.new_tree(git=True)
        base = self.head(kdir)
        r = self.script('apply.sh', kdir)
        self.assertEqual(r.returncode, 0, r.stderr)
        log = sh(['git', 'log', '--format=%an <%ae> %s', base + '..'],
                 cwd=kdir).stdout.splitlines()
        self.assertEqual(log, ['lazymm <lazymm@localhost> fork: new file and an edit',
                               'lazymm <lazymm@localhost> sched: use the helpers',
                               'lazymm <lazymm@localhost> lazy tlb: add helpers'])
        r = self.script('apply.sh', kdir)
        self.assertIn('already applied', r.stderr)
        self.assertEqual(len(sh(['git', 'rev-list', base + '..'], cwd=kdir)
                             .stdout.split()), 3)
        self.script('unapply.sh', kdir, check=True)
        self.assertEqual(self.head(kdir), base)

    def branch(self, kdir):
        return sh(['git', 'symbolic-ref', '--short', 'HEAD'], cwd=kdir).stdout.strip()

    def test_series_goes_on_a_branch_of_our_own(self):
        kdir = self.new_tree(git=True)
        sh(['git', 'checkout', '-q', '-b', 'mine'], cwd=kdir)
        base = self.head(kdir)
        r = self.script('apply.sh', kdir)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.branch(kdir), 'lazymm')
        self.assertEqual(sh(['git', 'rev-parse', 'mine'], cwd=kdir).stdout.strip(), base)
        said = [l for l in r.stderr.splitlines() if 'branch' in l]
        self.assertEqual(len(said), 1, r.stderr)
        self.assertIn('a branch of our own, lazymm', said[0])
        self.assertIn('mine is left as it was', said[0])
        self.script('unapply.sh', kdir, check=True)
        self.assertEqual(self.branch(kdir), 'mine')
        self.assertEqual(self.head(kdir), base)
        self.assertEqual(sh(['git', 'branch', '--list', 'lazymm'], cwd=kdir).stdout, '')

    def test_failed_apply_leaves_the_users_branch(self):
        kdir = self.new_tree(git=True)
        sh(['git', 'checkout', '-q', '-b', 'mine'], cwd=kdir)
        self.break_patch(2)
        self.assertFailsWith(self.script('apply.sh', kdir), 'does not apply')
        self.assertEqual(self.branch(kdir), 'mine')
        self.assertEqual(sh(['git', 'branch', '--list', 'lazymm'], cwd=kdir).stdout, '')

    def test_current_branch_only_when_asked(self):
        kdir = self.new_tree(git=True)
        sh(['git', 'checkout', '-q', '-b', 'mine'], cwd=kdir)
        r = self.script('apply.sh', kdir, env={'LAZYMM_BRANCH': '.'})
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.branch(kdir), 'mine')
        self.assertEqual(sh(['git', 'rev-list', '--count', 'refs/lazymm/base..mine'],
                            cwd=kdir).stdout.strip(), '3')

    def test_edited_series_is_tested_as_it_is(self):
        kdir = self.new_tree(git=True)
        self.script('apply.sh', kdir, check=True)
        replace_line(os.path.join(kdir, 'kernel/sched/core.c'),
                     'int core_line_10_lazy;', 'int core_line_10_edited;')
        sh(['git', 'commit', '-qa', '--fixup=HEAD~1'], cwd=kdir)
        sh(['git', 'rebase', '-q', '-i', '--autosquash', 'refs/lazymm/base'],
           cwd=kdir, env={'GIT_SEQUENCE_EDITOR': 'true'})
        edited = self.head(kdir)
        r = self.script('apply.sh', kdir)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn('series edited on refs/lazymm/base (3 commits); testing it as it is',
                      r.stderr)
        self.assertIn('make export', r.stderr)
        self.assertEqual(self.head(kdir), edited)
        self.assertIn('core_line_10_edited', self.read(kdir, 'kernel/sched/core.c'))

    def test_as_is_applies_nothing(self):
        kdir = self.new_tree(git=True)
        base = self.head(kdir)
        r = self.script('apply.sh', kdir, env={'LAZYMM_AS_IS': '1'})
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn('AS_IS=1: testing KDIR=', r.stderr)
        self.assertEqual(self.head(kdir), base)

    def test_failed_patch_named_and_head_untouched(self):
        kdir = self.new_tree(git=True)
        base = self.head(kdir)
        self.break_patch(2)
        r = self.script('apply.sh', kdir)
        self.assertFailsWith(r, self.patches[2], 'kernel/fork.c', 'left as it was')
        self.assertEqual(self.head(kdir), base)
        self.assertEqual(sh(['git', 'status', '--porcelain'], cwd=kdir).stdout, '')

    def test_dirty_touched_file_refused(self):
        kdir = self.new_tree(git=True)
        replace_line(os.path.join(kdir, 'kernel/sched/core.c'),
                     'core_line_3;', 'core_line_3_wip;')
        base = self.head(kdir)
        r = self.script('apply.sh', kdir)
        self.assertFailsWith(r, 'uncommitted changes', 'kernel/sched/core.c')
        self.assertEqual(self.head(kdir), base)
        self.assertIn('core_line_3_wip', self.read(kdir, 'kernel/sched/core.c'))

    def test_dirty_untouched_file_is_fine(self):
        kdir = self.new_tree(git=True)
        write(os.path.join(kdir, 'Kconfig'), 'source "mm/Kconfig"\n# mine\n')
        r = self.script('apply.sh', kdir)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn('# mine', self.read(kdir, 'Kconfig'))

    def test_foreign_am_in_progress_refused(self):
        kdir = self.new_tree(git=True)
        self.break_patch(1)
        sh(['git', 'am', os.path.join(self.top, 'patches', self.patches[1])],
           cwd=kdir, check=False)
        r = self.script('apply.sh', kdir)
        self.assertFailsWith(r, 'in progress')

    def test_killed_am_is_recovered(self):
        """A run killed inside git am (no trap ran) is undone by the next."""
        kdir = self.new_tree(git=True)
        base = self.head(kdir)
        gitdir = os.path.join(kdir, '.git', 'lazymm')
        os.makedirs(gitdir)
        write(os.path.join(gitdir, 'applying'), '')
        good = self.read(self.top, 'patches/' + self.patches[2])
        self.break_patch(2)
        sh(['git', 'am'] + [os.path.join(self.top, 'patches', p)
                            for p in self.patches], cwd=kdir, check=False)
        self.assertNotEqual(self.head(kdir), base)  # 2 commits, am stopped
        write(os.path.join(self.top, 'patches', self.patches[2]), good)
        r = self.script('apply.sh', kdir)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn('interrupted', r.stderr)
        self.assertEqual(sh(['git', 'rev-parse', 'HEAD~3'], cwd=kdir)
                         .stdout.strip(), base)


class CarryTest(Fixture):
    """A 6.1.y the series does not apply to as it is: carried by three-way
    merge from the base it is made on (the fixture tarball's import)."""

    def setUp(self):
        super().setUp()
        src = os.path.join(self.tmp, 'tar-src')
        make_fixture_tree(os.path.join(src, 'linux-source-6.1'))
        tarball = os.path.join(self.tmp, 'linux-source-6.1.tar.xz')
        sh(['tar', '-C', src, '-cJf', tarball, 'linux-source-6.1'])
        self.env['LAZYMM_TARBALL'] = tarball

    def stable_tree(self, git=False, line='int core_line_8;',
                    new='int core_line_8_stable;'):
        """A tree where a later stable update changed a context line of
        patch 2's hunk (git am and quilt refuse it, a merge does not)."""
        kdir = self.new_tree(git=git)
        replace_line(os.path.join(kdir, 'kernel/sched/core.c'), line, new)
        if git:
            sh(['git', 'commit', '-qam', 'Linux 6.1.98'], cwd=kdir)
        return kdir

    @needs('quilt')
    def test_plain_tree_carried_and_unapplied(self):
        kdir = self.stable_tree()
        before = tree_digest(kdir)
        r = self.script('apply.sh', kdir)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(f'patch {self.patches[1]} does not apply', r.stderr)
        self.assertIn('carrying the series onto it by three-way merge', r.stderr)
        self.assertIn(f'{self.patches[1]}: merged in kernel/sched/core.c', r.stderr)
        self.assertIn('2 unchanged, 1 merged', r.stderr)
        core = self.read(kdir, 'kernel/sched/core.c')
        self.assertIn('int core_line_8_stable;', core)
        self.assertIn('int core_line_10_lazy;', core)
        self.assertIn('lazy helpers', self.read(kdir, 'include/linux/sched/mm.h'))
        r = self.script('apply.sh', kdir)
        self.assertIn('already applied', r.stderr)
        self.script('unapply.sh', kdir, check=True)
        self.assertEqual(tree_digest(kdir), before)

    def test_git_tree_carried_one_commit_each_and_not_exported(self):
        kdir = self.stable_tree(git=True)
        base = sh(['git', 'rev-parse', 'HEAD'], cwd=kdir).stdout.strip()
        r = self.script('apply.sh', kdir)
        self.assertEqual(r.returncode, 0, r.stderr)
        log = sh(['git', 'log', '--format=%s', base + '..'], cwd=kdir).stdout.split('\n')
        self.assertEqual(log[:3], ['fork: new file and an edit', 'sched: use the helpers',
                                   'lazy tlb: add helpers'])
        self.assertIn('int core_line_8_stable;', self.read(kdir, 'kernel/sched/core.c'))
        self.assertIn('int core_line_10_lazy;', self.read(kdir, 'kernel/sched/core.c'))
        self.assertEqual(sh(['git', 'status', '--porcelain'], cwd=kdir).stdout, '')
        before = {p: self.read(self.top, 'patches/' + p) for p in self.patches}
        r = self.script('export.sh', kdir)
        self.assertFailsWith(r, 'carried onto Linux 6.1.99')
        self.assertEqual({p: self.read(self.top, 'patches/' + p) for p in self.patches},
                         before)

    def conflict_tree(self, git=False):
        """The tree changed the very line patch 2 changes: a true conflict."""
        return self.stable_tree(git=git, line='int core_line_10;',
                                new='int core_line_10_vendor;')

    def test_conflict_named_with_hunks_and_tree_untouched(self):
        for git in (False, True):
            with self.subTest(git=git):
                kdir = self.conflict_tree(git=git)
                before = tree_digest(kdir)
                r = self.script('apply.sh', kdir)
                self.assertFailsWith(r, f'patch {self.patches[1]} conflicts',
                                     'kernel/sched/core.c', 'left as it was',
                                     'carry.sh --keep')
                self.assertIn('int core_line_10_vendor;', r.stderr)
                self.assertIn('int core_line_10_lazy;', r.stderr)
                self.assertEqual(tree_digest(kdir), before)
                shutil.rmtree(kdir)

    def test_recorded_resolution_is_reused(self):
        kdir = self.conflict_tree()
        keep = os.path.join(self.tmp, 'keep')
        r = self.script('carry.sh', '--keep', keep, kdir, os.path.join(self.tmp, 'out'))
        self.assertFailsWith(r, 'conflicts')
        self.assertIn(f'the merge is in {keep}', r.stderr)
        core = os.path.join(keep, 'kernel/sched/core.c')
        text = re.sub(r'<<<<<<< .*?>>>>>>> [^\n]*\n', 'int core_line_10_vendor_lazy;\n',
                      self.read(keep, 'kernel/sched/core.c'), flags=re.S)
        write(core, text)
        r = self.script('carry.sh', '--record', keep)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(len(os.listdir(os.path.join(self.top, 'patches/resolutions'))), 1)
        out = os.path.join(self.tmp, 'out')
        r = self.script('carry.sh', kdir, out)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn('resolved as recorded in patches/resolutions/ (kernel/sched/core.c)',
                      r.stderr)
        self.assertEqual(sorted(os.listdir(out)), sorted(self.patches + ['series']))
        self.assertIn('+int core_line_10_vendor_lazy;', self.read(out, self.patches[1]))

    @needs('quilt')
    def test_changed_resolution_carries_again(self):
        kdir = self.conflict_tree()
        keep = os.path.join(self.tmp, 'keep')
        self.script('carry.sh', '--keep', keep, kdir, os.path.join(self.tmp, 'o'))
        write(os.path.join(keep, 'kernel/sched/core.c'),
              re.sub(r'<<<<<<< .*?>>>>>>> [^\n]*\n', 'int core_line_10_v1;\n',
                     self.read(keep, 'kernel/sched/core.c'), flags=re.S))
        self.script('carry.sh', '--record', keep, check=True)
        self.script('apply.sh', kdir, check=True)
        self.assertIn('core_line_10_v1', self.read(kdir, 'kernel/sched/core.c'))
        post, = glob.glob(os.path.join(self.top, 'patches/resolutions/*/postimage'))
        write(post, self.read(os.path.dirname(post), 'postimage').replace('core_line_10_v1', 'core_line_10_v2'))
        r = self.script('apply.sh', kdir)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertNotIn('already applied', r.stderr)
        self.assertIn('core_line_10_v2', self.read(kdir, 'kernel/sched/core.c'))

    def test_base_other_than_the_series_refused(self):
        series = os.path.join(self.top, 'patches/series')
        write(series, '# Base: Linux 6.1.98 as a test\n' + self.read(self.top, 'patches/series'))
        kdir = self.stable_tree()
        r = self.script('apply.sh', kdir)
        self.assertFailsWith(r, 'is Linux 6.1.99, but patches/ is made on Linux 6.1.98')

    def test_patch_already_in_the_tree_refused(self):
        kdir = self.stable_tree()
        # Patch 1's change is there already (a stable backport of it).
        replace_line(os.path.join(kdir, 'include/linux/sched/mm.h'), '/* mm 5 */',
                     '/* mm 5: lazy helpers */')
        r = self.script('carry.sh', kdir, os.path.join(self.tmp, 'out'))
        self.assertFailsWith(r, self.patches[0], 'has it already')

    def test_broken_patch_named_even_when_carrying(self):
        kdir = self.stable_tree()
        self.break_patch(2)
        before = tree_digest(kdir)
        r = self.script('apply.sh', kdir)
        self.assertFailsWith(r, self.patches[2], 'kernel/fork.c', "series' own base",
                             'left as it was')
        self.assertEqual(tree_digest(kdir), before)


@needs('quilt')
class InterruptTest(Fixture):
    """Ctrl-C (SIGINT) or a kill in the middle of an apply."""

    def slow_quilt_env(self):
        """A quilt that, pushing onto the real tree, stops after patch 1."""
        shim = os.path.join(self.tmp, 'shim')
        real = shutil.which('quilt')
        write(os.path.join(shim, 'quilt'), f'''#!/bin/sh
if [ "$2" = push ] && [ -f Makefile ] && [ -d kernel ] && [ ! -e {self.tmp}/stop ]; then
	{real} --quiltrc=- push 1 >/dev/null || exit
	touch {self.tmp}/stop
	sleep 30
	exit 1
fi
exec {real} "$@"
''')
        os.chmod(os.path.join(shim, 'quilt'), 0o755)
        return {'PATH': shim + ':' + os.environ['PATH']}

    def start_apply(self, kdir):
        env = dict(os.environ, **self.env, **self.slow_quilt_env())
        # SIGINT as a terminal's Ctrl-C delivers it.  A run started in the
        # background by a non-interactive shell (make test under a CI
        # runner, nohup) inherits SIGINT ignored, which bash can then not
        # trap: apply.sh would wait out the shim's sleep instead.
        proc = subprocess.Popen([os.path.join(self.top, 'scripts/apply.sh'), kdir],
                                env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True,
                                start_new_session=True,
                                preexec_fn=lambda: signal.signal(signal.SIGINT,
                                                                 signal.SIG_DFL))
        for _ in range(200):
            if os.path.exists(os.path.join(self.tmp, 'stop')):
                break
            time.sleep(0.05)
        self.assertTrue(os.path.exists(os.path.join(self.tmp, 'stop')))
        self.assertIn('lazy helpers', self.read(kdir, 'include/linux/sched/mm.h'))
        return proc

    def test_sigint_rolls_back(self):
        kdir = self.new_tree()
        before = tree_digest(kdir)
        proc = self.start_apply(kdir)
        os.killpg(proc.pid, signal.SIGINT)
        proc.communicate(timeout=30)
        self.assertNotEqual(proc.returncode, 0)
        self.assertEqual(tree_digest(kdir), before)

    def test_sigkill_recovered_by_next_run(self):
        kdir = self.new_tree()
        proc = self.start_apply(kdir)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate(timeout=30)
        r = self.script('apply.sh', kdir)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn('interrupted', r.stderr)
        self.script('unapply.sh', kdir, check=True)
        self.assertEqual(tree_digest(kdir), tree_digest(self.new_tree('pristine')))


class ChoicesTest(Fixture):
    """ARCH / MMU / SCHEME checked before anything slow happens."""

    def test_unknown_arch(self):
        self.assertFailsWith(self.script('kunit.sh', '--arch', 'mips'),
                             'unknown ARCH=mips', 'x86_64')

    def test_unknown_mmu(self):
        self.assertFailsWith(self.script('kunit.sh', '--arch', 'powerpc',
                                         '--mmu', 'book3e'),
                             'unknown MMU=book3e', 'radix hash')

    def test_mmu_on_arch_without_choice(self):
        self.assertFailsWith(self.script('kunit.sh', '--arch', 'arm64',
                                         '--mmu', 'hash'), 'not a choice')

    def test_unknown_scheme(self):
        self.assertFailsWith(self.script('kunit.sh', '--scheme', 'hazard'),
                             'unknown SCHEME=hazard', 'refcount shootdown')

    @needs('quilt')
    def test_scheme_the_tree_lacks_is_skipped(self):
        kdir = self.new_tree()
        r = self.script('kunit.sh', '--no-deps', '--kdir', kdir,
                        '--scheme', 'shootdown')
        self.assertEqual(r.returncode, 77, r.stderr)
        self.assertIn('MMU_LAZY_TLB_SHOOTDOWN', r.stderr)

    def test_every_script_has_help(self):
        for name in sorted(os.listdir(os.path.join(self.top, 'scripts'))):
            path = os.path.join(self.top, 'scripts', name)
            # Only programs: not __pycache__, left by importing a script.
            if not os.path.isfile(path) or not os.access(path, os.X_OK):
                continue
            with self.subTest(script=name):
                r = sh([path, '--help'], check=False)
                self.assertEqual(r.returncode, 0, r.stderr)
                self.assertIn('Usage:', r.stdout)

    def make(self, *args):
        """make in the real clone, as a user types it; caches in the scratch dir."""
        return sh(['make', '-s', '-C', TOP] + list(args),
                  env=dict(self.env, LAZYMM_RESULTS=os.path.join(self.tmp, 'res')),
                  check=False)

    def assertMakeFailsWith(self, r, *words):
        lines = [l for l in r.stderr.splitlines() if not l.startswith('make')]
        self.assertNotEqual(r.returncode, 0)
        self.assertEqual(len(lines), 1, r.stderr)
        self.assertTrue(lines[0].startswith('lazymm: '), lines[0])
        for w in words:
            self.assertIn(w, lines[0])

    def test_make_messages_name_what_the_user_typed(self):
        for args, words in [
                (['torture', 'DURATION=abc'], ['DURATION=abc', 'DURATION=600']),
                (['torture', 'DURATION='], ['DURATION= is empty']),
                (['torture', 'ARCH='], ['ARCH= is empty', 'x86_64']),
                (['kunit', 'ARCH='], ['ARCH= is empty', 'x86_64']),
                (['kunit', 'SCHEME='], ['SCHEME= is empty', 'refcount']),
                (['torture', 'KASAN=on'], ['KASAN=on', 'KASAN=1']),
                (['torture', 'RCUTORTURE=maybe'], ['RCUTORTURE=maybe']),
                (['bench', 'CPUS=0'], ['CPUS=0', 'e.g. CPUS=4'])]:
            with self.subTest(args=args):
                r = self.make(*args)
                self.assertMakeFailsWith(r, *words)
                self.assertNotIn(' --', r.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.tmp, 'res')))

    def test_kdir_tarball_is_a_file(self):
        tarball = os.path.join(self.tmp, 'linux-6.1.99.tar.xz')
        write(tarball, 'not a tree\n')
        for script in ('kunit.sh', 'torture.sh', 'apply.sh'):
            with self.subTest(script=script):
                args = [tarball] if script == 'apply.sh' else ['--kdir', tarball]
                r = self.script(script, *args)
                self.assertFailsWith(r, f'KDIR={tarball} is a file', 'extract it',
                                     'make tree')

    def test_make_apply_needs_kdir(self):
        r = sh(['make', '-s', '-C', TOP, 'apply'], check=False)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn('needs KDIR=', r.stderr)


FAKE_KUNIT = r'''#!/usr/bin/env python3
# A stand-in for tools/testing/kunit/kunit.py: FAKE_KUNIT picks what it does.
import json, os, sys
args = sys.argv[1:]
mode = os.environ.get('FAKE_KUNIT', 'pass')
with open(os.environ['FAKE_KUNIT_LOG'], 'a') as log:
    log.write(' '.join(args) + '\n')
if args[0] == 'config':
    if mode == 'unmet':
        print('ERROR: Not all Kconfig options selected in kunitconfig were in '
              'the generated .config.')
        print('Missing: CONFIG_MMU_LAZY_TLB_SHOOTDOWN=y')
        sys.exit(1)
    sys.exit(0)
if mode == 'badopt':  # argparse refusing an option, before anything
    print('usage: kunit.py [-h] {run,config,build,exec,parse} ...')
    print('kunit.py: error: unrecognized arguments: --filter_glob')
    sys.exit(2)
build = args[args.index('--build_dir') + 1]
if mode == 'nomatch':  # a kernel booted; the filter glob matched no suite
    with open(os.path.join(build, 'test.log'), 'w') as f:
        f.write('smp: Brought up 1 node, 4 CPUs\nKTAP version 1\n1..0\n')
    out = [a[len('--json='):] for a in args if a.startswith('--json=')][0]
    with open(out, 'w') as f:
        json.dump({'name': 'KUnit Test Group', 'test_cases': [], 'sub_groups': []}, f)
    sys.exit(1)
if mode == 'nobuild':  # kunit.py stops at a failed build: no console
    print('ERROR: the build failed')
    sys.exit(1)
if mode == 'slow':  # a build: objects appear over 2.5 s, then the kernel starts
    import time
    for i in range(3):
        open(os.path.join(build, f'obj{i}.o'), 'w').close()
        time.sleep(0.85)
    print('Starting KUnit Kernel (1/1)...', flush=True)
out = [a[len('--json='):] for a in args if a.startswith('--json=')][0]
cpus = '1 CPU' if mode == 'onecpu' else '4 CPUs'
with open(os.path.join(build, 'test.log'), 'w') as f:
    f.write(f'efi: EFI v2.70 by EDK II\nsmp: Brought up 1 node, {cpus}\nKTAP version 1\n')
cases = [{'name': 'a', 'status': 'PASS'},
         {'name': 'b', 'status': 'FAIL' if mode == 'fail' else 'PASS'},
         {'name': 'c', 'status': 'SKIP'}]
with open(out, 'w') as f:
    json.dump({'name': 'KUnit Test Group', 'test_cases': [], 'sub_groups': [
        {'name': 'lazy_tlb', 'test_cases': cases, 'sub_groups': []}]}, f)
sys.exit(1 if mode == 'fail' else 0)
'''


# A ccache that keys an object on its source's text alone, as ccache's
# depend mode keys a .S whose .incbin file changed.
FAKE_DEPEND_CCACHE = r'''#!/usr/bin/env bash
set -eu
src=${!#} out=
for a in "$@"; do [ "${prev:-}" != -o ] || out=$a; prev=$a; done
key=$FAKE_CCACHE_DIR/$(sha256sum <"$src" | cut -c1-16)
mkdir -p "$FAKE_CCACHE_DIR"
if [ -f "$key" ]; then cp "$key" "$out"; echo "$src" >>"$FAKE_CCACHE_DIR/hits"; exit 0; fi
"$@"
cp "$out" "$key"
'''


@needs('quilt')
class KunitRunTest(Fixture):
    """scripts/kunit.sh end to end, with a fake kunit.py in the tree."""

    def setUp(self):
        super().setUp()
        self.kdir = self.new_tree()
        write(os.path.join(self.kdir, 'mm/Kconfig'),
              'config MMU\n\tdef_bool y\n'
              'config MMU_LAZY_TLB_SHOOTDOWN\n\tbool "shoot"\n'
              'config DEBUG_MMU_LAZY_TLB_SHOOTDOWN\n\tbool "check"\n')
        fake = os.path.join(self.kdir, 'tools/testing/kunit/kunit.py')
        write(fake, FAKE_KUNIT)
        self.run_dir = os.path.join(self.tmp, 'run')
        self.log = os.path.join(self.tmp, 'kunit.log')

    def kunit(self, mode, *args, env=None):
        return self.script('kunit.sh', '--no-deps', '--kdir', self.kdir,
                           '--run-dir', self.run_dir, *args,
                           env={'FAKE_KUNIT': mode, 'FAKE_KUNIT_LOG': self.log,
                                **(env or {})})

    def counts(self):
        return self.read(self.run_dir, 'counts').split()

    def test_pass_counts_cases_and_console_checks(self):
        r = self.kunit('pass')
        self.assertEqual(r.returncode, 0, r.stderr)
        # 2 cases + the console checks (4 CPUs, EFI firmware) passed, 1
        # case skipped.
        self.assertEqual(self.counts(), ['4', '0', '1'])
        self.assertIn('kunit x86_64/refcount: 4 passed, 0 failed, 1 skipped',
                      r.stdout)
        for f in ('kunit.cmd', 'console.log', 'kunit.json'):
            self.assertTrue(os.path.exists(os.path.join(self.run_dir, f)), f)
        cmd = self.read(self.run_dir, 'kunit.cmd')
        self.assertIn('--qemu_config', cmd)
        self.assertIn('x86_64.py', cmd)
        self.assertIn('scheme-refcount.config', cmd)
        self.assertIn('--json=', cmd)

    def test_no_case_ran_says_why(self):
        """No case ran: the one line names kunit.py's own error, or the
        filter glob that matched nothing, not only where the logs are."""
        r = self.kunit('badopt', '--', '--filter_glob', 'x')
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn('no KUnit case ran: kunit.py: error: unrecognized arguments: '
                      '--filter_glob', r.stderr)
        r = self.kunit('nomatch', '--', 'lazy_tlb.user_mm_exit')
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn('no KUnit case ran: the filter glob matched no suite', r.stderr)

    def fake_ccache(self):
        """A ccache on the PATH that logs its own calls (kunit.py is fake)."""
        shim = os.path.join(self.tmp, 'ccache-shim')
        write(os.path.join(shim, 'ccache'),
              f'#!/bin/sh\necho "$@" >>{self.tmp}/ccache.log\n')
        os.chmod(os.path.join(shim, 'ccache'), 0o755)
        return {'PATH': shim + ':' + os.environ['PATH']}

    def test_progress_loop_leaves_nothing_behind(self):
        # The progress loop sleeps 30 s at a time: a sleep left running when
        # the build ends would hold stderr open, and whoever reads it (this
        # test's pipe, a tee) would wait for it.
        t0 = time.time()
        r = self.kunit('pass')
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertLess(time.time() - t0, 25)

    def test_results_record_what_ran(self):
        r = self.kunit('pass')
        self.assertEqual(r.returncode, 0, r.stderr)
        record = self.read(self.run_dir, 'record')
        self.assertRegex(record, r'(?m)^lazymm=\S+$')
        self.assertRegex(record, r'(?m)^series=[0-9a-f]{16}$')
        self.assertIn('kernel=6.1.99\n', record)
        self.assertRegex(record, r'(?m)^command=\S*kunit.sh --no-deps --kdir ')

    def test_our_ccache_dir_is_the_only_one_configured(self):
        env = dict(self.fake_ccache(), FAKE_KUNIT='pass', FAKE_KUNIT_LOG=self.log)
        r = self.script('kunit.sh', '--no-deps', '--kdir', self.kdir,
                        '--run-dir', self.run_dir, env=env)
        self.assertEqual(r.returncode, 0, r.stderr)
        ours = os.path.join(self.tmp, 'cache', 'ccache')
        self.assertTrue(self.read(self.run_dir, 'kunit.cmd')
                        .startswith(f'CCACHE_DIR={ours} python3 '))
        self.assertIn('max_size = 8G', self.read(ours, 'ccache.conf'))
        # Depend mode (no preprocessor run on a miss), also added to a
        # cache made before it was set, once.
        self.assertIn('depend_mode = true', self.read(ours, 'ccache.conf'))
        write(os.path.join(ours, 'ccache.conf'), 'max_size = 8G')
        for _ in range(2):
            r = self.script('kunit.sh', '--no-deps', '--kdir', self.kdir,
                            '--run-dir', self.run_dir, env=env)
            self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.read(ours, 'ccache.conf'),
                         'max_size = 8G\ndepend_mode = true\n')
        # The user's own cache: used as it is, never resized.
        mine = os.path.join(self.tmp, 'my-ccache')
        write(os.path.join(mine, 'ccache.conf'), 'max_size = 50G\n')
        r = self.script('kunit.sh', '--no-deps', '--kdir', self.kdir,
                        '--run-dir', self.run_dir, env=dict(env, CCACHE_DIR=mine))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.read(mine, 'ccache.conf'), 'max_size = 50G\n')
        self.assertTrue(self.read(self.run_dir, 'kunit.cmd')
                        .startswith(f'CCACHE_DIR={mine} python3 '))
        wrapper = os.path.join(self.tmp, 'cache', 'bin', 'ccache-cc')
        self.assertIn(f'CC={wrapper}\\ gcc', self.read(self.run_dir, 'kunit.cmd'))
        self.assertFalse(os.path.exists(os.path.join(self.tmp, 'ccache.log')))

    def test_build_shows_progress(self):
        r = self.script('kunit.sh', '--no-deps', '--kdir', self.kdir,
                        '--run-dir', self.run_dir,
                        env={'FAKE_KUNIT': 'slow', 'FAKE_KUNIT_LOG': self.log,
                             'LAZYMM_PROGRESS_SECONDS': '1'})
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stderr, r'building x86_64/refcount in \S+ from cold: '
                         r'about 8-11 min')
        self.assertRegex(r.stderr, r'lazymm: building x86_64/refcount: 0m0\ds, [1-3] '
                         r'objects built; log \S+/run/kunit.out')
        # The next build expects what this one took.
        r = self.script('kunit.sh', '--no-deps', '--kdir', self.kdir,
                        '--run-dir', self.run_dir,
                        env={'FAKE_KUNIT': 'slow', 'FAKE_KUNIT_LOG': self.log,
                             'LAZYMM_PROGRESS_SECONDS': '1'})
        self.assertRegex(r.stderr, r'the last build here took 0m0\ds \(3 objects\)')

    def test_failing_case_fails_the_run(self):
        r = self.kunit('fail')
        self.assertEqual(r.returncode, 1)
        self.assertEqual(self.counts(), ['3', '1', '1'])
        self.assertIn('FAIL lazy_tlb.b', r.stderr)

    def test_fewer_cpus_fails_the_run(self):
        r = self.kunit('onecpu')
        self.assertEqual(r.returncode, 1)
        self.assertEqual(self.counts(), ['3', '1', '1'])
        self.assertIn('console lacks "smp: Brought up 1 node, 4 CPUs"', r.stderr)

    def test_scheme_the_arch_cannot_enable_is_skipped(self):
        r = self.kunit('unmet', '--scheme', 'shootdown')
        self.assertEqual(r.returncode, 77, r.stderr)
        self.assertIn('cannot enable', r.stderr)
        self.assertNotIn(' run ', self.read(self.tmp, 'kunit.log'))

    def test_built_boots_without_building(self):
        build = os.path.join(self.tmp, 'cache', 'build', 'x86_64-refcount')
        os.makedirs(build)
        os.symlink(self.kdir, os.path.join(build, 'source'))

        def last_call():
            return self.read(self.tmp, 'kunit.log').splitlines()[-1].split()[0]
        # Nothing booted there yet: said, and built as usual.
        r = self.kunit('pass', '--built')
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn('--built: building in ' + build + ': no KUnit run booted', r.stderr)
        self.assertEqual(last_call(), 'run')
        # That run booted its kernel: the next boots it as it is.
        r = self.kunit('pass', '--built')
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.counts(), ['4', '0', '1'])
        self.assertEqual(last_call(), 'exec')
        self.assertNotIn('building x86_64', r.stderr)
        # A file added to the tree since that build started (a warm make
        # test after an edit): built again, its directory named.
        time.sleep(0.05)
        write(os.path.join(self.kdir, 'mm', 'lazy_edit.c'), '/* an edit */\n')
        r = self.kunit('pass', '--built')
        self.assertIn(': mm changed since its build started', r.stderr)
        self.assertEqual(last_call(), 'run')
        r = self.kunit('pass', '--built')
        self.assertEqual(last_call(), 'exec')
        # Rewritten in place with its old mtime (cp -p): still a change,
        # the file named.
        path = os.path.join(self.kdir, 'mm', 'lazy_edit.c')
        st = os.stat(path)
        time.sleep(0.05)
        write(path, '/* an edit, undone */\n')
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
        r = self.kunit('pass', '--built')
        self.assertIn('mm/lazy_edit.c changed since', r.stderr)
        self.assertEqual(last_call(), 'run')
        r = self.kunit('pass', '--built')
        self.assertEqual(last_call(), 'exec')
        # The compiler upgraded (the configuration step does not look):
        # built again.
        shim = os.path.join(self.tmp, 'gcc-shim')
        write(os.path.join(shim, 'gcc'),
              '#!/bin/sh\n[ "$1" != --version ] || { echo "gcc (Debian 99.1.0-1) 99.1.0"; exit 0; }\n'
              'exec /usr/bin/gcc "$@"\n')
        os.chmod(os.path.join(shim, 'gcc'), 0o755)
        newer_gcc = {'PATH': shim + os.pathsep + os.environ['PATH']}
        r = self.kunit('pass', '--built', env=newer_gcc)
        self.assertIn('built with another compiler command', r.stderr)
        self.assertEqual(last_call(), 'run')
        self.kunit('pass', '--built', env=newer_gcc)
        self.assertEqual(last_call(), 'exec')
        # A .config newer than that boot, or a build that failed since:
        # built again.
        time.sleep(0.05)
        write(os.path.join(build, '.config'), '# changed\n')
        r = self.kunit('pass', '--built')
        self.assertIn('its .config changed since', r.stderr)
        self.assertEqual(last_call(), 'run')
        r = self.kunit('nobuild')
        self.assertEqual(r.returncode, 1, r.stderr)
        r = self.kunit('pass', '--built')
        self.assertIn('no KUnit run booted', r.stderr)
        self.assertEqual(last_call(), 'run')

    def test_ccache_cc_rebuilds_what_incbin_reads(self):
        # As x86's piggy.S: the same source and headers, a new vmlinux.
        # The fake ccache caches by source text alone, as ccache's depend
        # mode does for .incbin (shown with ccache 4.7.5: the first blob
        # came back); the wrapper must not let it see such a source.
        work = os.path.join(self.tmp, 'incbin')
        write(os.path.join(work, 'bin', 'ccache'), FAKE_DEPEND_CCACHE)
        os.chmod(os.path.join(work, 'bin', 'ccache'), 0o755)
        write(os.path.join(work, 'piggy.S'),
              '.section .rodata\n.globl blob\nblob:\n.incbin "blob.bin"\n')
        env = {'PATH': os.path.join(work, 'bin') + os.pathsep + os.environ['PATH'],
               'FAKE_CCACHE_DIR': os.path.join(work, 'cache')}
        wrapper = os.path.join(self.top, 'scripts', 'ccache-cc.sh')
        for blob in ('old kernel', 'new kernel'):
            write(os.path.join(work, 'blob.bin'), blob)
            sh([wrapper, 'gcc', '-c', '-o', 'piggy.o', 'piggy.S'], cwd=work, env=env)
            sh(['objcopy', '-O', 'binary', '-j', '.rodata', 'piggy.o', 'out.bin'],
               cwd=work)
            self.assertEqual(self.read(work, 'out.bin'), blob)
        # Other sources still go through ccache.
        write(os.path.join(work, 'a.c'), 'int a;\n')
        for _ in range(2):
            sh([wrapper, 'gcc', '-c', '-o', 'a.o', 'a.c'], cwd=work, env=env)
        self.assertEqual(self.read(os.path.join(work, 'cache'), 'hits'), 'a.c\n')

    def test_suites_the_tree_lacks_are_left_out(self):
        # A prefix of the series has lazy_tlb but not lazy_mmu_mode yet.
        with open(os.path.join(self.kdir, 'mm/Kconfig'), 'a') as f:
            f.write('config LAZY_TLB_KUNIT_TEST\n\tbool "t"\n')
        r = self.kunit('pass')
        self.assertEqual(r.returncode, 0, r.stderr)
        conf = self.read(self.run_dir, 'lazymm.kunitconfig')
        self.assertIn('CONFIG_LAZY_TLB_KUNIT_TEST=y', conf)
        self.assertNotIn('CONFIG_LAZY_MMU_MODE_KUNIT_TEST', conf)
        self.assertIn('CONFIG_DEBUG_VM=y', conf)
        # kunit/trim.kunitconfig joins it (make check-series leaves it out).
        self.assertIn('# CONFIG_IO_URING is not set', conf)
        self.assertIn('does not define LAZY_MMU_MODE_KUNIT_TEST', r.stderr)
        self.assertIn(os.path.join(self.run_dir, 'lazymm.kunitconfig'),
                      self.read(self.run_dir, 'kunit.cmd'))

    def test_powerpc_hash_checks_the_mmu(self):
        r = self.kunit('pass', '--arch', 'powerpc', '--mmu', 'hash')
        self.assertEqual(r.returncode, 1)
        self.assertIn('console lacks "hash-mmu: Initializing hash mmu', r.stderr)
        self.assertIn('powerpc-hash.py', self.read(self.run_dir, 'kunit.cmd'))
        self.assertIn('--cross_compile powerpc64le-linux-gnu-',
                      self.read(self.run_dir, 'kunit.cmd'))


class DepsTest(Fixture):
    """Missing Debian packages: install as root, else print the line."""

    def shim_env(self, uid):
        """dpkg-query (nothing installed), id and apt-get stand-ins."""
        shim = os.path.join(self.tmp, 'shim')
        # dpkg-query: nothing installed.  id: the uid we pretend to have.
        # apt-get: record the call, fail like an unreachable mirror.
        write(os.path.join(shim, 'dpkg-query'), '#!/bin/sh\nexit 1\n')
        write(os.path.join(shim, 'id'), f'#!/bin/sh\necho {uid}\n')
        write(os.path.join(shim, 'apt-get'),
              f'#!/bin/sh\necho "$@" >>{self.tmp}/apt.log\nexit 100\n')
        for n in ('dpkg-query', 'id', 'apt-get'):
            os.chmod(os.path.join(shim, n), 0o755)
        return {'PATH': shim + ':' + os.environ['PATH']}

    def test_not_root_prints_install_line(self):
        r = self.script('deps.sh', 'arm64', env=self.shim_env(1000))
        self.assertFailsWith(r, 'sudo apt-get install -y',
                             'gcc-aarch64-linux-gnu', 'qemu-system-arm',
                             'linux-source-6.1', 'quilt')
        self.assertNotIn('qemu-system-ppc', r.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.tmp, 'apt.log')))

    def test_root_installs(self):
        r = self.script('deps.sh', 'powerpc', env=self.shim_env(0))
        self.assertFailsWith(r, 'could not install')
        calls = self.read(self.tmp, 'apt.log').splitlines()
        self.assertIn('update', calls)
        self.assertTrue(calls[0].startswith('install -y'))
        self.assertIn('gcc-powerpc64le-linux-gnu', calls[0])

    def test_check_only_never_installs(self):
        r = self.script('deps.sh', '--check', env=self.shim_env(0))
        self.assertFailsWith(r, 'missing packages')
        self.assertFalse(os.path.exists(os.path.join(self.tmp, 'apt.log')))


class TargetDepsTest(Fixture):
    """Each target installs what it runs, and no more."""

    def packages(self, *args):
        r = self.script('deps.sh', '--list', *args, check=True)
        return r.stdout.split()

    def test_check_installs_host_test_tools_only(self):
        pkgs = self.packages('--host-tests')
        self.assertIn('quilt', pkgs)
        self.assertIn('git', pkgs)
        for p in pkgs:
            self.assertNotRegex(p, r'^(linux-source|qemu-|gcc-|ccache|sparse)', p)

    def test_kunit_x86_64_installs_no_other_arch(self):
        pkgs = self.packages('x86_64')
        self.assertIn('qemu-system-x86', pkgs)
        self.assertIn('linux-source-6.1', pkgs)
        for p in ('gcc-aarch64-linux-gnu', 'qemu-system-arm',
                  'gcc-powerpc64le-linux-gnu', 'qemu-system-ppc',
                  'gcc-arm-linux-gnueabi', 'sparse'):
            self.assertNotIn(p, pkgs)

    def test_own_tree_needs_no_debian_tree(self):
        self.assertNotIn('linux-source-6.1', self.packages('--no-tree', 'x86_64'))

    def test_every_arch_conf_compiler_is_installed(self):
        for arch in sorted(os.listdir(os.path.join(TOP, 'kunit', 'arch'))):
            arch = arch[:-len('.conf')]
            with self.subTest(arch=arch):
                conf = self.read(os.path.join(TOP, 'kunit', 'arch'), arch + '.conf')
                cross = re.search(r'^CROSS_COMPILE=(\S*)', conf, re.M).group(1)
                pkgs = self.packages(arch)
                if cross:
                    self.assertIn('gcc-' + cross.rstrip('-'), pkgs)
                self.assertTrue(any(p.startswith('qemu-system-') for p in pkgs))

    def test_tests_see_only_declared_tools(self):
        """The PATH the tests run with has nothing make check does not
        install: no kernel build or check-series tool, whatever this
        machine has."""
        if not os.environ['PATH'].startswith(tempfile.gettempdir()):
            self.skipTest('run with --any-tool: the whole PATH')
        for tool in ('ccache', 'qemu-system-x86_64', 'aarch64-linux-gnu-gcc',
                     'arm-linux-gnueabi-gcc', 'sparse', 'bison', 'cpio'):
            self.assertIsNone(shutil.which(tool), tool)
        for tool in ('git', 'quilt', 'make', 'gcc', 'python3', 'awk', 'xz'):
            self.assertIsNotNone(shutil.which(tool), tool)

    def test_kunit_with_kdir_asks_for_no_tree(self):
        shims = DepsTest.shim_env(self, 1000)
        r = self.script('kunit.sh', '--kdir', self.new_tree(), env=shims)
        self.assertFailsWith(r, 'missing packages', 'qemu-system-x86', 'ccache')
        self.assertNotIn('linux-source-6.1', r.stderr)
        self.assertNotIn('gcc-aarch64-linux-gnu', r.stderr)

    def fake_host_tests(self):
        """tests/host_test.py in the scratch clone: counts 5 0 1."""
        write(os.path.join(self.top, 'tests', 'host_test.py'),
              'import sys\nopen(sys.argv[sys.argv.index("--counts") + 1], "w")'
              '.write("5 0 1\\n")\n')

    def test_make_check_as_non_root_runs_what_it_can(self):
        self.fake_host_tests()
        r = self.script('test.sh', '--host-only', env=DepsTest.shim_env(self, 1000))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout.splitlines()[-1], '5 passed, 0 failed, 1 skipped')
        self.assertIn('sudo apt-get install -y git lava-common libc6-dev patch '
                      'python3-yaml quilt xz-utils',
                      r.stderr)
        self.assertIn('running the host tests anyway', r.stderr)
        self.assertIn('make check took', r.stderr)
        self.assertNotIn('make test took', r.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.tmp, 'apt.log')))


FAKE_RUN = r'''#!/usr/bin/env bash
# A stand-in for scripts/%s: counts from the arch, the run dir from --run-dir.
name=%s
args="$*"
while [ $# -gt 0 ]; do
	case $1 in --arch) arch=$2 ;; --run-dir) run=$2 ;; --peer) name=peer ;; esac
	shift
done
mkdir -p "$run"
echo "$args" >"$run/args"
case $name:$arch in
kunit:arm64) echo "1 1 0" >"$run/counts"; exit 1 ;;
kunit:*) echo "5 0 2" >"$run/counts"; echo booted >"$run/console.log" ;;
torture:arm64) exit 1 ;;
peer:arm64) echo "2 1 0" >"$run/counts"; exit 1 ;;
peer:*) echo "7 0 1" >"$run/counts" ;;
esac
exit 0
'''


class TestScriptTest(Fixture):
    """make test: [i/N] as it goes, a table at the end, saved with a record."""

    def fake_parts(self, config_check):
        """Fake host tests, kunit.sh and torture.sh; config-check.sh is
        the shell script CONFIG_CHECK."""
        TargetDepsTest.fake_host_tests(self)
        for name in ('kunit', 'torture'):
            path = os.path.join(self.top, 'scripts', name + '.sh')
            write(path, FAKE_RUN % (name + '.sh', name))
            os.chmod(path, 0o755)
        path = os.path.join(self.top, 'scripts', 'config-check.sh')
        write(path, '#!/bin/sh\n' + config_check)
        os.chmod(path, 0o755)

    def test_progress_and_end_table(self):
        # Debian's configs: one arch changed, as config-check.sh reports it.
        self.fake_parts('echo "config arm64 (Debian ...): FAIL: changed: X"\n'
                        'echo "config-check: 2 passed, 1 failed"\nexit 1\n')
        write(os.path.join(self.top, 'kunit', 'matrix'),
              '# two lines\nx86_64 - refcount\narm64 - shootdown\n')
        shims = DepsTest.shim_env(self, 1000)
        write(os.path.join(self.tmp, 'shim', 'dpkg-query'),
              '#!/bin/sh\necho installed\n')
        r = self.script('test.sh', '--torture-seconds', '5', env=shims)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn('lazymm: [1/2] x86_64/refcount\n', r.stderr)
        self.assertIn('lazymm: [2/2] arm64/shootdown\n', r.stderr)
        out = r.stdout.splitlines()
        # The peer boots count each case (fake: 7/0/1 and 2/1/0).
        self.assertEqual(out[-1], '23 passed, 4 failed, 4 skipped')
        self.assertIn('| config (Debian) | - | - | 2 | 1 | 0 | - | - |', r.stdout)
        self.assertRegex(r.stdout, r'\| x86_64 \| - \| refcount \| 5 \| 0 \| 2 \| passed \| 7/0/1 \| 0m0\ds \|')
        self.assertRegex(r.stdout, r'\| arm64 \| - \| shootdown \| 1 \| 1 \| 0 \| FAILED \| 2/1/0 \|')
        self.assertIn('| host tests | - | - | 5 | 0 | 1 | - | - |', r.stdout)
        res = self.env['LAZYMM_RESULTS']
        test_dir = os.path.join(res, [d for d in os.listdir(res) if d.startswith('test-')][0])
        self.assertEqual(self.read(test_dir, 'result'), out[-1] + '\n')
        self.assertIn('| arm64 | - | shootdown |', self.read(test_dir, 'table.md'))
        self.assertRegex(self.read(test_dir, 'record'), r'(?m)^command=\S*test.sh --torture-seconds 5 $')
        self.assertIn('make test took', r.stderr)
        # The boots reuse the kernel the KUnit run booted; where it did not
        # boot (arm64's fake failed), they build for themselves.
        for line, built in (('x86_64-refcount', True), ('arm64-shootdown', False)):
            for boot in ('torture', 'peer'):
                args = self.read(os.path.join(test_dir, line, boot), 'args')
                self.assertEqual('--built' in args.split(), built, (line, boot, args))

    def test_every_line_may_boot_what_is_built(self):
        self.fake_parts('echo "config-check: 3 passed, 0 failed"\n')
        write(os.path.join(self.top, 'kunit', 'matrix'),
              'powerpc radix refcount\npowerpc hash refcount\n'
              'powerpc hash shootdown\n')
        shims = DepsTest.shim_env(self, 1000)
        write(os.path.join(self.tmp, 'shim', 'dpkg-query'),
              '#!/bin/sh\necho installed\n')
        r = self.script('test.sh', '--torture-seconds', '5', env=shims)
        self.assertEqual(r.returncode, 0, r.stderr)
        res = self.env['LAZYMM_RESULTS']
        test_dir = os.path.join(res, [d for d in os.listdir(res) if d.startswith('test-')][0])
        # Every line asks kunit.sh to boot a kernel nothing has changed
        # since (it checks, and builds otherwise: KunitRunTest).
        for line in ('powerpc-radix-refcount', 'powerpc-hash-refcount',
                     'powerpc-hash-shootdown'):
            args = self.read(os.path.join(test_dir, line), 'args')
            self.assertIn('--built', args.split(), (line, args))


@needs('xz')
class GetTreeTest(Fixture):
    """Extracting the default tree from Debian's tarball."""

    def tarball(self):
        src = os.path.join(self.tmp, 'tar-src')
        make_fixture_tree(os.path.join(src, 'linux-source-6.1'))
        path = os.path.join(self.tmp, 'linux-source-6.1.tar.xz')
        sh(['tar', '-C', src, '-cJf', path, 'linux-source-6.1'])
        return path

    def test_extracts_once_and_cleans_partial(self):
        dest = os.path.join(self.tmp, 'cache', 'linux-6.1.y')
        os.makedirs(dest + '.partial.abc123')  # an interrupted earlier run
        env = {'LAZYMM_TARBALL': self.tarball()}
        r = self.script('get-tree.sh', env=env)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout.strip(), dest)
        self.assertEqual(sorted(os.listdir(os.path.dirname(dest))), ['linux-6.1.y'])
        r = self.script('get-tree.sh', env=env)
        self.assertNotIn('extracting', r.stderr)

    def test_version_into_a_tree_of_another_refused(self):
        kdir = self.new_tree()
        r = self.script('get-tree.sh', '--version', '6.1.170-3', kdir)
        self.assertFailsWith(r, 'already a tree of Linux 6.1.99, not of 6.1.170-3')
        r = self.script('get-tree.sh', '--version', '6.1;rm', kdir)
        self.assertFailsWith(r, 'is not a Debian version')

    def test_missing_tarball(self):
        r = self.script('get-tree.sh', env={'LAZYMM_TARBALL': '/nonexistent.tar.xz'})
        self.assertFailsWith(r, 'apt-get install linux-source-6.1')


class SummaryTest(unittest.TestCase):
    """scripts/kunit-summary.py on kunit.py's JSON."""

    def run_summary(self, obj):
        with tempfile.NamedTemporaryFile('w', suffix='.json', delete=False) as f:
            json.dump(obj, f)
        self.addCleanup(os.unlink, f.name)
        return sh([os.path.join(TOP, 'scripts/kunit-summary.py'), f.name],
                  check=False)

    def test_counts_nested_cases(self):
        r = self.run_summary({'name': 'KUnit Test Group', 'test_cases': [],
                              'sub_groups': [
                                  {'name': 'lazy_tlb', 'sub_groups': [
                                      {'name': 'param', 'sub_groups': [],
                                       'test_cases': [{'name': 'p1', 'status': 'PASS'},
                                                      {'name': 'p2', 'status': 'ERROR'}]}],
                                   'test_cases': [{'name': 'a', 'status': 'PASS'},
                                                  {'name': 'b', 'status': 'SKIP'}]}]})
        self.assertEqual(r.returncode, 1)
        lines = r.stdout.splitlines()
        self.assertEqual(lines[0], '2 1 1')
        self.assertIn('FAIL lazy_tlb.param.p2 (ERROR)', lines)

    def test_missing_file(self):
        r = sh([os.path.join(TOP, 'scripts/kunit-summary.py'), '/nonexistent'],
               check=False)
        self.assertEqual(r.returncode, 2)


class SeriesFormatTest(unittest.TestCase):
    """The real patches/series: every patch exists and is a git mail."""

    def test_series_entries_exist_and_are_mails(self):
        with open(os.path.join(TOP, 'patches', 'series')) as f:
            names = [l.split('#')[0].split() for l in f]
        for name in [n[0] for n in names if n]:
            with self.subTest(patch=name):
                with open(os.path.join(TOP, 'patches', name)) as p:
                    head = p.read(4096)
                self.assertIn('\nFrom: lazymm <lazymm@localhost>', '\n' + head)
                self.assertIn('\nSubject: [PATCH', head)
                # Trailers name only who wrote it here: no invented people.
                for line in head.split('\n---\n')[0].splitlines():
                    if line.split(':')[0] in ('Signed-off-by', 'Reviewed-by',
                                              'Acked-by', 'Tested-by'):
                        self.assertTrue(line.endswith(' lazymm <lazymm@localhost>'),
                                        line)


class CountingResult(unittest.TextTestResult):
    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.passed = 0

    def addSuccess(self, test):
        super().addSuccess(test)
        self.passed += 1


def test_names(suite):
    """Every test of suite, named as the command line takes it, in order."""
    out = []
    stack = [suite]
    while stack:
        s = stack.pop(0)
        if isinstance(s, unittest.TestSuite):
            stack[0:0] = list(s)
            continue
        cls = type(s)
        name = (cls.__name__ if cls.__module__ == '__main__'
                else f'{cls.__module__}.{cls.__name__}')
        out.append(f'{name}.{s._testMethodName}')
    return out


def run_in_parallel(jobs, flags, counts):
    """Every test in JOBS processes (this script, with FLAGS), dealt out
    in turn, so that each class's tests (a slow class takes half the
    time: check-series) are shared by all; sum the counts."""
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    suite = unittest.TestLoader().loadTestsFromModule(sys.modules[__name__])
    suite.addTests(unittest.TestLoader().discover(
        os.path.dirname(__file__), pattern='test_*.py',
        top_level_dir=os.path.dirname(__file__)))
    buckets = [[] for _ in range(jobs)]
    for i, name in enumerate(test_names(suite)):
        buckets[i % jobs].append(name)
    tmp = tempfile.mkdtemp(prefix='lazymm-jobs.')
    procs = []
    for i, names in enumerate(b for b in buckets if b):
        out = open(os.path.join(tmp, f'{i}.out'), 'w')
        procs.append((subprocess.Popen(
            [sys.executable, os.path.abspath(__file__), '--counts',
             os.path.join(tmp, f'{i}.counts')] + flags + names,
            stdout=out, stderr=subprocess.STDOUT), out, i))
    total = [0, 0, 0]
    for proc, out, i in procs:
        proc.wait()
        out.close()
        with open(os.path.join(tmp, f'{i}.out')) as f:
            sys.stdout.write(f.read())
        try:
            with open(os.path.join(tmp, f'{i}.counts')) as f:
                got = [int(x) for x in f.read().split()]
        except (OSError, ValueError):
            got = [0, 1, 0]     # a process that died counts one failure
        total = [a + b for a, b in zip(total, got)]
    shutil.rmtree(tmp, True)
    passed, failed, skipped = total
    print(f'host tests: {passed} passed, {failed} failed'
          + (f', {skipped} skipped' if skipped else '') + f' ({jobs} processes)')
    if counts:
        with open(counts, 'w') as f:
            f.write(f'{passed} {failed} {skipped}\n')
    return 1 if failed else 0


def main():
    argv = sys.argv[:]
    counts = tools = None
    jobs = 1
    if '--counts' in argv:
        i = argv.index('--counts')
        counts = argv[i + 1]
        del argv[i:i + 2]
    if '--jobs' in argv:
        i = argv.index('--jobs')
        jobs = int(argv[i + 1])
        del argv[i:i + 2]
    if '-h' in argv or '--help' in argv:
        print(__doc__.strip())
        return 0
    if jobs > 1 and not [a for a in argv[1:] if not a.startswith('-')]:
        flags = []
        for flag in ('--any-tool', '-v'):
            if flag in argv:
                flags.append(flag)
        if '--without' in argv:
            flags += argv[argv.index('--without'):argv.index('--without') + 2]
        return run_in_parallel(jobs, flags, counts)
    # Every test runs with the programs make check installs and the base
    # machine's, and no others (--any-tool: the whole PATH, for debugging).
    # The settings make and the user pass to the scripts would change what
    # they say and do (make check runs us with LAZYMM_MAKE=1): each test
    # sets what it needs.
    for var in ('LAZYMM_MAKE', 'LAZYMM_MAKE_CMD', 'LAZYMM_KBUILD_MAKE',
                'LAZYMM_AS_IS', 'LAZYMM_NO_APPLY',
                'LAZYMM_BRANCH', 'LAZYMM_PROGRESS_SECONDS', 'LAZYMM_TORTURE_SECONDS',
                'LAZYMM_PEER_SECONDS',
                'CCACHE_DIR'):
        os.environ.pop(var, None)
    # --without TOOL,...: as on a machine without them (they are skipped).
    without = []
    if '--without' in argv:
        i = argv.index('--without')
        without = argv[i + 1].split(',')
        del argv[i:i + 2]
    if '--any-tool' in argv:
        argv.remove('--any-tool')
    elif shutil.which('dpkg-query'):
        tools = tempfile.mkdtemp(prefix='lazymm-tools.')
        os.environ['PATH'] = declared_tools_path(tools)
        for t in without:
            if os.path.lexists(os.path.join(tools, t)):
                os.unlink(os.path.join(tools, t))
    # Each topic (torture, bisect, ...) may keep its tests in its own
    # tests/test_<topic>.py, importing the Fixture from here; with no test
    # names on the command line they all run.
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    loader = unittest.TestLoader()
    names = [a for a in argv[1:] if not a.startswith('-')]
    if names:
        # Names in this file (ChoicesTest...), or in a topic's file
        # (test_bench.BenchScriptTest...).
        suite = unittest.TestSuite(
            loader.loadTestsFromName(n) if n.startswith('test_')
            else loader.loadTestsFromName(n, sys.modules[__name__]) for n in names)
    else:
        suite = loader.loadTestsFromModule(sys.modules[__name__])
        suite.addTests(loader.discover(os.path.dirname(__file__),
                                       pattern='test_*.py',
                                       top_level_dir=os.path.dirname(__file__)))
    res = unittest.TextTestRunner(resultclass=CountingResult,
                                  verbosity=2).run(suite)
    failed = len(res.failures) + len(res.errors) + len(res.unexpectedSuccesses)
    skipped = len(res.skipped)
    print(f'host tests: {res.passed} passed, {failed} failed'
          + (f', {skipped} skipped' if skipped else ''))
    if counts:
        with open(counts, 'w') as f:
            f.write(f'{res.passed} {failed} {skipped}\n')
    if tools:
        shutil.rmtree(tools, True)
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
