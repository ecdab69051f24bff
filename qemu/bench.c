// SPDX-License-Identifier: GPL-2.0
/*
 * lazymm-bench: the in-guest workloads of make bench.
 *
 * Usage: lazymm-bench WORKLOAD [-d SECONDS]
 *   pingpong   nproc/2 pairs of threads of one process pass a byte through
 *              two pipes; each thread is pinned to a CPU of its own, so
 *              every CPU goes thread -> idle -> thread and the idle task
 *              holds the process's mm lazily in between (will-it-scale
 *              context_switch1_threads, -t nproc/2).  ops: round trips.
 *   exit       short multi-threaded processes, one after another: each
 *              runs a thread on every CPU, then exits, so its mm is left
 *              lazily on the CPUs that go idle.  ops: processes reaped.
 *   exitmoved  the same, but each process waits 5 ms after its threads
 *              are done, while threads of the parent wake up on every CPU
 *              every 200 us: by its exit the other CPUs have moved on to
 *              the parent's mm, though mm_cpumask may still name them (the
 *              shootdown IPIs that find no lazy user).  ops: processes.
 *   mprotect   a 64 MiB populated anonymous range is made read-only, then
 *              writable, then unmapped: the lazy_mmu sections of
 *              change_protection() and zap_pte_range().  ops: rounds;
 *              only the mprotect and munmap calls are timed.
 *   -d SECONDS  how long (default 10)
 *
 * Prints one line, "lazymm-bench: result workload=W cpus=N seconds=S
 * ops=N rate=R key=value...", where the other keys are what the workload
 * changed in /proc/vmstat (every lazy_tlb_* counter) and /proc/interrupts
 * (ipi_call: function-call IPIs, ipi_tlb: x86 TLB shootdowns, ipi: lines
 * that name an IPI without saying which kind, as on powerpc).  Exit 0, or
 * 1 after "lazymm-bench: error: ..." when the workload could not run.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef MADV_NOHUGEPAGE
#define MADV_NOHUGEPAGE 15
#endif

#define MAX_CPUS 64
#define MAX_COUNTERS 32
#define RANGE (64UL << 20)

struct counter {
	char name[48];
	uint64_t value;
};

struct snapshot {
	int n;
	struct counter c[MAX_COUNTERS];
};

static volatile int stop;
static int ncpus;

static void die(const char *what)
{
	printf("lazymm-bench: error: %s: %s\n", what, strerror(errno));
	exit(1);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu % ncpus, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

static void add_counter(struct snapshot *s, const char *name, uint64_t v)
{
	int i;

	for (i = 0; i < s->n; i++) {
		if (!strcmp(s->c[i].name, name)) {
			s->c[i].value += v;
			return;
		}
	}
	if (s->n == MAX_COUNTERS)
		return;
	snprintf(s->c[s->n].name, sizeof(s->c[s->n].name), "%s", name);
	s->c[s->n++].value = v;
}

/* The lazy_tlb_* lines of /proc/vmstat (none without the series). */
static void read_vmstat(struct snapshot *s)
{
	char name[64];
	unsigned long long v;
	FILE *f = fopen("/proc/vmstat", "r");

	if (!f)
		return;
	while (fscanf(f, "%63s %llu", name, &v) == 2)
		if (!strncmp(name, "lazy_tlb", 8))
			add_counter(s, name, v);
	fclose(f);
}

/*
 * The IPI lines of /proc/interrupts, summed over CPUs: x86 and arm64 name
 * the kind ("Function call interrupts", "TLB shootdowns"), powerpc has
 * one line for every kind of IPI.
 */
static void read_interrupts(struct snapshot *s)
{
	char line[4096];
	FILE *f = fopen("/proc/interrupts", "r");

	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		const char *key = NULL;
		char *p = strchr(line, ':');
		uint64_t sum = 0;
		int i;

		if (strstr(line, "Function call"))
			key = "ipi_call";
		else if (strstr(line, "TLB shootdowns"))
			key = "ipi_tlb";
		else if (strstr(line, "IPI") && !strstr(line, "Rescheduling") &&
			 !strstr(line, "interrupts"))
			key = "ipi";
		if (!key || !p)
			continue;
		p++;
		for (i = 0; i < ncpus; i++) {
			char *end;
			unsigned long long v = strtoull(p, &end, 10);

			if (end == p)
				break;
			sum += v;
			p = end;
		}
		add_counter(s, key, sum);
	}
	fclose(f);
}

static void snap(struct snapshot *s)
{
	memset(s, 0, sizeof(*s));
	read_vmstat(s);
	read_interrupts(s);
}

/* ---- pingpong ---------------------------------------------------------- */

struct pair {
	int to_b[2], to_a[2];
	int cpu;
	uint64_t trips;
};

static void *pingpong_a(void *arg)
{
	struct pair *p = arg;
	char c = 0;

	pin(p->cpu);
	while (!stop) {
		if (write(p->to_b[1], &c, 1) != 1 || read(p->to_a[0], &c, 1) != 1)
			break;
		p->trips++;
	}
	/* Let b see the end. */
	close(p->to_b[1]);
	return NULL;
}

static void *pingpong_b(void *arg)
{
	struct pair *p = arg;
	char c;

	pin(p->cpu + 1);
	while (read(p->to_b[0], &c, 1) == 1)
		if (write(p->to_a[1], &c, 1) != 1)
			break;
	close(p->to_a[1]);
	return NULL;
}

static uint64_t run_pingpong(double seconds)
{
	int npairs = ncpus / 2 ? ncpus / 2 : 1, i;
	struct pair pairs[MAX_CPUS / 2];
	pthread_t ta[MAX_CPUS / 2], tb[MAX_CPUS / 2];
	uint64_t trips = 0;

	for (i = 0; i < npairs; i++) {
		memset(&pairs[i], 0, sizeof(pairs[i]));
		pairs[i].cpu = 2 * i;
		if (pipe(pairs[i].to_b) || pipe(pairs[i].to_a))
			die("pipe");
		if (pthread_create(&tb[i], NULL, pingpong_b, &pairs[i]) ||
		    pthread_create(&ta[i], NULL, pingpong_a, &pairs[i]))
			die("pthread_create");
	}
	usleep(seconds * 1e6);
	stop = 1;
	for (i = 0; i < npairs; i++) {
		pthread_join(ta[i], NULL);
		pthread_join(tb[i], NULL);
		trips += pairs[i].trips;
		close(pairs[i].to_b[0]);
		close(pairs[i].to_a[0]);
	}
	return trips;
}

/* ---- exit -------------------------------------------------------------- */

static void *exit_thread(void *arg)
{
	static volatile char page[4096];

	pin((int)(long)arg);
	page[0]++;	/* run on this CPU, in this mm, for a moment */
	return NULL;
}

/* One process: a thread on every other CPU, then exit (after LINGER us). */
static void exit_child(unsigned int linger)
{
	pthread_t t[MAX_CPUS];
	int i;

	pin(0);
	for (i = 1; i < ncpus; i++)
		if (pthread_create(&t[i], NULL, exit_thread, (void *)(long)i))
			_exit(2);
	for (i = 1; i < ncpus; i++)
		pthread_join(t[i], NULL);
	if (linger)
		usleep(linger);
	_exit(0);
}

/* exitmoved: a thread of the parent on each CPU, waking up all the time. */
static void *waker_thread(void *arg)
{
	pin((int)(long)arg);
	while (!stop)
		usleep(200);
	return NULL;
}

static uint64_t run_exit(double seconds, unsigned int linger)
{
	double end = now() + seconds;
	pthread_t wakers[MAX_CPUS];
	uint64_t reaped = 0;
	int status, i;
	pid_t pid;

	for (i = 0; linger && i < ncpus; i++)
		if (pthread_create(&wakers[i], NULL, waker_thread, (void *)(long)i))
			die("pthread_create");

	while (now() < end) {
		pid = fork();
		if (pid < 0)
			die("fork");
		if (pid == 0)
			exit_child(linger);
		if (waitpid(pid, &status, 0) != pid)
			die("waitpid");
		if (!WIFEXITED(status) || WEXITSTATUS(status)) {
			errno = ECHILD;
			die("a child could not start its threads");
		}
		reaped++;
	}
	stop = 1;
	for (i = 0; linger && i < ncpus; i++)
		pthread_join(wakers[i], NULL);
	return reaped;
}

/* ---- mprotect ---------------------------------------------------------- */

static double timed_seconds;

static uint64_t run_mprotect(double seconds)
{
	long page = sysconf(_SC_PAGESIZE);
	double end = now() + seconds, t;
	uint64_t rounds = 0;
	unsigned long off;
	char *p;

	timed_seconds = 0;
	while (now() < end) {
		p = mmap(NULL, RANGE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			die("mmap");
		/* Page table entries, not a huge page: what lazy_mmu batches. */
		madvise(p, RANGE, MADV_NOHUGEPAGE);
		for (off = 0; off < RANGE; off += page)
			p[off] = 1;
		t = now();
		if (mprotect(p, RANGE, PROT_READ) ||
		    mprotect(p, RANGE, PROT_READ | PROT_WRITE))
			die("mprotect");
		if (munmap(p, RANGE))
			die("munmap");
		timed_seconds += now() - t;
		rounds++;
	}
	return rounds;
}

int main(int argc, char **argv)
{
	struct snapshot before, after;
	const char *workload = argc > 1 ? argv[1] : "";
	double seconds = 10, t0, elapsed;
	uint64_t ops;
	int i, j, opt;

	optind = 2;
	while ((opt = getopt(argc, argv, "d:")) != -1) {
		if (opt != 'd') {
			fprintf(stderr, "usage: lazymm-bench pingpong|exit|exitmoved|mprotect [-d SECONDS]\n");
			return 2;
		}
		seconds = atof(optarg);
	}
	ncpus = sysconf(_SC_NPROCESSORS_ONLN);
	if (ncpus > MAX_CPUS)
		ncpus = MAX_CPUS;
	if (seconds <= 0 || ncpus < 1) {
		fprintf(stderr, "lazymm-bench: -d needs a positive number of seconds\n");
		return 2;
	}

	snap(&before);
	t0 = now();
	if (!strcmp(workload, "pingpong")) {
		ops = run_pingpong(seconds);
	} else if (!strcmp(workload, "exit")) {
		ops = run_exit(seconds, 0);
	} else if (!strcmp(workload, "exitmoved")) {
		ops = run_exit(seconds, 5000);
	} else if (!strcmp(workload, "mprotect")) {
		ops = run_mprotect(seconds);
	} else {
		fprintf(stderr, "usage: lazymm-bench pingpong|exit|exitmoved|mprotect [-d SECONDS]\n");
		return 2;
	}
	elapsed = now() - t0;
	snap(&after);
	/* mprotect: the rate of the timed calls alone. */
	if (!strcmp(workload, "mprotect"))
		elapsed = timed_seconds;

	printf("lazymm-bench: result workload=%s cpus=%d seconds=%.3f ops=%llu rate=%.3f",
	       workload, ncpus, elapsed, (unsigned long long)ops,
	       elapsed > 0 ? ops / elapsed : 0.0);
	for (i = 0; i < after.n; i++) {
		uint64_t was = 0;

		for (j = 0; j < before.n; j++)
			if (!strcmp(before.c[j].name, after.c[i].name))
				was = before.c[j].value;
		printf(" %s=%llu", after.c[i].name,
		       (unsigned long long)(after.c[i].value - was));
	}
	printf("\n");
	return 0;
}
