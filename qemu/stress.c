// SPDX-License-Identifier: GPL-2.0
/*
 * lazymm-stress: the in-guest workload of the torture boots.
 *
 * Usage: lazymm-stress [-d SECONDS] [-n] [-s SEED]
 *   -d SECONDS  how long to run (default 60)
 *   -n          no CPU hotplug (for a kernel or machine without it)
 *   -s SEED     seed of the random choices (default: the time)
 *
 * Every mode runs at once, each in its own process (so in its own mm), for
 * the whole duration, because the bugs seed 001 found need them together: an
 * mm lazily held by an idle CPU while that CPU goes offline, or while the mm
 * is torn down on another CPU.
 *
 *   pingpong    pairs of threads pass a token through pipes, so CPUs go
 *               user -> idle -> user and idle CPUs keep the mm lazily
 *               (will-it-scale context_switch1_threads, nproc/2 pairs)
 *   forkexec    fork/exec/exit storms: exec_mmap(), exit_mm(), and processes
 *               exiting or exec()ing while their other threads sleep
 *   membarrier  private/global expedited barriers against all of the above
 *   pagetable   mprotect, mremap, madvise(MADV_FREE, MADV_COLD,
 *               MADV_PAGEOUT) and fork on data it verifies: the lazy_mmu
 *               callers
 *   thp         a transparent huge page mapped by PTEs (MADV_HUGEPAGE, its
 *               PMD split by an mprotect() of one page), then MADV_COLD,
 *               MADV_PAGEOUT or MADV_FREE, whose PTE walks split the folio
 *               from inside a lazy_mmu section (on powerpc hash the section
 *               disables preemption, and splitting sleeps); nothing to do
 *               on a kernel without THP
 *   umh-core, umh-modprobe
 *               usermode helpers: a kernel thread that starts on whatever mm
 *               its CPU held lazily and exec()s (exec_mmap() with no old
 *               mm), from core dumps of multi-threaded children piped to
 *               this program (core_pattern) and from request_module() for
 *               a device no driver has (open() runs modprobe)
 *   hotplug     offline/online random CPUs through sysfs
 *
 * It prints one report line, "lazymm-stress: done seconds=... exec=... ...",
 * and exits 0 only if every mode ran and saw nothing wrong.  Anything wrong
 * is printed as "lazymm-stress: error: ..." (the torture judge looks for
 * those lines) and makes the exit status 1.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/membarrier.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef MADV_COLD
#define MADV_COLD 20
#endif
#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif
#ifndef MADV_HUGEPAGE
#define MADV_HUGEPAGE 14
#endif

#define MAX_CPUS 64

/* Counters, in a shared mapping so every worker process can add to them. */
struct counters {
	uint64_t pingpong;	/* token round trips */
	uint64_t fork;		/* children forked (all modes) */
	uint64_t exec;		/* children that reached their exec()ed image */
	uint64_t exit;		/* children reaped with a clean exit */
	uint64_t membarrier;	/* membarrier() calls */
	uint64_t pagetable;	/* pagetable rounds (mmap .. munmap) */
	uint64_t thp;		/* thp rounds */
	uint64_t thp_split;	/* huge pages the kernel split meanwhile */
	uint64_t cpu_offline;	/* CPUs taken offline */
	uint64_t cpu_online;	/* CPUs brought back */
	uint64_t hotplug_busy;	/* writes the kernel refused with EBUSY/EAGAIN */
	uint64_t umh_core;	/* core dumps a piped helper read to the end */
	uint64_t umh_modprobe;	/* open()s of a driverless device (modprobe) */
	uint64_t errors;
	int stop;
};

static struct counters *ctr;
static const char *self_exe = "/proc/self/exe";
static long page_size;

static void add(uint64_t *c, uint64_t n)
{
	__atomic_add_fetch(c, n, __ATOMIC_RELAXED);
}

static uint64_t get(uint64_t *c)
{
	return __atomic_load_n(c, __ATOMIC_RELAXED);
}

static int stopping(void)
{
	return __atomic_load_n(&ctr->stop, __ATOMIC_ACQUIRE);
}

/* error(fmt, ...): count and report something wrong; the run goes on. */
static void error(const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (ctr)
		add(&ctr->errors, 1);
	fprintf(stderr, "lazymm-stress: error: %s\n", buf);
}

/* Small xorshift generator: each thread has its own state. */
static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static long sys_membarrier(int cmd, unsigned int flags)
{
	return syscall(__NR_membarrier, cmd, flags, 0);
}

/* ---- pingpong: a token through pipes, each side sleeping in read() ---- */

struct pair {
	int to_b[2], to_a[2];
};

static void *pong(void *arg)
{
	struct pair *p = arg;
	char c;

	while (read(p->to_b[0], &c, 1) == 1 && c == 'p')
		if (write(p->to_a[1], &c, 1) != 1)
			break;
	return NULL;
}

static void *ping(void *arg)
{
	struct pair *p = arg;
	char c = 'p';
	uint64_t n = 0;

	while (!stopping()) {
		if (write(p->to_b[1], &c, 1) != 1 || read(p->to_a[0], &c, 1) != 1) {
			error("pingpong: pipe: %s", strerror(errno));
			break;
		}
		if (++n % 64 == 0) {
			add(&ctr->pingpong, 64);
			/* Both sides asleep: the CPUs go idle, keeping the mm lazily. */
			sleep_ms(1);
		}
	}
	c = 'q';
	if (write(p->to_b[1], &c, 1) != 1)
		error("pingpong: cannot stop the partner thread");
	return NULL;
}

static int mode_pingpong(int ncpus)
{
	int npairs = ncpus / 2 > 0 ? ncpus / 2 : 1;
	pthread_t th[2 * MAX_CPUS];
	struct pair pairs[MAX_CPUS];
	int i;

	/* Global expedited membarrier()s must reach this mm too. */
	if (sys_membarrier(MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED, 0))
		error("pingpong: register global expedited: %s", strerror(errno));
	for (i = 0; i < npairs; i++) {
		if (pipe(pairs[i].to_b) || pipe(pairs[i].to_a)) {
			error("pingpong: pipe: %s", strerror(errno));
			return 1;
		}
		if (pthread_create(&th[2 * i], NULL, pong, &pairs[i]) ||
		    pthread_create(&th[2 * i + 1], NULL, ping, &pairs[i])) {
			error("pingpong: cannot start threads");
			return 1;
		}
	}
	for (i = 0; i < 2 * npairs; i++)
		pthread_join(th[i], NULL);
	return 0;
}

/* ---- forkexec: exec/exit storms ---- */

static void *sleeper(void *arg)
{
	(void)arg;
	for (;;)
		sleep_ms(1000);
	return NULL;
}

/*
 * What a forkexec child runs after exec(): "exit" returns at once;
 * "threads" starts sleeping threads and exits the process under them;
 * "reexec" starts sleeping threads and exec()s again from a non-leader
 * thread (de_thread() and exec_mmap() with other threads live).
 */
static void *reexec_thread(void *arg)
{
	char *const argv[] = { "lazymm-stress", "--exec-child", "exit", NULL };

	(void)arg;
	sleep_ms(1);
	execv(self_exe, argv);
	_exit(127);
}

static int exec_child(const char *what)
{
	pthread_t t;
	int i;

	if (!strcmp(what, "exit"))
		return 0;
	for (i = 0; i < 3; i++)
		if (pthread_create(&t, NULL, sleeper, NULL))
			return 2;
	sleep_ms(2);
	if (!strcmp(what, "threads"))
		exit(0);	/* exit_group() while the threads sleep */
	if (!strcmp(what, "reexec")) {
		if (pthread_create(&t, NULL, reexec_thread, NULL))
			return 2;
		for (;;)
			sleep_ms(1000);
	}
	return 3;
}

/* reap(pid, what): 1 if the child exited cleanly; anything else is an error. */
static int reap(pid_t pid, const char *what)
{
	int status;

	if (waitpid(pid, &status, 0) != pid) {
		error("%s: waitpid: %s", what, strerror(errno));
		return 0;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		add(&ctr->exit, 1);
		return 1;
	}
	if (WIFEXITED(status))
		error("%s: child exited with status %d", what, WEXITSTATUS(status));
	else
		error("%s: child killed by signal %d", what, WTERMSIG(status));
	return 0;
}

static int mode_forkexec(uint64_t seed)
{
	static char *const kinds[] = { "exit", "threads", "reexec" };

	while (!stopping()) {
		int k = rnd(&seed) % 4;
		pid_t pid = fork();

		if (pid < 0) {
			error("forkexec: fork: %s", strerror(errno));
			sleep_ms(100);
			continue;
		}
		if (pid == 0) {
			if (k == 3)	/* fork and exit, no exec */
				_exit(0);
			char *const argv[] = { "lazymm-stress", "--exec-child",
					       kinds[k], NULL };
			execv(self_exe, argv);
			_exit(127);
		}
		add(&ctr->fork, 1);
		/* A clean exit means every exec() on the way succeeded. */
		if (reap(pid, "forkexec") && k != 3)
			add(&ctr->exec, k == 2 ? 2 : 1);
	}
	return 0;
}

/* ---- membarrier ---- */

static void *membarrier_sibling(void *arg)
{
	(void)arg;
	/* Runs now and then in this mm, so private barriers have CPUs to IPI. */
	while (!stopping())
		sleep_ms(2);
	return NULL;
}

static int mode_membarrier(void)
{
	long cmds = sys_membarrier(MEMBARRIER_CMD_QUERY, 0);
	int sync_core = cmds > 0 && (cmds & MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE);
	pthread_t t[2];
	uint64_t n = 0;
	int i;

	if (cmds < 0) {
		error("membarrier: query: %s", strerror(errno));
		return 1;
	}
	if (sys_membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0) ||
	    (sync_core && sys_membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE, 0))) {
		error("membarrier: register: %s", strerror(errno));
		return 1;
	}
	for (i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, membarrier_sibling, NULL);
	while (!stopping()) {
		int cmd = MEMBARRIER_CMD_PRIVATE_EXPEDITED;

		if (n % 8 == 1)
			cmd = MEMBARRIER_CMD_GLOBAL_EXPEDITED;
		else if (n % 8 == 2 && sync_core)
			cmd = MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE;
		else if (n % 64 == 3)
			cmd = MEMBARRIER_CMD_GLOBAL;	/* synchronize_rcu() */
		if (sys_membarrier(cmd, 0))
			error("membarrier: cmd %d: %s", cmd, strerror(errno));
		n++;
		if (n % 16 == 0) {
			add(&ctr->membarrier, 16);
			sleep_ms(1);
		}
	}
	for (i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	return 0;
}

/* ---- pagetable: the lazy_mmu callers, on data that is checked ---- */

/*
 * Every 7th word still as fill() left it; with @zero_ok a word may also
 * read 0 (MADV_FREE may have dropped its page).  @who names the mode.
 */
static int check_data(const uint64_t *p, size_t words, uint64_t tag, int zero_ok,
		      const char *who, const char *when)
{
	size_t i;

	for (i = 0; i < words; i += 7)
		if (p[i] != (tag ^ i) && !(zero_ok && p[i] == 0)) {
			error("%s: data lost after %s: word %zu is %#llx, not %#llx%s",
			      who, when, i, (unsigned long long)p[i],
			      (unsigned long long)(tag ^ i), zero_ok ? " or 0" : "");
			return 1;
		}
	return 0;
}

static int check(const uint64_t *p, size_t words, uint64_t tag, const char *when)
{
	return check_data(p, words, tag, 0, "pagetable", when);
}

static void fill(uint64_t *p, size_t words, uint64_t tag)
{
	size_t i;

	for (i = 0; i < words; i += 7)
		p[i] = tag ^ i;
}

static void pagetable_round(uint64_t *seed)
{
	size_t len = 32 * page_size, words = len / 8, half = words / 2;
	uint64_t tag = rnd(seed);
	uint64_t *p, *q;
	pid_t pid;

	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		error("pagetable: mmap: %s", strerror(errno));
		return;
	}
	fill(p, words, tag);
	if (mprotect(p, len, PROT_READ) || mprotect(p, len, PROT_READ | PROT_WRITE)) {
		error("pagetable: mprotect: %s", strerror(errno));
		goto out;
	}
	if (check(p, words, tag, "mprotect"))
		goto out;
	/* Grow and move: move_page_tables() under lazy_mmu. */
	q = mremap(p, len, 2 * len, MREMAP_MAYMOVE);
	if (q == MAP_FAILED) {
		error("pagetable: mremap: %s", strerror(errno));
		goto out;
	}
	p = q;
	if (check(p, words, tag, "mremap"))
		goto out_big;
	/* Cold and paged out (no swap: they stay), still the same data. */
	if (madvise(p, len, MADV_COLD) || madvise(p, len, MADV_PAGEOUT)) {
		error("pagetable: madvise(COLD/PAGEOUT): %s", strerror(errno));
		goto out_big;
	}
	if (check(p, words, tag, "MADV_COLD/MADV_PAGEOUT"))
		goto out_big;
	/* MADV_FREE on the first half: its contents may go, the rest stays. */
	if (madvise(p, half * 8, MADV_FREE)) {
		error("pagetable: madvise(FREE): %s", strerror(errno));
		goto out_big;
	}
	fill(p, half, tag);
	/* Copy-on-write in a child that checks and scribbles; ours must stay. */
	pid = fork();
	if (pid == 0)
		_exit(check(p, words, tag, "fork") ? 1 : (fill(p, words, ~tag), 0));
	if (pid < 0) {
		error("pagetable: fork: %s", strerror(errno));
		goto out_big;
	}
	add(&ctr->fork, 1);
	reap(pid, "pagetable");
	if (!check(p, words, tag, "a child's copy-on-write"))
		add(&ctr->pagetable, 1);
out_big:
	len *= 2;
out:
	munmap(p, len);
}

static void *pagetable_thread(void *arg)
{
	uint64_t seed = (uintptr_t)arg;

	while (!stopping())
		pagetable_round(&seed);
	return NULL;
}

static int mode_pagetable(uint64_t seed)
{
	pthread_t t[2];
	int i;

	/* Two threads in one mm: their TLB flushes must reach each other. */
	for (i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, pagetable_thread, (void *)(uintptr_t)(seed + i));
	for (i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	return 0;
}

/* ---- thp: a PTE-mapped transparent huge page under madvise ---- */

/* The size of a PMD-mapped transparent huge page, or 0 without THP. */
static size_t thp_size(void)
{
	FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/hpage_pmd_size", "r");
	unsigned long long size = 0;

	if (!f)
		return 0;
	if (fscanf(f, "%llu", &size) != 1)
		size = 0;
	fclose(f);
	return size;
}

/* /proc/vmstat's thp_split_page: huge pages split since boot. */
static uint64_t thp_splits(void)
{
	FILE *f = fopen("/proc/vmstat", "r");
	unsigned long long n = 0, v;
	char name[64];

	if (!f)
		return 0;
	while (fscanf(f, "%63s %llu", name, &v) == 2)
		if (!strcmp(name, "thp_split_page"))
			n = v;
	fclose(f);
	return n;
}

static void thp_round(size_t huge, uint64_t *seed)
{
	static const struct {
		int advice;
		const char *name;
	} advice[] = {
		{ MADV_COLD, "MADV_COLD" },
		{ MADV_PAGEOUT, "MADV_PAGEOUT" },
		{ MADV_FREE, "MADV_FREE" },
	};
	size_t len = 2 * huge, words = huge / 8;
	uint64_t tag = rnd(seed), *p;
	int a = rnd(seed) % 3;
	char *map;

	map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (map == MAP_FAILED) {
		error("thp: mmap: %s", strerror(errno));
		return;
	}
	/* One PMD-aligned huge page inside the mapping. */
	p = (uint64_t *)(((uintptr_t)map + huge - 1) & ~(uintptr_t)(huge - 1));
	if (madvise(p, huge, MADV_HUGEPAGE)) {
		error("thp: madvise(HUGEPAGE): %s", strerror(errno));
		goto out;
	}
	fill(p, words, tag);
	/* A page in the middle read-only: the PMD splits, the folio stays. */
	if (mprotect((char *)p + huge / 2, page_size, PROT_READ)) {
		error("thp: mprotect: %s", strerror(errno));
		goto out;
	}
	if (check_data(p, words, tag, 0, "thp", "mprotect"))
		goto out;
	if (madvise(p, huge, advice[a].advice)) {
		error("thp: madvise(%s): %s", advice[a].name, strerror(errno));
		goto out;
	}
	if (check_data(p, words, tag, advice[a].advice == MADV_FREE, "thp",
		       advice[a].name))
		goto out;
	add(&ctr->thp, 1);
out:
	munmap(map, len);
}

static int mode_thp(uint64_t seed)
{
	uint64_t start = thp_splits();
	size_t huge = thp_size();

	if (!huge)
		return 0;	/* no THP in this kernel: nothing to do */
	while (!stopping()) {
		thp_round(huge, &seed);
		__atomic_store_n(&ctr->thp_split, thp_splits() - start, __ATOMIC_RELAXED);
	}
	/* Rounds that never got a huge page test nothing: say so. */
	if (get(&ctr->thp) && !get(&ctr->thp_split))
		error("thp: %llu rounds, and no huge page was split: did any fault in as one?",
		      (unsigned long long)get(&ctr->thp));
	return 0;
}

/* ---- hotplug: random CPUs offline and online through sysfs ---- */

static int cpu_online_path(int cpu, char *buf, size_t len)
{
	snprintf(buf, len, "/sys/devices/system/cpu/cpu%d/online", cpu);
	return access(buf, W_OK) == 0;
}

/* set_cpu(cpu, on): 1 done, 0 refused for now, -1 error. */
static int set_cpu(int cpu, int on)
{
	char path[64];
	int fd, ret;

	cpu_online_path(cpu, path, sizeof(path));
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -1;
	ret = write(fd, on ? "1" : "0", 1) == 1;
	if (!ret && (errno == EBUSY || errno == EAGAIN))
		ret = 0;
	else if (!ret)
		ret = -1;
	close(fd);
	return ret;
}

static int mode_hotplug(int ncpus, uint64_t seed)
{
	int cpus[MAX_CPUS], online[MAX_CPUS], n = 0, nonline, i;
	char path[64];

	for (i = 0; i < ncpus && i < MAX_CPUS; i++)
		if (cpu_online_path(i, path, sizeof(path)))
			cpus[n++] = i;
	if (n == 0) {
		error("hotplug: no CPU has a writable %s (CONFIG_HOTPLUG_CPU?)",
		      "/sys/devices/system/cpu/cpuN/online");
		return 1;
	}
	for (i = 0; i < n; i++)
		online[i] = 1;
	/* CPUs without an online file (x86's CPU 0) stay online anyway. */
	nonline = ncpus;
	while (!stopping()) {
		int k = rnd(&seed) % n, on = !online[k], r;

		if (!on && nonline <= 1)
			continue;
		r = set_cpu(cpus[k], on);
		if (r < 0) {
			error("hotplug: CPU %d %s: %s", cpus[k],
			      on ? "online" : "offline", strerror(errno));
		} else if (r == 0) {
			add(&ctr->hotplug_busy, 1);
		} else {
			online[k] = on;
			nonline += on ? 1 : -1;
			add(on ? &ctr->cpu_online : &ctr->cpu_offline, 1);
		}
		sleep_ms(20 + rnd(&seed) % 200);
	}
	/* Leave every CPU online, as the run found them. */
	for (i = 0; i < n; i++)
		if (!online[i]) {
			if (set_cpu(cpus[i], 1) == 1)
				add(&ctr->cpu_online, 1);
			else
				error("hotplug: CPU %d does not come back online", cpus[i]);
		}
	return 0;
}

/* ---- umh: usermode helpers exec()ing from a lazily held mm ---- */

#define CORE_PATTERN "|/bin/lazymm-stress --core-helper"

/* The core_pattern helper: read the dump to its end, so it counts as dumped. */
static int core_helper(void)
{
	char buf[4096];

	while (read(0, buf, sizeof(buf)) > 0)
		;
	return 0;
}

static int set_core_pattern(void)
{
	int fd = open("/proc/sys/kernel/core_pattern", O_WRONLY);
	ssize_t n = -1;

	if (fd >= 0) {
		n = write(fd, CORE_PATTERN, strlen(CORE_PATTERN));
		close(fd);
	}
	if (n != (ssize_t)strlen(CORE_PATTERN)) {
		error("umh: cannot set core_pattern: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* A multi-threaded child that dumps core while its threads sleep. */
static void crash_child(void)
{
	pthread_t t;
	int i;

	for (i = 0; i < 3; i++)
		if (pthread_create(&t, NULL, sleeper, NULL))
			_exit(2);
	sleep_ms(1);
	raise(SIGQUIT);		/* dumps core; no "segfault" line on the console */
	_exit(3);
}

static void umh_crash(void)
{
	pid_t pid = fork();
	int status;

	if (pid < 0) {
		error("umh: fork: %s", strerror(errno));
		sleep_ms(100);
		return;
	}
	if (pid == 0)
		crash_child();
	add(&ctr->fork, 1);
	if (waitpid(pid, &status, 0) != pid) {
		error("umh: waitpid: %s", strerror(errno));
		return;
	}
	if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGQUIT)
		error("umh: the crashing child ended with status 0x%x, not SIGQUIT", status);
	else if (WCOREDUMP(status))
		add(&ctr->umh_core, 1);
}

/*
 * A character device of a major no driver has (241: reserved for local
 * use): opening it makes the kernel request_module("char-major-241-0"),
 * which runs modprobe, and the open fails with ENXIO.  Needs only
 * CONFIG_MODULES, not networking.
 */
#define UMH_NODE "/dev/lazymm-umh"

static int make_umh_node(void)
{
	if (mknod(UMH_NODE, S_IFCHR | 0600, makedev(241, 0)) && errno != EEXIST) {
		error("umh: mknod %s: %s", UMH_NODE, strerror(errno));
		return -1;
	}
	return 0;
}

static void umh_modprobe(void)
{
	int fd = open(UMH_NODE, O_RDONLY);

	if (fd >= 0) {
		close(fd);
		return;
	}
	if (errno == ENXIO || errno == ENODEV)
		add(&ctr->umh_modprobe, 1);
	else
		error("umh: open %s: %s", UMH_NODE, strerror(errno));
}

/* One worker crashes children, another opens the device: a core dump is
 * slow (seconds under TCG), and must not hold up the cheap helpers. */
static int mode_umh_core(void)
{
	if (set_core_pattern())
		return 1;
	while (!stopping())
		umh_crash();
	return 0;
}

static int mode_umh_modprobe(void)
{
	if (make_umh_node())
		return 1;
	while (!stopping())
		umh_modprobe();
	return 0;
}

/* ---- the parent: start the workers, stop them, report ---- */

struct worker {
	const char *name;
	pid_t pid;
};

static pid_t start_worker(const char *name, int (*fn)(int, uint64_t), int ncpus,
			  uint64_t seed)
{
	pid_t pid = fork();

	if (pid == 0)
		_exit(fn(ncpus, seed) ? 1 : 0);
	if (pid < 0)
		error("cannot fork the %s worker: %s", name, strerror(errno));
	return pid;
}

static int run_pingpong(int ncpus, uint64_t seed) { (void)seed; return mode_pingpong(ncpus); }
static int run_forkexec(int ncpus, uint64_t seed) { (void)ncpus; return mode_forkexec(seed); }
static int run_membarrier(int ncpus, uint64_t seed) { (void)ncpus; (void)seed; return mode_membarrier(); }
static int run_pagetable(int ncpus, uint64_t seed) { (void)ncpus; return mode_pagetable(seed); }
static int run_thp(int ncpus, uint64_t seed) { (void)ncpus; return mode_thp(seed); }
static int run_hotplug(int ncpus, uint64_t seed) { return mode_hotplug(ncpus, seed); }
static int run_umh_core(int ncpus, uint64_t seed) { (void)ncpus; (void)seed; return mode_umh_core(); }
static int run_umh_modprobe(int ncpus, uint64_t seed) { (void)ncpus; (void)seed; return mode_umh_modprobe(); }

static void report(const char *what, long seconds)
{
	printf("lazymm-stress: %s seconds=%ld pingpong=%llu fork=%llu exec=%llu exit=%llu "
	       "membarrier=%llu pagetable=%llu thp=%llu thp_split=%llu cpu_offline=%llu cpu_online=%llu "
	       "hotplug_busy=%llu umh_core=%llu umh_modprobe=%llu errors=%llu\n", what, seconds,
	       (unsigned long long)get(&ctr->pingpong), (unsigned long long)get(&ctr->fork),
	       (unsigned long long)get(&ctr->exec), (unsigned long long)get(&ctr->exit),
	       (unsigned long long)get(&ctr->membarrier), (unsigned long long)get(&ctr->pagetable),
	       (unsigned long long)get(&ctr->thp), (unsigned long long)get(&ctr->thp_split),
	       (unsigned long long)get(&ctr->cpu_offline), (unsigned long long)get(&ctr->cpu_online),
	       (unsigned long long)get(&ctr->hotplug_busy), (unsigned long long)get(&ctr->umh_core),
	       (unsigned long long)get(&ctr->umh_modprobe), (unsigned long long)get(&ctr->errors));
	fflush(stdout);
}

static void usage(FILE *f)
{
	fprintf(f, "Usage: lazymm-stress [-d SECONDS] [-n] [-s SEED]\n"
		"  -d SECONDS  how long to run (default 60)\n"
		"  -n          no CPU hotplug\n"
		"  -s SEED     seed of the random choices (default: the time)\n");
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int, uint64_t);
		int copies;
	} modes[] = {
		{ "pingpong", run_pingpong, 2 },
		{ "forkexec", run_forkexec, 2 },
		{ "membarrier", run_membarrier, 1 },
		{ "pagetable", run_pagetable, 2 },
		{ "thp", run_thp, 1 },
		{ "umh-core", run_umh_core, 1 },
		{ "umh-modprobe", run_umh_modprobe, 1 },
		{ "hotplug", run_hotplug, 1 },
	};
	struct worker workers[16];
	long duration = 60, elapsed = 0, grace;
	int hotplug = 1, nworkers = 0, ncpus, i, j, status, failed = 0;
	uint64_t seed = time(NULL);
	struct timespec t0, t1;
	int opt;

	if (argc == 3 && !strcmp(argv[1], "--exec-child"))
		return exec_child(argv[2]);
	if (argc == 2 && !strcmp(argv[1], "--core-helper"))
		return core_helper();
	while ((opt = getopt(argc, argv, "d:ns:h")) != -1) {
		switch (opt) {
		case 'd': duration = atol(optarg); break;
		case 'n': hotplug = 0; break;
		case 's': seed = strtoull(optarg, NULL, 0); break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (duration <= 0 || optind != argc) {
		usage(stderr);
		return 2;
	}
	seed |= 1;
	setvbuf(stdout, NULL, _IOLBF, 0);
	page_size = sysconf(_SC_PAGESIZE);
	ncpus = sysconf(_SC_NPROCESSORS_CONF);
	if (ncpus < 1 || ncpus > MAX_CPUS)
		ncpus = ncpus < 1 ? 1 : MAX_CPUS;
	ctr = mmap(NULL, sizeof(*ctr), PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (ctr == MAP_FAILED) {
		ctr = NULL;
		error("mmap of the counters: %s", strerror(errno));
		return 1;
	}
	printf("lazymm-stress: start seconds=%ld cpus=%d seed=%llu hotplug=%d\n",
	       duration, ncpus, (unsigned long long)seed, hotplug);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < (int)(sizeof(modes) / sizeof(modes[0])); i++) {
		if (!hotplug && modes[i].fn == run_hotplug)
			continue;
		for (j = 0; j < modes[i].copies; j++) {
			pid_t pid = start_worker(modes[i].name, modes[i].fn, ncpus,
						 seed + 7919 * (nworkers + 1));
			if (pid > 0)
				workers[nworkers++] = (struct worker){ modes[i].name, pid };
		}
	}
	while (elapsed < duration) {
		sleep_ms(1000);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		elapsed = t1.tv_sec - t0.tv_sec;
		if (elapsed % 10 == 0 && elapsed < duration)
			report("progress", elapsed);
	}
	__atomic_store_n(&ctr->stop, 1, __ATOMIC_RELEASE);

	/* Workers finish their round and stop; one that does not is hung. */
	grace = 120;
	for (i = 0; i < nworkers; i++) {
		pid_t r;

		while ((r = waitpid(workers[i].pid, &status, WNOHANG)) == 0 && grace > 0) {
			sleep_ms(1000);
			grace--;
		}
		if (r == 0) {
			error("the %s worker (pid %d) did not stop within 120 s",
			      workers[i].name, workers[i].pid);
			kill(workers[i].pid, SIGKILL);
			waitpid(workers[i].pid, &status, 0);
			failed = 1;
		} else if (!WIFEXITED(status) || WEXITSTATUS(status)) {
			error("the %s worker %s %d", workers[i].name,
			      WIFEXITED(status) ? "exited with status" : "was killed by signal",
			      WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
			failed = 1;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	report("done", t1.tv_sec - t0.tv_sec);
	if (get(&ctr->exec) == 0 || get(&ctr->pagetable) == 0 || get(&ctr->membarrier) == 0 ||
	    get(&ctr->pingpong) == 0 || get(&ctr->umh_core) + get(&ctr->umh_modprobe) == 0 ||
	    (hotplug && get(&ctr->cpu_offline) == 0))
		error("a mode did no work at all (see the counts above)");
	return failed || get(&ctr->errors) ? 1 : 0;
}
