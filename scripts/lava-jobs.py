#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Write the LAVA job definition of one QEMU boot of the test matrix.

Usage: scripts/lava-jobs.py --test kunit|torture --name NAME --stage DIR
           [--artifacts-url URL] [--expect FILE] [--mode stress|rcutorture]
           [--duration SEC] [--metadata KEY=VALUE ...] -- QEMU COMMAND...

QEMU COMMAND is the command make kunit or make torture runs for the cell,
as qemu/qemu-cmd.py prints it from kunit/qemu/TARGET.py: so the job boots
the same machine, CPU, -smp, memory and kernel command line, and nothing
about an arch is written down a second time.  The files it names
(-kernel, -initrd, -bios) are copied into DIR/NAME/ with a SHA256SUMS, and
the job fetches them from URL/NAME/ (default: file://DIR, what lava-run on
this machine reads) with their sha256sum.  The job goes to DIR/NAME.yaml.

The job runs on LAVA's "qemu" device type under TCG (context no_kvm, so
the device template adds no -enable-kvm or -cpu host) and judges the
console with LAVA's monitors test action:
  kunit    "boot": each line of --expect (kunit/qemu/TARGET.expect) is a
           case that passes when seen before KUnit starts; "kunit": each
           KTAP case line (ok / not ok / # SKIP) is a case of that name,
           ended by the reboot kunit_shutdown asks for.
  torture  four monitors, each ending on a line a passing run prints, in
           order: the start marker, the workload's clean exit, the end
           marker, the kernel's reboot.  Throughout, every report
           scripts/torture-judge.py counts as bad is a failed case (named
           after the report), and so is a non-zero workload exit; the
           --expect lines are passed cases.
A run passed when LAVA's lava-test-monitor result passed (every end string
came; a line that never comes times the monitor out), no case failed, and
every --expect line was a passed case (the job's metadata lazymm.expect
lists them: LAVA has no "missing" result).  That is make torture's verdict
(scripts/lava-compare.py checks it), and for KUnit make kunit's counts.
Exit: 0 written, 2 a usage error.
"""
import argparse
import hashlib
import importlib.util
import os
import re
import shutil
import sys

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

try:
    import yaml
except ImportError:
    sys.exit('lazymm: python3-yaml is missing; install it with: '
             'apt-get install -y python3-yaml (make lava does)')


def load_judge():
    """scripts/torture-judge.py as a module: its BAD rules and markers."""
    path = os.path.join(TOP, 'scripts', 'torture-judge.py')
    spec = importlib.util.spec_from_file_location('torture_judge', path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


# LAVA's monitor records a case from a pattern's "result" group, mapped by
# the monitor's fixupdict, so that group must match fixed text.  For each
# rule of torture-judge.py's BAD: the fixed strings that mark it, each with
# zero-width guards (lookbehind, lookahead) where the rule needs context
# or HARMLESS excuses a line.  test_lava.py checks that every BAD rule is
# here and that these find what the judge finds.
BAD_MARKS = {
    'rss-counter': [('Bad rss-counter', '', '')],
    'pgtables': [('non-zero pgtables_bytes', '', '')],
    'lazy-tlb': [('lazy tlb: ', '', r'(?=[^\n]*(?:still us|still has|went offline))')],
    'lockdep': [(s, '', '') for s in (
        'possible circular locking', 'possible recursive locking',
        'inconsistent lock state', 'possible irq lock inversion',
        'DEBUG_LOCKS_WARN_ON', 'turning off the locking correctness validator',
        'suspicious RCU usage', 'held lock freed',
        'lock held when returning to user space')],
    'kasan': [('KASAN:', '', '')],
    'rcu-stall': [('detected stall', '', r'(?=s? on CPUs)'),
                  ('self-detected stall', '', ''),
                  ('kthread starved', '', '')],
    'rcutorture': [('End of test: ', '', '(?!SUCCESS)')],
    'hung-task': [('blocked for more than ', '', r'(?=\d+ seconds)')],
    'test_vmalloc': [('Summary: ', '', r'(?=\S+ passed: \d+ failed: [1-9])')],
    'stress': [(f'lazymm-{w}: error', '', '') for w in
               ('stress', 'rcutorture', 'torture', 'peer')],
    'warning': [('WARNING:', '(?<!Spectre V2 : )', '')],
    'bug': [('BUG:', r'\b', ''), ('BUG ', r'\b', ''), ('kernel BUG at', '', '')],
    'oops': [('Oops', r'\b', r'\b'), ('Unable to handle kernel', '', '')],
    'call-trace': [('Call Trace:', '', ''), ('Call trace:', '', '')],
    'panic': [('Kernel panic', '', '')],
}

# What each workload prints when it ends, clean or not.
WORKLOAD_EXIT = {'stress': 'lazymm-stress: exit ',
                 'rcutorture': 'lazymm-rcutorture: exit '}

# LAVA matches a pattern against what the console has sent so far, which
# can end in the middle of a line: a pattern matches only whole lines
# (LINE_DONE), or it would take "lazy_tl" for a case name, or a guard
# like (?!0) would pass on a line cut short.
LINE_DONE = r'(?=[^\n]*\n)'

# KTAP case lines, one level in (the cases of a suite; suites themselves
# are at column 0).  "result" must be fixed text: the lookahead puts it on
# "SKIP" for "ok N name # SKIP ...", else on the leading "ok"/"not ok".
KTAP_CASE = (r'\n    ' + LINE_DONE +
             r'(?=(?:ok \d+ [^\s#]+ # )?(?P<result>SKIP|not ok|ok))'
             r'(?:not ok|ok) \d+ (?P<test_case_id>[^\s#]+)')
KTAP_FIXUP = {'ok': 'pass', 'not ok': 'fail', 'SKIP': 'skip'}

KERNEL_START = 'Linux version'
KUNIT_START = r'\n1\.\.\d+'		# the top-level KTAP plan
KUNIT_END = 'reboot: Restarting system'	# kunit.py's kunit_shutdown=reboot


def literal(text):
    """A regex for text (re.escape() escapes spaces too; LAVA's logs are
    easier to read without)."""
    return re.escape(text).replace('\\ ', ' ')


def marks_monitor(name, start, end, marks):
    """A monitor whose cases are fixed strings: [(text, before, after, result)].

    Case and result are the same text, so the case is named after what was
    seen (LAVA lowercases it and turns non-word runs into "_").
    """
    alts = [before + literal(text) + after for text, before, after, _ in marks]
    return {
        'name': name,
        'start': start,
        'end': end,
        'pattern': ('(?P<test_case_id>(?P<result>' + '|'.join(alts) + '))' +
                    LINE_DONE),
        'fixupdict': {text: result for text, _, _, result in marks},
    }


def bad_marks(judge):
    names = [n for n, _ in judge.BAD]
    missing = [n for n in names if n not in BAD_MARKS]
    if missing:
        sys.exit(f'lazymm: torture-judge.py rule(s) {", ".join(missing)} have '
                 'no LAVA marks; add them to BAD_MARKS in scripts/lava-jobs.py')
    return [(t, b, a, 'fail') for n in names for t, b, a in BAD_MARKS[n]]


def read_expect(path):
    if not path:
        return []
    with open(path) as f:
        return [l.rstrip('\n') for l in f if l.strip() and not l.startswith('#')]


def harmless_marks(judge):
    """torture-judge.py's HARMLESS lines, as passing cases of their own.

    Matched as a whole, a harmless line is consumed before the BAD mark
    inside it (its "WARNING:") could be; a lookbehind would not do, since
    pexpect may have dropped the start of the line from its window.
    """
    out = []
    for pattern, _ in judge.HARMLESS:
        if re.sub(r'[\w :,/-]', '', pattern):
            sys.exit(f'lazymm: HARMLESS pattern {pattern!r} is not fixed '
                     'text; LAVA needs fixed text (scripts/lava-jobs.py)')
        out.append((pattern, '', '', 'pass'))
    return out


# The monitors of a torture job end, in turn, on each line a passing run
# prints in this order: a line that never comes leaves its monitor to time
# out (or to see QEMU exit), and LAVA's lava-test-monitor result fails.
# The last one ends on the reboot that follows lazymm-torture: end, so
# reports printed after the end marker are judged too.
REBOOT = r'reboot: (?:Restarting system|Power down)'


def monitors(test, expect, mode, judge):
    expect_marks = [(e, '', '', 'pass') for e in expect]
    if test == 'kunit':
        boot = marks_monitor('boot', KERNEL_START, 'KTAP version 1', expect_marks)
        kunit = {'name': 'kunit', 'start': KUNIT_START, 'end': KUNIT_END,
                 'pattern': KTAP_CASE, 'fixupdict': KTAP_FIXUP}
        return [boot, kunit]
    bad = harmless_marks(judge) + bad_marks(judge)
    exit_bad = (WORKLOAD_EXIT[mode], '', r'(?!0\b)', 'fail')
    ends = [('boot', KERNEL_START, literal(judge.START), expect_marks + bad),
            ('workload', '', literal(judge.WORKLOAD_OK[mode]), [exit_bad] + bad),
            ('end', '', literal(judge.END), [exit_bad] + bad),
            ('reboot', '', REBOOT, bad)]
    return [marks_monitor(f'torture-{name}', start, end, marks)
            for name, start, end, marks in ends]


# Where the device template (lava-server's qemu.jinja2) puts -machine and
# -cpu itself, from the job context; elsewhere they go to extra_options.
TEMPLATE_TAKES = {'aarch64': ('-machine', '-cpu'), 'ppc64': ('-machine',)}
# Dropped: LAVA's template has -nographic itself.  -nodefaults and -serial
# stdio stay, so the guest has kunit.py's devices, plus the template's NIC
# (-net nic,model=virtio -net user), which the kernels here do not drive.
DROPPED = {'-nographic': 0}
# Files the command names, by image label (LAVA's tmpfs deploy).
FILES = {'-kernel': 'kernel', '-initrd': 'ramdisk', '-bios': 'bios'}


def split_qemu(argv):
    """(arch, context, files {label: path}, kernel command line)."""
    prog = os.path.basename(argv[0])
    if not prog.startswith('qemu-system-'):
        sys.exit(f'lazymm: {argv[0]} is not a qemu-system-* command')
    arch = prog[len('qemu-system-'):]
    context = {'arch': arch, 'no_kvm': True}
    extra, files, append = [], {}, ''
    takes = TEMPLATE_TAKES.get(arch, ())
    i = 1
    while i < len(argv):
        opt = argv[i]
        val = argv[i + 1] if i + 1 < len(argv) else None
        if opt in DROPPED:
            i += 1 + DROPPED[opt]
            continue
        if opt in FILES:
            files[FILES[opt]] = val
        elif opt == '-append':
            append = val
        elif opt == '-m':
            context['memory'] = int(val) if val.isdigit() else val
        elif opt in takes:
            context[opt[1:]] = val
        elif val is not None and not val.startswith('-'):
            extra += [opt, val]
        else:
            extra.append(opt)
            i += 1
            continue
        i += 2
    if 'kernel' not in files:
        sys.exit('lazymm: the QEMU command has no -kernel')
    context['extra_options'] = extra
    return arch, context, files, append


def sha256(path):
    h = hashlib.sha256()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(1 << 20), b''):
            h.update(block)
    return h.hexdigest()


def stage(files, dest):
    """Copy the files into dest; {label: (name, sha256)}."""
    os.makedirs(dest, exist_ok=True)
    out = {}
    for label, path in files.items():
        if not os.path.isfile(path):
            sys.exit(f'lazymm: {path} (QEMU {label}) does not exist; build it first')
        name = os.path.basename(path)
        shutil.copyfile(path, os.path.join(dest, name))
        out[label] = (name, sha256(path))
    with open(os.path.join(dest, 'SHA256SUMS'), 'w') as f:
        for name, digest in sorted(out.values()):
            f.write(f'{digest}  {name}\n')
    return out


def image_arg(label, append):
    if label == 'kernel':
        # LAVA splits the command line as pexpect does: no escapes inside
        # double quotes, so a kernel argument must not hold one.
        if '"' in append:
            sys.exit(f'lazymm: the kernel command line {append!r} holds a \'"\'; '
                     'LAVA cannot pass that through -append')
        return '-kernel {kernel} -append "%s"' % append
    return {'ramdisk': '-initrd {ramdisk}', 'bios': '-bios {bios}'}[label]


def job(args, qemu):
    judge = load_judge()
    arch, context, files, append = split_qemu(qemu)
    staged = stage(files, os.path.join(args.stage, args.name))
    base = (args.artifacts_url or 'file://' + os.path.abspath(args.stage)).rstrip('/')
    images = {}
    for label, (name, digest) in staged.items():
        images[label] = {'image_arg': image_arg(label, append),
                         'url': f'{base}/{args.name}/{name}',
                         'sha256sum': digest}
    if args.test == 'kunit':
        minutes = 30
    else:
        minutes = (args.duration + 600) // 60 + 1
    expect = read_expect(args.expect)
    mons = monitors(args.test, expect, args.mode, judge)
    # What a farm's result reader needs to call a run passed, beside the
    # cases: the lines that must have been seen (a case that never came is
    # not a failed one in LAVA), and the workload.
    meta = {'lazymm.expect': '|'.join(expect)}
    if args.test == 'torture':
        meta['lazymm.mode'] = args.mode
    meta.update(kv.split('=', 1) for kv in args.metadata)
    return {
        'device_type': 'qemu',
        'job_name': f'lazymm {args.name}',
        # The monitor waits for each match, and for each end string,
        # with its connection timeout (lava_dispatcher's action.py and
        # monitor.py): a torture workload prints nothing LAVA matches for
        # its whole duration, so that timeout is the test's.  The job's
        # covers deploy (5 min at most), boot and test.
        'timeouts': {'job': {'minutes': minutes + 10},
                     'action': {'minutes': minutes},
                     'connection': {'minutes': 2},
                     'connections': {'lava-test-monitor': {'minutes': minutes}}},
        'priority': 'medium',
        'visibility': 'public',
        'metadata': meta,
        'context': context,
        'actions': [
            {'deploy': {'to': 'tmpfs', 'timeout': {'minutes': 5},
                        'images': images}},
            {'boot': {'method': 'qemu', 'media': 'tmpfs',
                      'timeout': {'minutes': 2}}},
            {'test': {'timeout': {'minutes': minutes}, 'monitors': mons}},
        ],
    }


def main(argv):
    if '-h' in argv or '--help' in argv:
        print(__doc__.strip())
        return 0
    ap = argparse.ArgumentParser(
        usage=__doc__.split('\n\n')[1].replace('Usage: ', ''),
        description=__doc__.split('\n')[0])
    ap.add_argument('--test', choices=('kunit', 'torture'), required=True)
    ap.add_argument('--name', required=True)
    ap.add_argument('--stage', required=True)
    ap.add_argument('--artifacts-url')
    ap.add_argument('--expect')
    ap.add_argument('--mode', choices=('stress', 'rcutorture'), default='stress')
    ap.add_argument('--duration', type=int, default=60)
    ap.add_argument('--metadata', action='append', default=[])
    ap.add_argument('qemu', nargs='+')
    args = ap.parse_args(argv)
    if not re.fullmatch(r'[-_a-zA-Z0-9.]+', args.name):
        ap.error(f'--name {args.name}: use letters, digits, "-", "_" and "."')
    if any('=' not in kv for kv in args.metadata):
        ap.error('--metadata takes KEY=VALUE')
    data = job(args, args.qemu)
    out = os.path.join(args.stage, args.name + '.yaml')
    with open(out + '.tmp', 'w') as f:
        f.write('# Generated by scripts/lava-jobs.py (make lava); '
                'edit kunit/ or qemu/, not this.\n')
        yaml.safe_dump(data, f, sort_keys=False, width=1000)
    os.replace(out + '.tmp', out)
    print(out)
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
