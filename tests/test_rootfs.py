# SPDX-License-Identifier: GPL-2.0
"""Host-side tests of scripts/rootfs.sh (the peer suites' Debian userspace),
with a fake mmdebstrap on the PATH: nothing is downloaded."""
import os
import shutil

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
mkdir -p "$src/dev" "$src/usr/bin" "$src/usr/share/doc/stress-ng" "$src/usr/lib"
echo console >"$src/dev/console"
echo doc >"$src/usr/share/doc/stress-ng/copyright"
for b in stress-ng perf hackbench; do echo "$b" >"$src/usr/bin/$b"; done
tar -C "$src" -cf "$out" .
rm -rf "$src"
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
        r = self.rootfs('--arch', 'powerpc')
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
        [call] = self.calls()
        self.assertIn('--variant=extract', call)
        self.assertIn('--architectures=ppc64el', call)
        self.assertIn('--include=stress-ng,linux-perf,rt-tests', call)

    def test_cached_until_the_package_list_changes(self):
        first = self.rootfs('--arch', 'arm64').stdout.strip()
        again = self.rootfs('--arch', 'arm64')
        self.assertEqual(again.stdout.strip(), first)
        self.assertEqual(len(self.calls()), 1)
        self.rootfs('--arch', 'arm64', '--refresh')
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
        # The next run builds it, not a half tree.
        r = self.rootfs('--arch', 'x86_64')
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_bad_input(self):
        self.assertFailsWith(self.rootfs('--arch', 'sparc'), 'unknown ARCH=sparc')
        self.assertFailsWith(self.rootfs('--arch', ''), 'empty')
        self.assertFailsWith(self.rootfs(), 'empty')
        self.assertFailsWith(self.rootfs('--bogus'), 'unknown option --bogus')
