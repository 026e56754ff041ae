/* sl_bpfobj_resized on the prefilter object (build/bpf/sl_prefilter.bpf.o):
 * the copy's sl_pf_srcs has the size asked and every other map its own;
 * maps that share their declaration's types, maps that are not there and
 * files that are not objects are refused; and the copy, loaded, keeps
 * sources in its smaller array (sl_prefilter_configure writes its bits, a
 * source's slot and the top sources are found in it). The load needs
 * root; without it only the copy is checked. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "sl_bpfobj.h"
#include "sl_cidr.h"
#include "sl_pkt_build.h"
#include "sl_prefilter.h"
#include "sl_test_xdp_run.h"

#define SETS 1024u

static char obj_path[4096];

/* Each map's max_entries in the object at path, by name, into out (NULL
 * name ends); the number of maps. */
struct map_size {
	char name[32];
	uint32_t max_entries;
};

static unsigned map_sizes(const char *path, struct map_size *out, unsigned max)
{
	struct bpf_object *obj = bpf_object__open_file(path, NULL);
	assert_non_null(obj);
	unsigned n = 0;
	struct bpf_map *m;
	bpf_object__for_each_map(m, obj) {
		assert_true(n < max);
		snprintf(out[n].name, sizeof(out[n].name), "%s", bpf_map__name(m));
		out[n++].max_entries = bpf_map__max_entries(m);
	}
	bpf_object__close(obj);
	return n;
}

static void test_copy_resized(void **state)
{
	(void)state;
	char err[256], path[64];
	int fd = sl_bpfobj_resized(obj_path, SL_PF_SRCS_MAP, SETS, err, sizeof(err));
	if (fd < 0)
		fail_msg("sl_bpfobj_resized: %s", err);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	struct map_size was[32], now[32];
	const unsigned n = map_sizes(obj_path, was, 32);
	assert_int_equal(map_sizes(path, now, 32), n);
	unsigned seen = 0;
	for (unsigned i = 0; i < n; i++) {
		assert_string_equal(now[i].name, was[i].name);
		if (strcmp(now[i].name, SL_PF_SRCS_MAP) == 0) {
			assert_int_equal(was[i].max_entries, SL_PF_SRC_SETS);
			assert_int_equal(now[i].max_entries, SETS);
			seen++;
		} else {
			assert_int_equal(now[i].max_entries, was[i].max_entries);
		}
	}
	assert_int_equal(seen, 1);
	close(fd);
}

static void test_refusals(void **state)
{
	(void)state;
	char err[256];
	/* sl_pf_block and sl_pf_block6 are both 16384 long: one array type */
	assert_int_equal(sl_bpfobj_resized(obj_path, SL_PF_BLOCK_MAP, 64, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "shares its declaration's types with another map"));
	assert_int_equal(sl_bpfobj_resized(obj_path, "sl_pf_nosuch", 64, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "no map sl_pf_nosuch"));
	/* a variable that is no map: the program's license */
	assert_int_equal(sl_bpfobj_resized(obj_path, "LICENSE", 64, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "is not a BTF-defined map"));
	assert_int_equal(sl_bpfobj_resized("/etc/passwd", SL_PF_SRCS_MAP, 64, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "/etc/passwd: its BTF"));
	assert_int_equal(sl_bpfobj_resized("/nonexistent.o", SL_PF_SRCS_MAP, 64, err, sizeof(err)),
			 -1);
	assert_non_null(strstr(err, "/nonexistent.o"));
}

/* The copy loaded: configure writes the sets' bits, and 200 sources,
 * each dropped once (blocked), land in slots of sets below SETS, where
 * sl_prefilter_src_slot finds them and the top sources pass reads them. */
static void test_copy_runs(void **state)
{
	(void)state;
	if (geteuid() != 0)
		skip();
	char err[256], path[64];
	int fd = sl_bpfobj_resized(obj_path, SL_PF_SRCS_MAP, SETS, err, sizeof(err));
	assert_true(fd >= 0);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	struct bpf_object *obj = bpf_object__open_file(path, NULL);
	assert_non_null(obj);
	if (bpf_object__load(obj) != 0)
		fail_msg("loading the copy: %s", strerror(errno));
	close(fd);
	int prog = bpf_program__fd(bpf_object__find_program_by_name(obj, "sl_prefilter"));
	sl_prefilter_t pf;
	if (sl_prefilter_open_prog(&pf, prog, err, sizeof(err)) != 0)
		fail_msg("sl_prefilter_open_prog: %s", err);
	const uint8_t my[4] = {10, 99, 0, 11};
	struct sl_pf_conf conf = sl_pf_conf_make(my, SL_PORT_INGEST, SL_PORT_GOSSIP);
	assert_int_equal(sl_prefilter_configure(&pf, &conf), 0);
	assert_int_equal(sl_prefilter_read_conf(&pf, &conf), 0);
	assert_int_equal(1u << conf.src_sets_bits, SETS);
	const sl_cidr_t eight = {.family = 4, .prefixlen = 8, .addr = {10}};
	assert_int_equal(sl_prefilter_block(&pf, &eight, 0), 0);
	static const uint8_t payload[64] = {1};
	uint8_t f[256];
	for (uint32_t i = 0; i < 200; i++) {
		sl_udp4_addr_t a = {
			.src_mac = {2, 0, 0, 0, 0, 1}, .dst_mac = {2, 0, 0, 0, 0, 0x0b},
			.src_ip = 0x0a010000u + i * 77, .dst_ip = 0x0a63000bu,
			.src_port = 40000, .dst_port = SL_PORT_INGEST,
		};
		size_t len = sl_pkt_build_udp4(f, sizeof(f), &a, 7, payload, sizeof(payload));
		unsigned moved;
		assert_int_equal(sl_test_xdp_run(prog, &pf, f, len, &moved), XDP_DROP);
		assert_int_equal(moved, SL_PF_DROP_BLOCKLISTED);
	}
	/* Each source's set under the conf's hash, below SETS; a set's two
	 * ways hold its sources unless a third came (the hash key is random
	 * per run, so which sets those are is counted, not assumed). */
	static unsigned in_set[SETS];
	uint32_t set_of[200];
	memset(in_set, 0, sizeof(in_set));
	for (uint32_t i = 0; i < 200; i++) {
		const struct sl_pf_srckey k = sl_pf_srckey4(__builtin_bswap32(0x0a010000u + i * 77));
		set_of[i] = sl_pf_src_set(&conf, sl_pf_src_hash(&conf, &k));
		assert_true(set_of[i] < SETS);
		in_set[set_of[i]]++;
	}
	for (uint32_t i = 0; i < 200; i++) {
		const uint32_t ip = __builtin_bswap32(0x0a010000u + i * 77);
		struct sl_pf_srcslot s;
		uint32_t idx;
		const int rc = sl_prefilter_src_slot(&pf, 4, (const uint8_t *)&ip, 32, &s, &idx);
		assert_true(rc >= 0);
		if (rc == 1)
			assert_int_equal(idx / SL_PF_SRC_WAYS, set_of[i]);
		else
			assert_true(in_set[set_of[i]] > SL_PF_SRC_WAYS);
	}
	sl_pf_top_t top;
	assert_int_equal(sl_prefilter_top_sources(&pf, &top), 0);
	assert_int_equal(top.n, SL_PF_TOP_MAX);
	sl_prefilter_close(&pf);
	bpf_object__close(obj);
}

int main(void)
{
	const char *build = getenv("SLUICE_BUILD_DIR");
	snprintf(obj_path, sizeof(obj_path), "%s/bpf/sl_prefilter.bpf.o", build ? build : "build");
	if (access(obj_path, R_OK) != 0) {
		printf("skip: no %s (build the BPF object first)\n", obj_path);
		return 77;
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_copy_resized),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_copy_runs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
