/* sl_bpfobj: see sl_bpfobj.h. */
#include "sl_bpfobj.h"

#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/btf.h>

/* Calls see(id, arg) for every type id that type t refers to. */
static void each_ref(const struct btf_type *t, void (*see)(uint32_t, void *), void *arg)
{
	switch (btf_kind(t)) {
	case BTF_KIND_PTR:
	case BTF_KIND_TYPEDEF:
	case BTF_KIND_VOLATILE:
	case BTF_KIND_CONST:
	case BTF_KIND_RESTRICT:
	case BTF_KIND_TYPE_TAG:
	case BTF_KIND_DECL_TAG:
	case BTF_KIND_FUNC:
	case BTF_KIND_VAR:
		see(t->type, arg);
		break;
	case BTF_KIND_ARRAY:
		see(btf_array(t)->type, arg);
		see(btf_array(t)->index_type, arg);
		break;
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION: {
		const struct btf_member *m = btf_members(t);
		for (unsigned i = 0; i < btf_vlen(t); i++)
			see(m[i].type, arg);
		break;
	}
	case BTF_KIND_FUNC_PROTO: {
		const struct btf_param *p = btf_params(t);
		see(t->type, arg);
		for (unsigned i = 0; i < btf_vlen(t); i++)
			see(p[i].type, arg);
		break;
	}
	case BTF_KIND_DATASEC: {
		const struct btf_var_secinfo *v = btf_var_secinfos(t);
		for (unsigned i = 0; i < btf_vlen(t); i++)
			see(v[i].type, arg);
		break;
	}
	default: /* INT, ENUM, ENUM64, FWD, FLOAT: no references */
		break;
	}
}

struct refs {
	uint32_t ids[3]; /* the map's struct, its max_entries pointer, the array */
	unsigned n[3];
};

static void count_ref(uint32_t id, void *arg)
{
	struct refs *r = arg;
	for (unsigned i = 0; i < 3; i++)
		r->n[i] += id == r->ids[i];
}

/* The array type whose length is the max_entries of map, and the offset
 * of that length in the raw BTF (the .BTF section's bytes); -1 with err. */
static int find_nelems(const struct btf *btf, const char *map, size_t *off, char *err,
		       size_t errlen)
{
	const int var = btf__find_by_name_kind(btf, map, BTF_KIND_VAR);
	if (var < 0) {
		snprintf(err, errlen, "no map %s", map);
		return -1;
	}
	const uint32_t sid = btf__type_by_id(btf, (uint32_t)var)->type;
	const struct btf_type *st = btf__type_by_id(btf, sid);
	if (st == NULL || !btf_is_struct(st)) {
		snprintf(err, errlen, "%s is not a BTF-defined map", map);
		return -1;
	}
	const struct btf_member *m = btf_members(st);
	unsigned i = 0;
	while (i < btf_vlen(st) && strcmp(btf__name_by_offset(btf, m[i].name_off), "max_entries") != 0)
		i++;
	const struct btf_type *ptr = i < btf_vlen(st) ? btf__type_by_id(btf, m[i].type) : NULL;
	const struct btf_type *arr = ptr && btf_is_ptr(ptr) ? btf__type_by_id(btf, ptr->type) : NULL;
	if (arr == NULL || !btf_is_array(arr)) {
		snprintf(err, errlen, "map %s declares no max_entries", map);
		return -1;
	}
	/* Each of the three must be the map's alone: BTF dedup shares them
	 * between maps declared alike. */
	struct refs r = {.ids = {sid, m[i].type, ptr->type}};
	const uint32_t ntypes = btf__type_cnt(btf);
	for (uint32_t id = 1; id < ntypes; id++)
		each_ref(btf__type_by_id(btf, id), count_ref, &r);
	if (r.n[0] != 1 || r.n[1] != 1 || r.n[2] != 1) {
		snprintf(err, errlen, "map %s shares its declaration's types with another map: "
			 "resizing it would resize that one too", map);
		return -1;
	}
	uint32_t size;
	const char *raw = btf__raw_data(btf, &size);
	const char *at = (const char *)&btf_array(arr)->nelems;
	if (raw == NULL || at < raw || at + sizeof(uint32_t) > raw + size) {
		snprintf(err, errlen, "map %s: its BTF is not laid out as read", map);
		return -1;
	}
	*off = (size_t)(at - raw);
	return 0;
}

/* The object's bytes, and the offset of its .BTF section in them. */
static char *read_object(const char *path, size_t *len, size_t *btf_off, char *err,
			 size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	char *buf = NULL;
	if (fd < 0 || fstat(fd, &st) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto fail;
	}
	*len = (size_t)st.st_size;
	buf = malloc(*len ? *len : 1);
	if (buf == NULL || pread(fd, buf, *len, 0) != (ssize_t)*len) {
		snprintf(err, errlen, "reading %s: %s", path, buf ? strerror(errno) : "out of memory");
		goto fail;
	}
	close(fd);
	fd = -1;
	elf_version(EV_CURRENT);
	Elf *elf = elf_memory(buf, *len);
	size_t shstrndx;
	int found = 0;
	if (elf != NULL && elf_getshdrstrndx(elf, &shstrndx) == 0) {
		for (Elf_Scn *scn = elf_nextscn(elf, NULL); scn && !found; scn = elf_nextscn(elf, scn)) {
			GElf_Shdr sh;
			const char *name = gelf_getshdr(scn, &sh) ? elf_strptr(elf, shstrndx, sh.sh_name) : NULL;
			if (name && strcmp(name, ".BTF") == 0 && sh.sh_type != SHT_NOBITS &&
			    sh.sh_offset <= *len) {
				*btf_off = (size_t)sh.sh_offset;
				found = 1;
			}
		}
	}
	if (elf)
		elf_end(elf);
	if (!found) {
		snprintf(err, errlen, "%s: no .BTF section", path);
		goto fail;
	}
	return buf;
fail:
	if (fd >= 0)
		close(fd);
	free(buf);
	return NULL;
}

int sl_bpfobj_resized(const char *path, const char *map, uint32_t max_entries, char *err,
		      size_t errlen)
{
	char sub[200];
	size_t off, len, btf_off;
	struct btf *btf = btf__parse_elf(path, NULL);
	if (btf == NULL) {
		snprintf(err, errlen, "%s: its BTF: %s", path, strerror(errno));
		return -1;
	}
	int rc = find_nelems(btf, map, &off, sub, sizeof(sub));
	btf__free(btf);
	if (rc != 0) {
		snprintf(err, errlen, "%s: %s", path, sub);
		return -1;
	}
	char *buf = read_object(path, &len, &btf_off, err, errlen);
	if (buf == NULL)
		return -1;
	int fd = -1;
	if (btf_off + off + sizeof(uint32_t) > len) {
		snprintf(err, errlen, "%s: .BTF ends before %s's size", path, map);
		goto out;
	}
	memcpy(buf + btf_off + off, &max_entries, sizeof(max_entries));
	fd = memfd_create(map, MFD_CLOEXEC);
	if (fd < 0 || pwrite(fd, buf, len, 0) != (ssize_t)len) {
		snprintf(err, errlen, "a copy of %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		fd = -1;
	}
out:
	free(buf);
	return fd;
}
