// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* A map value of one layout into another, member by member by name, as
 * both layouts' BTF describes them (loader/migrate.c carries the state of
 * pins of an older ABI into a new load this way). */
#include <errno.h>
#include <string.h>
#include <bpf/btf.h>
#include "internal.h"

/* The type behind typedefs and qualifiers. */
static const struct btf_type *resolve(const struct btf *b, __u32 *id)
{
	const struct btf_type *t = btf__type_by_id(b, *id);

	while (t && (btf_is_typedef(t) || btf_is_mod(t))) {
		*id = t->type;
		t = btf__type_by_id(b, *id);
	}
	return t;
}

/* Integers of any width and signedness into each other; enums count as
 * unsigned integers of their size. */
static int copy_int(const struct btf_type *ft, const void *src, const struct btf_type *tt,
		    void *dst)
{
	bool sign = btf_is_int(ft) && (btf_int_encoding(ft) & BTF_INT_SIGNED);
	__u64 v = 0;

	if (ft->size > 8 || tt->size > 8 || !ft->size || !tt->size)
		return -EINVAL;
	memcpy(&v, src, ft->size);	/* little and big endian alike: below */
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	v >>= 8 * (8 - ft->size);
#endif
	if (sign && ft->size < 8 && (v >> (8 * ft->size - 1)) & 1)
		v |= ~0ull << (8 * ft->size);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	v <<= 8 * (8 - tt->size);
#endif
	memcpy(dst, &v, tt->size);
	return 0;
}

static int copy_type(const struct btf *from, __u32 fid, const void *src,
		     const struct btf *to, __u32 tid, void *dst, int depth);

static int copy_struct(const struct btf *from, const struct btf_type *ft, const void *src,
		       const struct btf *to, const struct btf_type *tt, void *dst, int depth)
{
	const struct btf_member *fm = btf_members(ft), *tm = btf_members(tt);
	int i, j, r;

	for (i = 0; i < btf_vlen(tt); i++) {
		const char *name = btf__name_by_offset(to, tm[i].name_off);

		if (!name || !*name || btf_member_bitfield_size(tt, i))
			continue;	/* anonymous or a bitfield: left zero */
		for (j = 0; j < btf_vlen(ft); j++) {
			const char *n = btf__name_by_offset(from, fm[j].name_off);

			if (n && !strcmp(n, name) && !btf_member_bitfield_size(ft, j))
				break;
		}
		if (j == btf_vlen(ft))
			continue;	/* new member: zero */
		r = copy_type(from, fm[j].type, (const char *)src + btf_member_bit_offset(ft, j) / 8,
			      to, tm[i].type, (char *)dst + btf_member_bit_offset(tt, i) / 8,
			      depth + 1);
		if (r)
			return r;
	}
	return 0;
}

static int copy_type(const struct btf *from, __u32 fid, const void *src,
		     const struct btf *to, __u32 tid, void *dst, int depth)
{
	const struct btf_type *ft = resolve(from, &fid), *tt = resolve(to, &tid);
	__s64 fsz, tsz;

	if (!ft || !tt || depth > 16)
		return -EINVAL;
	if (btf_is_struct(ft) && btf_is_struct(tt))
		return copy_struct(from, ft, src, to, tt, dst, depth);
	if ((btf_is_int(ft) || btf_is_enum(ft)) && (btf_is_int(tt) || btf_is_enum(tt)))
		return copy_int(ft, src, tt, dst);
	if (btf_is_array(ft) && btf_is_array(tt)) {
		const struct btf_array *fa = btf_array(ft), *ta = btf_array(tt);
		__s64 fe = btf__resolve_size(from, fa->type), te = btf__resolve_size(to, ta->type);
		__u32 i, n = fa->nelems < ta->nelems ? fa->nelems : ta->nelems;
		int r;

		if (fe <= 0 || te <= 0)
			return -EINVAL;
		for (i = 0; i < n; i++) {
			r = copy_type(from, fa->type, (const char *)src + i * fe, to, ta->type,
				      (char *)dst + i * te, depth + 1);
			if (r)
				return r;
		}
		return 0;
	}
	/* anything else (unions, pointers...) only as it is */
	fsz = btf__resolve_size(from, fid);
	tsz = btf__resolve_size(to, tid);
	if (fsz <= 0 || fsz != tsz || btf_kind(ft) != btf_kind(tt))
		return -EINVAL;
	memcpy(dst, src, (size_t)fsz);
	return 0;
}

int vs_btf_copy(const struct btf *from, __u32 from_id, const void *src,
		const struct btf *to, __u32 to_id, void *dst)
{
	__s64 tsz = btf__resolve_size(to, to_id);

	if (tsz <= 0)
		return -EINVAL;
	memset(dst, 0, (size_t)tsz);
	return copy_type(from, from_id, src, to, to_id, dst, 0);
}
