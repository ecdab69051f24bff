#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The numbers of make bench: read bench boots' consoles, tabulate them.

Usage:
  bench-report.py parse CONSOLE --group G --variant V --repeat N
      print the boot's measurements as JSON lines (one per workload run);
      exit 1 if it has none or the guest reported an error
  bench-report.py report SAMPLES.jsonl --arch A --cpus N [--repeats N]
      [--duration S] [--json OUT] [--markdown OUT]
      median and spread of every measurement over the boots, the ratio of
      each variant to its baseline, and the counters per operation; the
      Markdown table goes to stdout too
  bench-report.py plot BENCH.json [--out DIR]
      a picture per measured workload (DIR/GROUP-WORKLOAD.svg, default next
      to BENCH.json): each boot's value per variant and the median with its
      [min-max] bar, made with gnuplot (gnuplot-nox) from the .gp script
      written beside it; without gnuplot, only the scripts
  bench-report.py readme README.md BENCH.json...
      put the tables of these runs between README's bench markers: each
      run's tlb/lazy_mmu tables replace the block of its arch and vCPU
      count, its peer benchmarks the "peer benchmarks" block of those; the
      others stay; the pictures next to a BENCH.json (bench-report.py
      plot) are copied to bench/ARCH-Ncpu/ beside README.md, replacing
      that part's older ones, to be committed, and linked

A difference between two medians smaller than the larger of the two
spreads (max - min over the boots) is reported as "no difference".
"""
import argparse
import collections
import datetime
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys

RESULT = re.compile(r'lazymm-bench: result (.*)$')
VMALLOC_BEGIN = re.compile(r'lazymm-bench: vmalloc begin paused=([01])')
# A section's end, and the unmeasured warm-up load.
VMALLOC_CLOSE = re.compile(r'lazymm-bench: vmalloc (end|warmup)')
SUMMARY = re.compile(r'Summary: (\w+) passed: (\d+) failed: (\d+) repeat: \d+ '
                     r'loops: \d+ avg: (\d+) usec')
ERROR = re.compile(r'lazymm-(?:bench|peer): error: (.*)$')
EXIT = re.compile(r'lazymm-(?:bench|peer): exit (\d+)')
# The peer suites' benchmarks (qemu/peer/perf.sh, make bench WHAT=peer).
METRIC = re.compile(r'# lazymm-metric: (\S+) ([0-9.]+) (\S+)')
# The lazy-TLB counters /init prints before and after a boot's workloads
# (every mode); a peer boot's difference is what the scheme did while its
# suites ran (refs, atomics, shootdowns).  A whole line only: a kernel
# message printed into the middle of one must not make a number.
VMSTAT = re.compile(r'lazymm-vmstat: (before|after) (\w+) (\d+)\s*$')
# The workload of those differences: one "op" is one boot's suites.
SUITE = 'perf_suite'

# The baseline of each group: what the others are compared with.
BASELINES = ('refcount', 'paused', '6.1')
# What each workload measures; "higher" says which way is better.
UNITS = {
    'pingpong': ('round trips/s', 'higher'),
    'exit': ('processes/s', 'higher'),
    'exitmoved': ('processes/s', 'higher'),
    'mprotect': ('mprotect+munmap rounds/s', 'higher'),
    'pipe_threads': ('usecs/op, perf bench sched pipe -T', 'lower'),
    'messaging_process': ('s, perf bench sched messaging', 'lower'),
    'messaging_threads': ('s, perf bench sched messaging -t', 'lower'),
    'hackbench_process': ('s, hackbench -P', 'lower'),
    'hackbench_threads': ('s, hackbench -T', 'lower'),
}
# The metric of each workload in UNITS: a rate, or (the peer benchmarks)
# the one figure the benchmark prints.
METRIC_OF = {w: 'value' for w in UNITS if UNITS[w][1] == 'lower'}
COUNTERS = ('lazy_tlb_ref', 'lazy_tlb_ref_atomic', 'lazy_tlb_mm_free',
            'lazy_tlb_shootdown', 'lazy_tlb_shootdown_ipi',
            'lazy_tlb_shootdown_switch', 'ipi_call', 'ipi_tlb', 'ipi')
MARK_BEGIN = '<!-- bench:begin -->'
MARK_END = '<!-- bench:end -->'


def parse_console(text, group, variant, repeat):
    """The samples of one boot, and the errors it printed."""
    samples, errors, warnings = [], [], []
    vmalloc = None          # paused value of the open test_vmalloc section
    runs = collections.OrderedDict()
    vmstat = {'before': {}, 'after': {}}
    for raw in text.splitlines():
        line = raw.strip('\r')
        m = VMSTAT.search(line)
        if m:
            vmstat[m.group(1)][m.group(2)] = int(m.group(3))
            continue
        m = ERROR.search(line)
        if m:
            errors.append(m.group(1))
            continue
        m = EXIT.search(line)
        if m and m.group(1) != '0':
            errors.append(f'the workloads exited {m.group(1)}')
        m = METRIC.search(line)
        if m:
            samples.append({'group': group, 'variant': variant,
                            'repeat': repeat, 'workload': m.group(1),
                            'metrics': {'value': float(m.group(2))}})
            continue
        m = RESULT.search(line)
        if m:
            kv = dict(f.split('=', 1) for f in m.group(1).split() if '=' in f)
            metrics = {k: float(v) for k, v in kv.items()
                       if k not in ('workload',) and re.match(r'^[0-9.]+$', v)}
            samples.append({'group': group, 'variant': variant,
                            'repeat': repeat, 'workload': kv.get('workload', '?'),
                            'metrics': metrics})
            continue
        m = VMALLOC_BEGIN.search(line)
        if m:
            vmalloc = m.group(1)
            runs.setdefault(vmalloc, collections.defaultdict(list))
            continue
        if VMALLOC_CLOSE.search(line):
            vmalloc = None
            continue
        m = SUMMARY.search(line)
        if m and vmalloc is not None:
            test, _, failed, usec = m.groups()
            if failed != '0':
                errors.append(f'test_vmalloc {test} failed {failed} times')
            runs[vmalloc][test].append(int(usec))
    before, after = vmstat['before'], vmstat['after']
    if any(s['workload'] in METRIC_OF for s in samples) and (before or after):
        counters = {c: after[c] - before[c] for c in after if c in before}
        # Counters missing on one side, or going down, are a garbled
        # console: the boot's times stand, its counts would mislead.
        if set(before) != set(after) or any(v < 0 for v in counters.values()):
            warnings.append('the lazymm-vmstat lines before and after do not '
                            'match; no perf_suite counts for this boot')
        else:
            samples.append({'group': group, 'variant': variant, 'repeat': repeat,
                            'workload': SUITE, 'metrics': dict(counters, ops=1)})
    for paused, tests in runs.items():
        if not tests:
            errors.append(f'test_vmalloc printed no Summary (paused={paused})')
            continue
        # Every worker (and BusyBox insmod's retry) reports each test:
        # the boot's figure is their mean.
        samples.append({'group': group,
                        'variant': 'paused' if paused == '1' else 'batched',
                        'repeat': repeat, 'workload': 'vmalloc',
                        'metrics': {t + '_usec': statistics.mean(v)
                                    for t, v in tests.items()}})
    return samples, errors, warnings


def direction(workload, metric):
    if metric.endswith('_usec'):
        return 'lower'
    return UNITS.get(workload, ('', 'higher'))[1]


def unit(workload, metric):
    if metric.endswith('_usec'):
        return metric[:-len('_usec')] + ' usec'
    return UNITS.get(workload, (metric,))[0]


def summarize(values):
    return {'median': statistics.median(values), 'min': min(values),
            'max': max(values), 'spread': max(values) - min(values),
            'n': len(values)}


def compare(samples):
    """One row per (group, workload, metric, variant other than baseline)."""
    by = collections.defaultdict(list)
    order = []
    for s in samples:
        key = (s['group'], s['workload'])
        if key not in order:
            order.append(key)
        by[key].append(s)
    rows = []
    for group, workload in order:
        ss = by[(group, workload)]
        variants = list(dict.fromkeys(s['variant'] for s in ss))
        base = next((v for v in BASELINES if v in variants), variants[0])
        metrics = [METRIC_OF.get(workload, 'rate')] if workload in UNITS else sorted(
            {m for s in ss for m in s['metrics'] if m.endswith('_usec')})
        for metric in metrics:
            vals = {v: [s['metrics'][metric] for s in ss
                        if s['variant'] == v and metric in s['metrics']]
                    for v in variants}
            if not vals[base]:
                continue
            b = summarize(vals[base])
            for v in variants:
                if v == base or not vals[v]:
                    continue
                c = summarize(vals[v])
                if direction(workload, metric) == 'higher':
                    speed = c['median'] / b['median'] if b['median'] else None
                else:
                    speed = b['median'] / c['median'] if c['median'] else None
                diff = abs(c['median'] - b['median'])
                if diff <= max(b['spread'], c['spread']):
                    verdict = 'no difference'
                else:
                    verdict = f'{v} faster' if speed and speed > 1 else f'{v} slower'
                rows.append({'group': group, 'workload': workload,
                             'metric': metric, 'unit': unit(workload, metric),
                             'baseline': base, 'variant': v,
                             'baseline_stats': b, 'variant_stats': c,
                             'speed_ratio': speed, 'verdict': verdict})
    return rows


def ratio(num, den):
    return num / den if den else None


def counts(samples):
    """Counter totals over every boot, per (workload, variant), and what
    they come to per operation."""
    tot = collections.OrderedDict()
    seen = {}
    for s in samples:
        if s['workload'] not in ('pingpong', 'exit', 'exitmoved', SUITE):
            continue
        t = tot.setdefault((s['workload'], s['variant']),
                           collections.Counter())
        t['ops'] += s['metrics'].get('ops', 0)
        t['boots'] += 1
        for c in COUNTERS:
            t[c] += s['metrics'].get(c, 0)
        seen.setdefault((s['workload'], s['variant']), set()).update(s['metrics'])
    rows = []
    for (workload, variant), t in tot.items():
        # A counter the boots did not print (a peer boot's IPIs) is "-", not 0.
        have = seen[(workload, variant)]
        rows.append({
            'workload': workload, 'variant': variant,
            'totals': dict(t),
            'lazy_refs_per_op': ratio(t['lazy_tlb_ref'], t['ops']),
            'atomics_per_lazy_ref': ratio(t['lazy_tlb_ref_atomic'], t['lazy_tlb_ref']),
            'mms_freed_per_op': ratio(t['lazy_tlb_mm_free'], t['ops']),
            'shootdown_ipis_per_mm': ratio(t['lazy_tlb_shootdown_ipi'], t['lazy_tlb_shootdown']),
            'lazy_cpus_per_mm': ratio(t['lazy_tlb_shootdown_switch'], t['lazy_tlb_shootdown']),
            'call_ipis_per_op': ratio(t['ipi_call'] or t['ipi'], t['ops'])
            if have & {'ipi_call', 'ipi'} else None,
            'tlb_ipis_per_op': ratio(t['ipi_tlb'], t['ops']) if 'ipi_tlb' in have else None,
        })
    return rows


def host():
    model = ''
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                if line.startswith('model name'):
                    model = line.split(':', 1)[1].strip()
                    break
    except OSError:
        pass
    cpus = os.cpu_count()
    return f'{platform.node()} ({model}, {cpus} CPUs)' if model else platform.node()


def fmt(x, digits=3):
    if x is None:
        return '-'
    if abs(x) >= 100:
        return f'{x:.0f}'
    return f'{x:.{digits}g}'


def is_peer(name):
    """A picture (GROUP-WORKLOAD.svg) of the peer benchmarks."""
    return name.startswith('peer-')


def parts(result):
    """A run as its blocks: the peer benchmarks apart from tlb and lazy_mmu,
    so that a WHAT=peer run does not replace an arch's tlb tables (and the
    other way round) in the README."""
    out = []
    for peer in (False, True):
        comps = [r for r in result['comparisons'] if (r['group'] == 'peer') == peer]
        cnts = [r for r in result['counts'] if (r['workload'] == SUITE) == peer]
        if comps or cnts:
            part = dict(result, comparisons=comps, counts=cnts, peer=peer)
            part['notes'] = notes(part)
            out.append(part)
    return out or [dict(result, peer=False)]


def render(result):
    """The Markdown of one run (a dict as report() writes it)."""
    return '\n'.join(render_block(p) for p in parts(result))


def render_block(result):
    """The Markdown of one of parts(): a heading, the tables, the notes."""
    # The heading up to its colon names the block (block_key()).
    if result['peer']:
        what = (f", peer benchmarks: {result['repeats']} boots per kernel, "
                f"each benchmark once a boot")
    else:
        what = f": {result['repeats']} boots per kernel, {result['duration']} s per workload"
    out = [f"#### {result['arch']}, {result['cpus']} vCPUs (TCG){what}; "
           f"{result['date']} on {result['host']}", '']
    rows = result['comparisons']
    if rows:
        out += ['| part | workload | measure | baseline: median [min-max] | '
                'variant: median [min-max] | speed ratio | verdict |',
                '| --- | --- | --- | --- | --- | --- | --- |']
        for r in rows:
            b, c = r['baseline_stats'], r['variant_stats']
            out.append(
                f"| {r['group']} | {r['workload']} | {r['unit']} | "
                f"{r['baseline']}: {fmt(b['median'])} [{fmt(b['min'])}-{fmt(b['max'])}] | "
                f"{r['variant']}: {fmt(c['median'])} [{fmt(c['min'])}-{fmt(c['max'])}] | "
                f"{fmt(r['speed_ratio'])} | {r['verdict']} |")
        out.append('')
    if result['counts']:
        out += ['| workload | scheme | lazy refs/op | mm_count atomics per lazy ref | '
                'mms freed/op | shootdown IPIs per freed mm (other CPUs) | '
                'CPUs found lazily on it per freed mm (the freeing one too) | '
                'function-call IPIs/op | x86 TLB IPIs/op |',
                '| --- | --- | --- | --- | --- | --- | --- | --- | --- |']
        for r in result['counts']:
            out.append(
                f"| {r['workload']} | {r['variant']} | {fmt(r['lazy_refs_per_op'])} | "
                f"{fmt(r['atomics_per_lazy_ref'])} | {fmt(r['mms_freed_per_op'])} | "
                f"{fmt(r['shootdown_ipis_per_mm'])} | {fmt(r['lazy_cpus_per_mm'])} | "
                f"{fmt(r['call_ipis_per_op'])} | {fmt(r['tlb_ipis_per_op'])} |")
        out.append('')
    for n in result.get('notes', []):
        out.append(f'- {n}')
    if result.get('notes'):
        out.append('')
    return '\n'.join(out)


def notes(result):
    """What a reader needs to read the tables right."""
    n = ['speed ratio: variant / baseline for rates, baseline / variant for '
         'times; above 1 the variant is faster.']
    if any(r['shootdown_ipis_per_mm'] is not None for r in result['counts']):
        n.append('a shootdown IPIs only the other CPUs in mm_cpumask; the CPU '
                 'freeing the mm is among those found lazily on it when it '
                 'frees it from its own exit. x86 moves lazy CPUs off an mm in '
                 'the TLB flush of its exit instead (x86 TLB IPIs), so its '
                 'shootdown finds none.')
    if any(r['workload'] == SUITE for r in result['counts']):
        n.append(f'{SUITE}: "op" is one boot: the counters over the whole '
                 'perf suite run (perf bench sched pipe -T, messaging, '
                 'hackbench, and the suite script\'s own short processes).')
    if any(r['verdict'] == 'no difference' for r in result['comparisons']):
        n.append('"no difference": the medians differ by less than the '
                 'larger spread (max - min) over the boots.')
    return n


def cmd_parse(args):
    with open(args.console, errors='replace') as f:
        text = f.read()
    samples, errors, warnings = parse_console(text, args.group, args.variant, args.repeat)
    for e in errors + warnings:
        print(f'lazymm: {args.console}: {e}', file=sys.stderr)
    for s in samples:
        print(json.dumps(s, sort_keys=True))
    if not samples:
        print(f'lazymm: {args.console} has no measurement', file=sys.stderr)
    return 1 if errors or not samples else 0


def cmd_report(args):
    with open(args.samples) as f:
        samples = [json.loads(line) for line in f if line.strip()]
    if not samples:
        sys.exit(f'lazymm: {args.samples} has no samples; run make bench first')
    result = {'arch': args.arch, 'cpus': args.cpus, 'repeats': args.repeats,
              'duration': args.duration,
              'date': datetime.date.today().isoformat(), 'host': host(),
              'comparisons': compare(samples), 'counts': counts(samples),
              'samples': samples}
    result['notes'] = notes(result)
    md = render(result)
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(result, f, indent=1, sort_keys=True)
    if args.markdown:
        with open(args.markdown, 'w') as f:
            f.write(md + '\n')
    print(md)
    return 0


def slug(text):
    return re.sub(r'[^A-Za-z0-9]+', '-', text).strip('-').lower()


def plot_script(result, group, workload, metric, svg):
    """A gnuplot script drawing every boot's value of one measure per
    variant (points), and each variant's median with its [min-max] bar."""
    ss = [s for s in result['samples'] if s['group'] == group
          and s['workload'] == workload and metric in s['metrics']]
    variants = list(dict.fromkeys(s['variant'] for s in ss))
    base = next((v for v in BASELINES if v in variants), variants[0])
    variants.remove(base)
    variants.insert(0, base)
    rows = [c for c in result['comparisons'] if c['group'] == group
            and c['workload'] == workload and c['metric'] == metric]
    verdicts = ', '.join(f"{c['variant']}: {c['verdict']}"
                         + (f" (x{c['speed_ratio']:.3g})" if c['speed_ratio'] else '')
                         for c in rows)
    boots, stats, tics = [], [], []
    for i, v in enumerate(variants):
        vals = [s['metrics'][metric] for s in ss if s['variant'] == v]
        st = summarize(vals)
        stats.append(f"{i} {st['median']:g} {st['min']:g} {st['max']:g}")
        boots += [f'{i + 0.15 + 0.04 * j:g} {x:g}' for j, x in enumerate(vals)]
        tics.append(f'"{v}" {i}')
    better = 'lower' if direction(workload, metric) == 'lower' else 'higher'
    return '\n'.join([
        f"# {result['arch']}, {result['cpus']} vCPUs: {group} {workload} "
        f"{metric}; regenerate with: gnuplot {os.path.basename(svg)[:-4]}.gp",
        "set terminal svg size 560,380 dynamic font 'sans,11'",
        f"set output '{os.path.basename(svg)}'",
        f"set title \"{result['arch']}, {result['cpus']} vCPUs, "
        f"{result.get('repeats') or len(ss)} boots each: {group} {workload}"
        f"\\n{verdicts}\" noenhanced",
        f"set ylabel \"{unit(workload, metric)} ({better} is better)\" noenhanced",
        f"set xrange [-0.5:{len(variants) - 0.5}]",
        f"set xtics ({', '.join(tics)}) noenhanced",
        'set grid ytics', 'set key below',
        '$boots << EOD', *boots, 'EOD',
        '$stats << EOD', *stats, 'EOD',
        "plot $stats using 1:2:3:4 with yerrorbars lw 2 pt 5 ps 1.2 "
        "title 'median [min-max]', $boots using 1:2 with points pt 6 "
        "title 'each boot'", ''])


def cmd_plot(args):
    """One picture per measured workload next to bench.json."""
    with open(args.result) as f:
        try:
            result = json.load(f)
        except ValueError as e:
            sys.exit(f'lazymm: {args.result} is not a bench.json ({e}); '
                     'give results/bench-*/bench.json')
    out = args.out or os.path.dirname(os.path.abspath(args.result))
    seen, made = [], []
    for c in result['comparisons']:
        key = (c['group'], c['workload'], c['metric'])
        if key in seen:
            continue
        seen.append(key)
        name = slug(f"{c['group']}-{c['workload']}"
                    + ('' if c['metric'] == 'rate' else '-' + c['metric']))
        svg = os.path.join(out, name + '.svg')
        with open(svg[:-4] + '.gp', 'w') as f:
            f.write(plot_script(result, *key, svg))
        made.append(svg)
    gnuplot = shutil.which('gnuplot')
    if not gnuplot:
        print(f'lazymm: no gnuplot; wrote the plot scripts ({len(made)} .gp in '
              f'{out}) but no pictures; install gnuplot-nox and run '
              'gnuplot on them', file=sys.stderr)
        return 0
    for svg in made:
        subprocess.run([gnuplot, os.path.basename(svg)[:-4] + '.gp'],
                       cwd=out, check=True)
        print(svg)
    return 0


def block_key(block):
    """What a README block is about: its heading up to the first colon,
    e.g. "#### x86_64, 4 vCPUs (TCG)"."""
    return block.lstrip('\n').split('\n', 1)[0].split(':', 1)[0]


def readme_blocks(section):
    """The section between the markers as its "#### " blocks, in order
    (anything else there was not written by this command and goes)."""
    blocks = re.split(r'(?m)^(?=#### )', section)
    return [b for b in blocks if b.startswith('#### ')]


def copy_pictures(part, bench_json, top):
    """The pictures of one of a run's parts() (GROUP-WORKLOAD.svg beside
    BENCH_JSON) into TOP/bench/ARCH-Ncpu/, replacing the older ones of the
    same part (peer or not); their links."""
    src = os.path.dirname(os.path.abspath(bench_json))
    svgs = sorted(n for n in os.listdir(src)
                  if n.endswith('.svg') and is_peer(n) == part['peer'])
    if not svgs:
        return []
    rel = os.path.join('bench', f"{part['arch']}-{part['cpus']}cpu")
    dest = os.path.join(top, rel)
    if os.path.isdir(dest):
        for n in os.listdir(dest):
            if n.endswith('.svg') and is_peer(n) == part['peer']:
                os.unlink(os.path.join(dest, n))
    os.makedirs(dest, exist_ok=True)
    for n in svgs:
        shutil.copyfile(os.path.join(src, n), os.path.join(dest, n))
    return [f'[{n[:-4]}]({rel}/{n})' for n in svgs]


def cmd_readme(args):
    with open(args.readme) as f:
        text = f.read()
    if MARK_BEGIN not in text or MARK_END not in text:
        sys.exit(f'lazymm: {args.readme} has no {MARK_BEGIN} ... {MARK_END} '
                 'section; add one where the tables should go')
    head, rest = text.split(MARK_BEGIN, 1)
    section, tail = rest.split(MARK_END, 1)
    # Each part of a run replaces its block (block_key); the others stay.
    blocks = collections.OrderedDict(
        (block_key(b), b) for b in readme_blocks(section))
    for path in args.results:
        with open(path) as f:
            try:
                result = json.load(f)
                news = [(p, render_block(p)) for p in parts(result)]
            except (ValueError, KeyError) as e:
                sys.exit(f'lazymm: {path} is not a bench.json of make bench '
                         f'({e}); give results/bench-*/bench.json')
        for part, new in news:
            links = copy_pictures(part, path, os.path.dirname(os.path.abspath(args.readme)))
            if links:
                new = new.rstrip('\n') + '\n\nPictures (every boot, median and [min-max]): ' + \
                    ', '.join(links) + '\n'
            blocks[block_key(new)] = new + '\n'
    body = '\n'.join(b.strip('\n') + '\n' for b in blocks.values())
    with open(args.readme, 'w') as f:
        f.write(head + MARK_BEGIN + '\n' + body + MARK_END + tail)
    return 0


def main():
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest='cmd', required=True)
    p = sub.add_parser('parse')
    p.add_argument('console')
    p.add_argument('--group', required=True)
    p.add_argument('--variant', required=True)
    p.add_argument('--repeat', type=int, required=True)
    p = sub.add_parser('report')
    p.add_argument('samples')
    p.add_argument('--arch', required=True)
    p.add_argument('--cpus', type=int, required=True)
    p.add_argument('--repeats', type=int, default=0)
    p.add_argument('--duration', type=int, default=0)
    p.add_argument('--json')
    p.add_argument('--markdown')
    p = sub.add_parser('plot')
    p.add_argument('result')
    p.add_argument('--out')
    p = sub.add_parser('readme')
    p.add_argument('readme')
    p.add_argument('results', nargs='+')
    args = ap.parse_args()
    try:
        return {'parse': cmd_parse, 'report': cmd_report, 'plot': cmd_plot,
                'readme': cmd_readme}[args.cmd](args)
    except OSError as e:
        sys.exit(f'lazymm: {e.filename}: {e.strerror}; '
                 'give the path of an existing file (see --help)')


if __name__ == '__main__':
    sys.exit(main())
