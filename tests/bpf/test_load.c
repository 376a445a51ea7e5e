// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Open, load (verify) and pin every vsock BPF object into a private pin
 * root, check that every program and map the objects define is pinned and
 * loaded, adopt the pins a second time, then unload and check that the pin
 * root and the programs are gone. Verifier regressions fail here first.
 * The expected programs and maps come from the skeletons themselves, so a
 * program added to bpf/ is checked without editing this file; a map added
 * to bpf/maps.bpf.h fails here until VS_MAPS (vsock/maps.h) lists it. */
#include "testlib.h"
#include <bpf/libbpf.h>
#include "vsock_sockops.skel.h"
#include "vsock_msg.skel.h"
#include "vsock_sock.skel.h"
#include "vsock_trace.skel.h"
#include "vsock_rx.skel.h"
#include "vsock_join.skel.h"
#include "vsock_svc.skel.h"
#include "vsock_relay.skel.h"

#define MAX_NAMES 64
#define NAME_LEN 16		/* BPF_OBJ_NAME_LEN: kernel names are cut to 15 */

struct names {
	int n;
	char v[MAX_NAMES][NAME_LEN];
};

static struct names want_progs, want_maps, have_progs, have_maps;
static __u32 prog_ids[MAX_NAMES];
static int nprog_ids;
static int npins;
static char pin_root[PATH_MAX];
#define TEST_MAX_SOCKS 4096
static struct vs_loader_opts opts;

static void names_add(struct names *s, const char *name)
{
	int i;

	for (i = 0; i < s->n; i++)
		if (!strncmp(s->v[i], name, NAME_LEN - 1))
			return;
	if (s->n < MAX_NAMES)
		snprintf(s->v[s->n++], NAME_LEN, "%s", name);
}

static bool names_has(const struct names *s, const char *name)
{
	int i;

	for (i = 0; i < s->n; i++)
		if (!strncmp(s->v[i], name, NAME_LEN - 1))
			return true;
	return false;
}

/* VS_MAPS as the test reads it, indexed by enum vs_map_id. */
static const struct {
	size_t key_size;
	bool sized;
} map_rows[VS_MAP_COUNT] = {
#define MAP_ROW(id, name, key_size, sized) [VS_MAP_##id] = { key_size, sized },
	VS_MAPS(MAP_ROW)
#undef MAP_ROW
};

static bool map_row(const char *name)
{
	int i;

	for (i = 0; i < VS_MAP_COUNT; i++)
		if (!strcmp(loader_map_name(i), name))
			return true;
	return false;
}

static void add_prog_id(__u32 id)
{
	int i;

	for (i = 0; i < nprog_ids; i++)
		if (prog_ids[i] == id)
			return;
	if (nprog_ids < MAX_NAMES)
		prog_ids[nprog_ids++] = id;
}

/* What the objects define: every program, every map that is not a
 * libbpf-internal section map (.rodata, .bss, ...). */
static int collect_expected(struct bpf_object *obj)
{
	struct bpf_program *p;
	struct bpf_map *m;

	if (!obj)
		return -errno;
	bpf_object__for_each_program(p, obj)
		if (want_progs.n < MAX_NAMES)	/* full names: no dedup */
			snprintf(want_progs.v[want_progs.n++], NAME_LEN, "%s",
				 bpf_program__name(p));
	bpf_object__for_each_map(m, obj)
		if (!strchr(bpf_map__name(m), '.'))
			names_add(&want_maps, bpf_map__name(m));
	return 0;
}

/* "prog_type:", "map_type:" or "link_type:" from /proc/self/fdinfo. */
static char fd_kind(int fd)
{
	char path[64], line[128];
	char kind = '?';
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "re");
	if (!f)
		return kind;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "prog_type:", 10))
			kind = 'p';
		else if (!strncmp(line, "map_type:", 9))
			kind = 'm';
		else if (!strncmp(line, "link_type:", 10))
			kind = 'l';
	}
	fclose(f);
	return kind;
}

/* Distinct loaded programs found through the pins, by id. */
static char prog_id_names[MAX_NAMES][NAME_LEN];

static void record_prog_fd(int fd)
{
	struct bpf_prog_info info = { 0 };
	__u32 len = sizeof(info);
	int before = nprog_ids;

	if (!bpf_obj_get_info_by_fd(fd, &info, &len)) {
		names_add(&have_progs, info.name);
		add_prog_id(info.id);
		if (nprog_ids > before)
			snprintf(prog_id_names[before], NAME_LEN, "%s", info.name);
	}
}

/* Kernel names are cut to 15 characters, so two programs may share one
 * (vsock_bind4/6): each needs its own loaded program. */
static int count_prefix(const struct names *s, const char *name)
{
	int i, n = 0;

	for (i = 0; i < s->n; i++)
		n += !strncmp(s->v[i], name, NAME_LEN - 1);
	return n;
}

static int count_loaded(const char *name)
{
	int i, n = 0;

	for (i = 0; i < nprog_ids; i++)
		n += !strncmp(prog_id_names[i], name, NAME_LEN - 1);
	return n;
}

/* Walk the pin root: every pin is a loaded program, a map, or a link
 * (whose program counts as pinned too). */
static int walk(const char *dir, int depth)
{
	char path[PATH_MAX];
	struct dirent *de;
	struct stat st;
	DIR *d;
	int fd;

	if (depth > 4)
		return 0;
	d = opendir(dir);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (lstat(path, &st))
			continue;
		if (S_ISDIR(st.st_mode)) {
			walk(path, depth + 1);
			continue;
		}
		fd = bpf_obj_get(path);
		if (fd < 0)
			continue;
		npins++;
		switch (fd_kind(fd)) {
		case 'p':
			record_prog_fd(fd);
			break;
		case 'm': {
			struct bpf_map_info info = { 0 };
			__u32 len = sizeof(info);

			if (!bpf_obj_get_info_by_fd(fd, &info, &len))
				names_add(&have_maps, info.name);
			break;
		}
		case 'l': {
			struct bpf_link_info info = { 0 };
			__u32 len = sizeof(info);
			int pfd;

			if (!bpf_obj_get_info_by_fd(fd, &info, &len) && info.prog_id) {
				pfd = bpf_prog_get_fd_by_id(info.prog_id);
				if (pfd >= 0) {
					record_prog_fd(pfd);
					close(pfd);
				}
			}
			break;
		}
		}
		close(fd);
	}
	closedir(d);
	return 0;
}

/* a) load + pin everything */
static int case_load_and_pin(void)
{
	struct vsock_sockops *s1 = vsock_sockops__open();
	struct vsock_msg *s2 = vsock_msg__open();
	struct vsock_sock *s3 = vsock_sock__open();
	struct vsock_trace *s4 = vsock_trace__open();
	struct vsock_rx *s5 = vsock_rx__open();
	struct vsock_join *s6 = vsock_join__open();
	struct vsock_svc *s7 = vsock_svc__open();
	struct vsock_relay *s8 = vsock_relay__open();
	struct vs_loader *ld = NULL;
	struct vs_err err = { "" };
	struct stat st;
	int i, r;

	TL_EXPECT(s1 && s2 && s3 && s4 && s5 && s6 && s7 && s8, "open skeletons: %s", strerror(errno));
	TL_EXPECT(!collect_expected(s1->obj) && !collect_expected(s2->obj) &&
		  !collect_expected(s3->obj) && !collect_expected(s4->obj) &&
		  !collect_expected(s5->obj) && !collect_expected(s6->obj) &&
		  !collect_expected(s7->obj) && !collect_expected(s8->obj), "skeleton objects");
	/* VS_MAPS (vsock/maps.h) lists exactly the maps of the objects, with
	 * their key sizes, and sizes by max_socks those BPF sizes by default */
	TL_EXPECT(want_maps.n == VS_MAP_COUNT, "objects define %d maps, VS_MAPS lists %d",
		  want_maps.n, VS_MAP_COUNT);
	for (i = 0; i < want_maps.n; i++)
		TL_EXPECT(map_row(want_maps.v[i]), "map %s of the objects is not in VS_MAPS",
			  want_maps.v[i]);
	for (i = 0; i < VS_MAP_COUNT; i++) {
		const struct bpf_map *m = bpf_object__find_map_by_name(s1->obj, loader_map_name(i));

		TL_EXPECT(m, "VS_MAPS map %s is not defined by the objects", loader_map_name(i));
		TL_EXPECT(bpf_map__key_size(m) == map_rows[i].key_size, "%s: key %u bytes, VS_MAPS says %zu",
			  loader_map_name(i), bpf_map__key_size(m), map_rows[i].key_size);
		TL_EXPECT((bpf_map__max_entries(m) == VS_MAX_SOCKS_DEFAULT) == map_rows[i].sized,
			  "%s: %u entries in BPF, VS_MAPS says sized=%d", loader_map_name(i),
			  bpf_map__max_entries(m), map_rows[i].sized);
	}

	TL_EXPECT(stat(pin_root, &st) && errno == ENOENT, "%s exists before the test", pin_root);
	r = loader_open(&ld, &opts, true, &err);
	TL_EXPECT(!r, "loader_open(create) %s: %s (%d)", pin_root, err.msg, r);
	for (i = 0; i < VS_MAP_COUNT; i++)
		TL_EXPECT(loader_map_fd(ld, i) >= 0, "no fd for map %s", loader_map_name(i));
	for (i = 0; i < VS_MAP_COUNT; i++) {
		struct bpf_map_info info = { 0 };
		__u32 len = sizeof(info);

		TL_EXPECT(!bpf_obj_get_info_by_fd(loader_map_fd(ld, i), &info, &len),
			  "map info %s", loader_map_name(i));
		TL_EXPECT(!strncmp(info.name, loader_map_name(i), NAME_LEN - 1),
			  "fd of %s is map %s", loader_map_name(i), info.name);
		TL_EXPECT(!map_rows[i].sized || info.max_entries == TEST_MAX_SOCKS,
			  "%s has %u entries, want %u", loader_map_name(i), info.max_entries,
			  TEST_MAX_SOCKS);
	}

	TL_EXPECT(!walk(pin_root, 0), "walk %s: %s", pin_root, strerror(errno));
	for (i = 0; i < want_maps.n; i++)
		TL_EXPECT(names_has(&have_maps, want_maps.v[i]), "map %s is not pinned under %s",
			  want_maps.v[i], pin_root);
	for (i = 0; i < want_progs.n; i++)
		TL_EXPECT(count_loaded(want_progs.v[i]) >= count_prefix(&want_progs, want_progs.v[i]),
			  "program %s is not pinned (nor reachable by a pinned link) under %s",
			  want_progs.v[i], pin_root);
	{
		char pl[MAX_NAMES * NAME_LEN] = "";

		for (i = 0; i < want_progs.n; i++)
			snprintf(pl + strlen(pl), sizeof(pl) - strlen(pl), "%s%s", i ? " " : "",
				 want_progs.v[i]);
		tl_diag("%d programs (%s) and %d maps defined; %d pins: %d loaded programs, %d maps",
			want_progs.n, pl, want_maps.n, npins, nprog_ids, have_maps.n);
	}
out:
	loader_close(ld);
	vsock_sockops__destroy(s1);
	vsock_msg__destroy(s2);
	vsock_sock__destroy(s3);
	vsock_trace__destroy(s4);
	vsock_rx__destroy(s5);
	vsock_join__destroy(s6);
	vsock_svc__destroy(s7);
	vsock_relay__destroy(s8);
	return tl_verdict();
}

/* The pins are the source of truth: a second process adopts them. */
static int case_adopt_and_meta(void)
{
	struct vs_loader *ld = NULL;
	struct vs_err err = { "" };
	struct vs_meta meta;
	__u64 stats[VS_C_MAX];
	int r, n;

	r = loader_open(&ld, &opts, false, &err);
	TL_EXPECT(!r, "loader_open(adopt) %s: %s (%d)", pin_root, err.msg, r);
	TL_EXPECT(!loader_read_meta(ld, &meta), "loader_read_meta");
	TL_EXPECT(meta.abi_version == VS_ABI_VERSION, "ABI version %u, want %u", meta.abi_version,
		  VS_ABI_VERSION);
	TL_EXPECT(meta.max_queued == VS_MAX_QUEUED_DEFAULT, "max_queued %llu, want %u",
		  (unsigned long long)meta.max_queued, VS_MAX_QUEUED_DEFAULT);
	TL_EXPECT(!loader_read_stats(ld, stats), "loader_read_stats");
	n = loader_count_sockhash(ld);
	TL_EXPECT(n == 0, "sockhash holds %d sockets in a fresh pin root", n);
	r = loader_list_attached(ld, NULL, 0, &err);
	TL_EXPECT(r == 0, "attached cgroups: %d (%s)", r, err.msg);
out:
	loader_close(ld);
	return tl_verdict();
}

static int case_unload(void)
{
	struct vs_loader *ld = NULL;
	struct vs_err err = { "" };
	struct stat st;
	uint64_t deadline;
	int r, i, fd, alive = 0;

	r = loader_unload(&opts, false, 0, &err);
	TL_EXPECT(!r, "loader_unload %s: %s (%d)", pin_root, err.msg, r);
	TL_EXPECT(stat(pin_root, &st) && errno == ENOENT, "%s still exists after unload", pin_root);
	/* nothing holds the programs any more: they leave the kernel */
	deadline = tl_now_ms() + 2000;
	do {
		alive = 0;
		for (i = 0; i < nprog_ids; i++) {
			fd = bpf_prog_get_fd_by_id(prog_ids[i]);
			if (fd >= 0) {
				alive++;
				close(fd);
			}
		}
		if (alive)
			tl_sleep_ms(50);
	} while (alive && tl_now_ms() < deadline);
	TL_EXPECT(!alive, "%d of %d programs still loaded 2 s after unload", alive, nprog_ids);
	r = loader_open(&ld, &opts, false, &err);
	TL_EXPECT(r == -ENOENT, "loader_open(adopt) after unload: %d, want -ENOENT", r);
out:
	if (!r && ld)
		loader_close(ld);
	return tl_verdict();
}

static void cleanup(void)
{
	struct vs_err err = { "" };
	struct stat st;

	if (pin_root[0] && !stat(pin_root, &st))
		loader_unload(&opts, true, 0, &err);
}

static const char *current = "setup";

static void on_signal(int sig)
{
	printf("not ok - %s: %s\n", current, sig == SIGALRM ? "timeout" : "interrupted");
	fflush(stdout);
	cleanup();
	_exit(128 + sig);
}

int main(void)
{
	static const struct tl_case cases[] = {
		{ "load_and_pin_all_objects", case_load_and_pin, 60 },
		{ "adopt_pins_abi_meta", case_adopt_and_meta, 20 },
		{ "unload_removes_pins_and_programs", case_unload, 20 },
	};
	int i, r, fails = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	tl.bin = "test_load";
	tl.ci = getenv("CI") && !strcmp(getenv("CI"), "true");
	if (geteuid() != 0)
		return tl_skip_all(cases, TL_NCASES(cases), "needs root (BPF)");
	snprintf(pin_root, sizeof(pin_root), "/sys/fs/bpf/vsock-test-load-%d", (int)getpid());
	opts.pin_root = pin_root;
	opts.max_socks = TEST_MAX_SOCKS;	/* not the default: proves the maps are sized */
	atexit(cleanup);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGALRM, on_signal);
	for (i = 0; i < TL_NCASES(cases); i++) {
		if (!tl_selected(cases[i].name))
			continue;
		tl.failed = tl.skipped = 0;
		tl.why[0] = 0;
		current = cases[i].name;
		alarm(cases[i].timeout_s);
		r = cases[i].fn();
		alarm(0);
		if (r < 0) {
			tl_line("not ok", cases[i].name, tl.why);
			fails++;
		} else if (r > 0) {
			tl_line("skip", cases[i].name, tl.why);
			fails += tl.ci;
		} else {
			tl_line("ok", cases[i].name, NULL);
		}
		if (r < 0 && i == 0)
			break;	/* nothing loaded: the rest cannot run */
	}
	cleanup();
	return fails ? 1 : 0;
}
