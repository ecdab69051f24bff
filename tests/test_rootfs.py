# SPDX-License-Identifier: GPL-2.0
"""Host-side tests of scripts/rootfs.sh (the peer suites' Debian userspace),
with a fake mmdebstrap on the PATH: nothing is downloaded."""
import os
import shutil
import time

import host_test
from host_test import write

# Writes a tarball as mmdebstrap's extract variant does (a device node dir,
# docs, the binaries), logs its arguments, fails when FAKE_MMDEBSTRAP_FAIL
# is set (after writing half a tarball, as an interrupted download would).
FAKE_MMDEBSTRAP = r'''#!/usr/bin/env bash
set -eu
echo "$*" >>"$FAKE_MMDEBSTRAP_LOG"
for a; do case $a in *.tar) out=$a ;; esac; done
src=$(mktemp -d)
mkdir -p "$src/dev" "$src/usr/bin" "$src/usr/share/doc/stress-ng" "$src/usr/lib" "$src/tmp"
echo console >"$src/dev/console"
echo doc >"$src/usr/share/doc/stress-ng/copyright"
for b in stress-ng perf hackbench; do echo "$b" >"$src/usr/bin/$b"; done
# The modes of the packages, whatever the umask.
chmod 1777 "$src/tmp"
chmod 755 "$src/usr/bin"/*
chmod 644 "$src/usr/share/doc/stress-ng/copyright"
tar -C "$src" -cf "$out" .
rm -rf "$src"
# A mirror whose security index is out of step with its Release file.
if [ -n "${FAKE_MMDEBSTRAP_SECURITY_BROKEN:-}" ]; then
	for a; do
		if [[ $a == *-security* ]] || { [ -f "$a" ] && grep -q -- -security "$a"; }; then
			# What --quiet leaves of it.
			echo "E: apt-get update --error-on=any -oAPT::Status-Fd=<\$fd> -oDpkg::Use-Pty=false failed" >&2
			echo "E: mmdebstrap failed to run" >&2
			exit 1
		fi
		[ ! -f "$a" ] || [[ $a == *.tar ]] || cp "$a" "$FAKE_MMDEBSTRAP_LOG.sources"
	done
fi
if [ -n "${FAKE_MMDEBSTRAP_FAIL:-}" ]; then
	echo "E: unable to fetch stress-ng" >&2
	exit 1
fi
'''


class RootfsTest(host_test.Fixture):

    def setUp(self):
        super().setUp()
        shutil.copytree(os.path.join(host_test.TOP, 'qemu', 'peer'),
                        os.path.join(self.top, 'qemu', 'peer'))
        bindir = os.path.join(self.tmp, 'fake-bin')
        write(os.path.join(bindir, 'mmdebstrap'), FAKE_MMDEBSTRAP)
        os.chmod(os.path.join(bindir, 'mmdebstrap'), 0o755)
        self.log = os.path.join(self.tmp, 'mmdebstrap.log')
        self.env.update(PATH=bindir + ':' + os.environ['PATH'],
                        FAKE_MMDEBSTRAP_LOG=self.log)

    def calls(self):
        if not os.path.exists(self.log):
            return []
        with open(self.log) as f:
            return f.read().splitlines()

    def rootfs(self, *args, env=None):
        return self.script('rootfs.sh', '--no-deps', *args, env=env)

    def test_unpacks_the_packages_for_the_guest_arch(self):
        # A strict umask must not reach the guest's modes (tar -p).
        old = os.umask(0o077)
        try:
            r = self.rootfs('--arch', 'powerpc')
        finally:
            os.umask(old)
        self.assertEqual(r.returncode, 0, r.stderr)
        # stdout is the tree's path and nothing else.
        path = r.stdout.strip()
        self.assertEqual(r.stdout.count('\n'), 1, r.stdout)
        self.assertTrue(os.path.basename(path).startswith('ppc64el-'), path)
        for b in ('stress-ng', 'perf', 'hackbench'):
            self.assertTrue(os.path.isfile(os.path.join(path, 'usr/bin', b)), b)
        # No device nodes (a non-root tar cannot make them), no docs.
        self.assertFalse(os.path.exists(os.path.join(path, 'dev')))
        self.assertFalse(os.path.exists(os.path.join(path, 'usr/share/doc')))
        self.assertEqual(os.stat(os.path.join(path, 'tmp')).st_mode & 0o7777, 0o1777)
        self.assertEqual(os.stat(os.path.join(path, 'usr/bin/perf')).st_mode & 0o777, 0o755)
        with open(os.path.join(path, '.lazymm-arch')) as f:
            self.assertEqual(f.read(), 'ppc64el\n')
        [call] = self.calls()
        self.assertIn('--variant=extract', call)
        self.assertIn('--architectures=ppc64el', call)
        self.assertIn('--include=stress-ng,linux-perf,rt-tests', call)

    def test_cached_until_the_package_list_changes(self):
        first = self.rootfs('--arch', 'arm64').stdout.strip()
        again = self.rootfs('--arch', 'arm64')
        self.assertEqual(again.stdout.strip(), first)
        self.assertEqual(len(self.calls()), 1)
        self.assertEqual(self.rootfs('--arch', 'arm64', '--refresh').returncode, 0)
        self.assertEqual(len(self.calls()), 2)
        with open(os.path.join(self.top, 'qemu/peer/packages'), 'a') as f:
            f.write('util-linux\n')
        changed = self.rootfs('--arch', 'arm64')
        self.assertNotEqual(changed.stdout.strip(), first)
        self.assertIn('util-linux', self.calls()[-1])

    def test_failed_unpack_leaves_nothing(self):
        r = self.rootfs('--arch', 'x86_64', env={'FAKE_MMDEBSTRAP_FAIL': '1'})
        self.assertFailsWith(r, 'mmdebstrap could not unpack', 'amd64')
        cache = os.path.join(self.tmp, 'cache', 'rootfs')
        self.assertEqual(os.listdir(cache), [])
        # The next run builds it, not a half tree, and clears what a
        # killed run left.
        r = self.rootfs('--arch', 'x86_64')
        self.assertEqual(r.returncode, 0, r.stderr)
        path = r.stdout.strip()
        self.assertEqual(os.listdir(cache), [os.path.basename(path)])
        shutil.rmtree(path)
        os.makedirs(path + '.partial.abc')
        r = self.rootfs('--arch', 'x86_64')
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(os.listdir(cache), [os.path.basename(path)])

    def test_broken_security_index_falls_back_to_the_release(self):
        env = {'FAKE_MMDEBSTRAP_SECURITY_BROKEN': '1'}
        r = self.rootfs('--arch', 'powerpc', env=env)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn('unpacking again without the -security suites', r.stderr)
        first, second = self.calls()
        self.assertTrue('-security' in first or 'sources' in first, first)
        self.assertNotIn('-security', second)
        if os.path.exists(self.log + '.sources'):
            with open(self.log + '.sources') as f:
                text = f.read()
            self.assertNotIn('-security', text)
            self.assertIn('bookworm', text)
        path = r.stdout.strip()
        self.assertTrue(os.path.isfile(os.path.join(path, 'usr/bin/stress-ng')))
        # Said again each time the tree is used, until --refresh.
        again = self.rootfs('--arch', 'powerpc', env=env)
        self.assertIn('without Debian\'s security updates', again.stderr)
        self.assertIn('rootfs.sh --arch powerpc --refresh', again.stderr)
        self.assertEqual(len(self.calls()), 2)
        # Another package list's tree names its list in the hint.
        sysroot = os.path.join(self.top, 'qemu', 'peer', 'sysroot')
        r = self.rootfs('--arch', 'powerpc', '--packages', sysroot, env=env)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(f'--packages {sysroot} --refresh', r.stderr)
        # A day on, tried again by itself; a failure then keeps the tree
        # and waits another day; a success drops the mark.
        mark = os.path.join(path, '.lazymm-no-security')
        day_ago = time.time() - 25 * 3600
        os.utime(mark, (day_ago, day_ago))
        r = self.rootfs('--arch', 'powerpc', env={'FAKE_MMDEBSTRAP_FAIL': '1'})
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn('unpacking it again', r.stderr)
        self.assertIn('using the one unpacked without them', r.stderr)
        self.assertEqual(r.stdout.strip(), path)
        self.assertTrue(os.path.isfile(os.path.join(path, 'usr/bin/stress-ng')))
        self.assertGreater(os.stat(mark).st_mtime, day_ago + 3600)
        calls = len(self.calls())
        self.rootfs('--arch', 'powerpc')
        self.assertEqual(len(self.calls()), calls)
        os.utime(mark, (day_ago, day_ago))
        r = self.rootfs('--arch', 'powerpc')
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(len(self.calls()), calls + 1)
        self.assertFalse(os.path.exists(mark))
        self.assertNotIn('without Debian\'s security updates (the mirror', r.stderr)
        # Any other failure is still one.
        r = self.rootfs('--arch', 'arm64', env={'FAKE_MMDEBSTRAP_FAIL': '1'})
        self.assertFailsWith(r, 'mmdebstrap could not unpack', 'arm64')
        self.assertNotIn('without the -security', r.stderr)

    def test_fallback_keeps_every_other_suite_of_the_sources(self):
        deb822 = ('Types: deb\nURIs: http://deb.debian.org/debian\n'
                  'Suites: bookworm bookworm-updates\nComponents: main\n\n'
                  'Types: deb\nURIs: http://deb.debian.org/debian-security\n'
                  'Suites: bookworm-security\nComponents: main\n')
        oneline = ('deb http://deb.debian.org/debian bookworm main\n'
                   '# deb http://deb.debian.org/debian bookworm-backports main\n'
                   'deb http://deb.debian.org/debian-security bookworm-security main\n')
        for name, text, arch in (('debian.sources', deb822, 'powerpc'),
                                 ('sources.list', oneline, 'arm64')):
            path = os.path.join(self.tmp, name)
            write(path, text)
            if os.path.exists(self.log + '.sources'):
                os.unlink(self.log + '.sources')
            r = self.rootfs('--arch', arch, env={'FAKE_MMDEBSTRAP_SECURITY_BROKEN': '1',
                                                 'LAZYMM_APT_SOURCES': path})
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn('unpacking again without the -security suites', r.stderr)
            self.assertIn(path, self.calls()[-2])
            with open(self.log + '.sources') as f:
                used = f.read()
            self.assertNotIn('-security', used)
            self.assertIn('http://deb.debian.org/debian', used)
            if name.endswith('.sources'):
                # The first stanza keeps its other suite; the second,
                # left with none, is gone.
                self.assertIn('Suites: bookworm bookworm-updates', used)
                self.assertEqual(used.count('Types: deb'), 1, used)
            else:
                self.assertIn('deb http://deb.debian.org/debian bookworm main', used)
        # Not a sources file: said, nothing unpacked.
        write(os.path.join(self.tmp, 'junk'), 'hello\n')
        r = self.rootfs('--arch', 'x86_64',
                        env={'LAZYMM_APT_SOURCES': os.path.join(self.tmp, 'junk')})
        self.assertFailsWith(r, 'LAZYMM_APT_SOURCES=', 'not an apt sources file')

    def test_bad_input(self):
        self.assertFailsWith(self.rootfs('--arch', 'sparc'), 'unknown ARCH=sparc')
        self.assertFailsWith(self.rootfs('--arch', ''), 'empty')
        self.assertFailsWith(self.rootfs(), 'empty')
        self.assertFailsWith(self.rootfs('--bogus'), 'unknown option --bogus')


class InitramfsRootfsTest(host_test.Fixture):
    """scripts/initramfs.sh --rootfs: the userspace is listed under the
    BusyBox initramfs (fake gen_init_cpio: the archive is its list)."""

    def setUp(self):
        super().setUp()
        shutil.copytree(os.path.join(host_test.TOP, 'qemu'),
                        os.path.join(self.top, 'qemu'))
        self.kdir = self.new_tree()
        write(os.path.join(self.kdir, 'usr/gen_init_cpio.c'), '/* */\n')
        cache = self.env['LAZYMM_CACHE']
        for path, text in ((os.path.join(cache, 'bin', 'gen_init_cpio'),
                            '#!/bin/sh\ncat "$1"\n'),
                           (os.path.join(cache, 'busybox', 'amd64', 'busybox'),
                            '#!/bin/sh\n')):
            write(path, text)
            os.chmod(path, 0o755)
        self.rootfs = os.path.join(self.tmp, 'rootfs')
        write(os.path.join(self.rootfs, 'usr/bin/stress-ng'), 'elf\n')
        os.chmod(os.path.join(self.rootfs, 'usr/bin/stress-ng'), 0o755)
        write(os.path.join(self.rootfs, 'lib/x86_64-linux-gnu/libc.so.6'), 'elf\n')
        os.symlink('x86_64-linux-gnu/libc.so.6',
                   os.path.join(self.rootfs, 'lib/libc.so.6'))
        os.chmod(os.path.join(self.rootfs, 'lib/x86_64-linux-gnu/libc.so.6'), 0o644)
        for d in ('usr', 'usr/bin'):
            os.chmod(os.path.join(self.rootfs, d), 0o755)
        write(os.path.join(self.rootfs, 'usr/share/a name'), 'x\n')
        write(os.path.join(self.rootfs, 'usr/share/a${HOME}'), 'x\n')
        write(os.path.join(self.rootfs, '.lazymm-arch'), 'amd64\n')

    def initramfs(self, *args):
        out = os.path.join(self.tmp, 'initramfs.cpio.gz')
        r = self.script('initramfs.sh', '--arch', 'x86_64', '--kdir', self.kdir,
                        '--out', out, *args)
        return r, out

    @host_test.needs('gcc')
    def test_userspace_listed_first(self):
        r, out = self.initramfs('--rootfs', self.rootfs)
        self.assertEqual(r.returncode, 0, r.stderr)
        lines = host_test.sh(['gzip', '-dc', out]).stdout.splitlines()
        rf = self.rootfs
        for want in ('dir /usr 755 0 0', 'dir /usr/bin 755 0 0',
                     f'file /usr/bin/stress-ng {rf}/usr/bin/stress-ng 755 0 0',
                     f'file /lib/x86_64-linux-gnu/libc.so.6 {rf}/lib/x86_64-linux-gnu/libc.so.6 644 0 0',
                     'slink /lib/libc.so.6 x86_64-linux-gnu/libc.so.6 0777 0 0'):
            self.assertIn(want, lines)
        # A parent before its children; the BusyBox /init after the tree.
        self.assertLess(lines.index('dir /usr 755 0 0'), lines.index('dir /usr/bin 755 0 0'))
        self.assertLess(lines.index('dir /usr/bin 755 0 0'),
                        [i for i, l in enumerate(lines) if l.startswith('file /init ')][0])
        self.assertFalse([l for l in lines if 'a name' in l or '${' in l])
        self.assertIn('left out /usr/share/a name', r.stderr)
        self.assertIn('left out /usr/share/a${HOME}', r.stderr)
        self.assertIn('dir /tmp 1777 0 0', lines)

    @host_test.needs('gcc')
    def test_peer_runners_and_selftests(self):
        ks = os.path.join(self.tmp, 'kselftest')
        write(os.path.join(ks, 'kselftest-list.txt'), 'vm:mremap_test\n')
        write(os.path.join(ks, 'vm/mremap_test'), 'elf\n')
        os.chmod(os.path.join(ks, 'vm/mremap_test'), 0o755)
        os.chmod(os.path.join(ks, 'vm'), 0o755)
        r, out = self.initramfs('--rootfs', self.rootfs, '--peer', ks)
        self.assertEqual(r.returncode, 0, r.stderr)
        lines = host_test.sh(['gzip', '-dc', out]).stdout.splitlines()
        qp = os.path.join(self.top, 'qemu', 'peer')
        for want in ('dir /peer 0755 0 0', 'dir /peer/kselftest 0755 0 0',
                     f'file /peer/kselftest/vm/mremap_test {ks}/vm/mremap_test 755 0 0',
                     f'file /peer/peer.sh {qp}/peer.sh 755 0 0',
                     f'file /peer/selftests {qp}/selftests 644 0 0',
                     f'file /peer/selftests.sh {qp}/selftests.sh 755 0 0'):
            self.assertIn(want, lines)
        # The kselftest tree's directory before its files; the user.
        self.assertLess(lines.index('dir /peer/kselftest 0755 0 0'),
                        [i for i, l in enumerate(lines) if '/peer/kselftest/vm/' in l][0])
        passwd = [l for l in lines if l.startswith('file /etc/passwd ')]
        self.assertEqual(len(passwd), 1, lines)
        r, _ = self.initramfs('--rootfs', self.rootfs, '--peer', self.tmp)
        self.assertFailsWith(r, 'not a kselftest install', 'selftests.sh --arch x86_64')

    @host_test.needs('gcc')
    def test_userspace_packed_once_per_content(self):
        cache = os.path.join(self.env['LAZYMM_CACHE'], 'initramfs')
        r, out = self.initramfs('--rootfs', self.rootfs)
        self.assertEqual(r.returncode, 0, r.stderr)
        first = os.listdir(cache)
        self.assertEqual(len(first), 1, first)
        self.assertTrue(first[0].startswith('userspace-amd64-'), first)
        # The kernel's part is an archive of its own after it.
        packed = os.path.join(cache, first[0])
        with open(out, 'rb') as f, open(packed, 'rb') as g:
            self.assertTrue(f.read().startswith(g.read()))
        # Packed again only when a file of it changes; the old one goes.
        stamp = os.stat(packed).st_mtime_ns
        r, _ = self.initramfs('--rootfs', self.rootfs)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(os.listdir(cache), first)
        self.assertEqual(os.stat(packed).st_mtime_ns, stamp)
        write(os.path.join(self.rootfs, 'usr/bin/stress-ng'), 'a newer elf\n')
        r, out = self.initramfs('--rootfs', self.rootfs)
        self.assertEqual(r.returncode, 0, r.stderr)
        now = os.listdir(cache)
        self.assertEqual(len(now), 1, now)
        self.assertNotEqual(now, first)
        # The same size and time (cp -p, rsync -a): packed again all the same.
        path = os.path.join(self.rootfs, 'usr/bin/stress-ng')
        st = os.stat(path)
        write(path, 'a newer ELF\n')
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
        r, out = self.initramfs('--rootfs', self.rootfs)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertNotEqual(os.listdir(cache), now)
        # The packed userspace unreadable: the initramfs fails, never
        # written without it.
        shim = os.path.join(self.tmp, 'shim-cat')
        write(os.path.join(shim, 'cat'), '#!/bin/sh\ncase "$*" in *userspace-*) exit 1 ;; esac\n'
              'exec /bin/cat "$@"\n')
        os.chmod(os.path.join(shim, 'cat'), 0o755)
        os.unlink(out)
        r = self.script('initramfs.sh', '--arch', 'x86_64', '--kdir', self.kdir,
                        '--out', out, '--rootfs', self.rootfs,
                        env={'PATH': shim + os.pathsep + self.env.get('PATH', os.environ['PATH'])})
        self.assertNotEqual(r.returncode, 0, r.stderr)
        self.assertFalse(os.path.exists(out))

    def test_not_a_userspace_is_refused(self):
        r, _ = self.initramfs('--rootfs', self.kdir)
        self.assertFailsWith(r, 'not a peer userspace', 'rootfs.sh --arch x86_64')
        write(os.path.join(self.rootfs, '.lazymm-arch'), 'arm64\n')
        r, _ = self.initramfs('--rootfs', self.rootfs)
        self.assertFailsWith(r, "not Debian amd64's", 'rootfs.sh --arch x86_64')


# stress-ng as the guest runs it, exiting as STRESSOR_RC_<name> says; su
# runs the command as is (the test is not root).
FAKE_STRESS_NG = r'''#!/bin/sh
name=${1#--}
echo "stress-ng: info: ran $*"
eval "exit \${STRESSOR_RC_$(echo "$name" | tr - _):-0}"
'''
FAKE_SU = '#!/bin/sh\n# su -s SHELL USER -c CMD\necho "su: as $3" >&2\nexec sh -c "$5"\n'


class PeerStressNgTest(host_test.Fixture):
    """qemu/peer/stress-ng.sh, the in-guest stress-ng runner, with a fake
    stress-ng: its KTAP and its verdicts."""

    def setUp(self):
        super().setUp()
        bindir = os.path.join(self.tmp, 'fake-bin')
        for name, text in (('stress-ng', FAKE_STRESS_NG), ('su', FAKE_SU)):
            write(os.path.join(bindir, name), text)
            os.chmod(os.path.join(bindir, name), 0o755)
        self.env.update(PATH=bindir + ':' + os.environ['PATH'])
        self.script_path = os.path.join(host_test.TOP, 'qemu', 'peer', 'stress-ng.sh')

    def run_peer(self, *args, **rcs):
        env = dict(self.env, TMPDIR=self.tmp,
                   **{f'STRESSOR_RC_{k}': str(v) for k, v in rcs.items()})
        return host_test.sh(['sh', self.script_path, '-t', '1'] + list(args),
                            env=env, check=False)

    def test_exit_status_decides(self):
        r = self.run_peer('context', 'exec', 'vm', 'userfaultfd', 'cpu-online',
                          exec=2, vm=3, userfaultfd=4)
        self.assertEqual(r.returncode, 1, r.stderr)
        lines = r.stdout.splitlines()
        self.assertEqual(lines[:5], ['KTAP version 1', '1..1', '    KTAP version 1',
                                     '    # Subtest: stress-ng', '    1..5'])
        results = [l for l in lines if l.startswith(('    ok', '    not ok'))]
        self.assertEqual(results, [
            '    ok 1 context',
            '    not ok 2 exec # exit 2',
            '    ok 3 vm # SKIP stress-ng: no resource (exit 3)',
            '    ok 4 userfaultfd # SKIP stress-ng: not implemented here (exit 4)',
            '    ok 5 cpu-online'])
        self.assertEqual(lines[-1], 'not ok 1 stress-ng')
        # Each stressor's own options, --verify, its output as diagnostics.
        self.assertIn('    # stress-ng: info: ran --vm 2 --vm-bytes 32M --timeout 1 '
                      f'--verify --metrics-brief --temp-path {self.tmp}', lines)
        self.assertIn('    # stress-ng: info: ran --cpu-online 2 --pathological '
                      f'--timeout 1 --verify --metrics-brief --temp-path {self.tmp}', lines)
        # exec refuses root: it runs as the unprivileged user; the root
        # lines (userfaultfd, cpu-online) do not.
        self.assertEqual(r.stdout.count('    # su: as peer'), 3, r.stdout)

    def test_all_passed(self):
        r = self.run_peer('fork', 'mprotect')
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout.splitlines()[-1], 'ok 1 stress-ng')

    def test_unknown_stressor_refused(self):
        r = self.run_peer('context', 'nosuch')
        self.assertEqual(r.returncode, 2)
        self.assertIn('nosuch is not a stressor', r.stderr)
        self.assertEqual(r.stdout, '')
