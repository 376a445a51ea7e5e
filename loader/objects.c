// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The BPF objects, programs and maps vsock consists of, and how each
 * program attaches. */
#include <string.h>
#include "internal.h"
#include "vsock_sockops.skel.h"
#include "vsock_msg.skel.h"
#include "vsock_sock.skel.h"
#include "vsock_trace.skel.h"
#include "vsock_rx.skel.h"
#include "vsock_join.skel.h"
#include "vsock_svc.skel.h"
#include "vsock_relay.skel.h"

const struct vs_object_desc vs_objects[] = {
	/* the first object creates and pins the maps; the others reuse them */
	{ "vsock_sockops", vsock_sockops__elf_bytes },
	{ "vsock_msg",     vsock_msg__elf_bytes },
	{ "vsock_sock",    vsock_sock__elf_bytes },
	{ "vsock_trace",   vsock_trace__elf_bytes },
	{ "vsock_rx",      vsock_rx__elf_bytes },
	{ "vsock_join",    vsock_join__elf_bytes },
	{ "vsock_svc",     vsock_svc__elf_bytes },
	{ "vsock_relay",   vsock_relay__elf_bytes },
};
const int vs_nobjects = sizeof(vs_objects) / sizeof(vs_objects[0]);

const struct vs_prog_desc vs_progs[] = {
	{ "vsock_sockops",      VS_ATTACH_CGROUP,   BPF_CGROUP_SOCK_OPS },
	{ "vsock_create",  VS_ATTACH_CGROUP,   BPF_CGROUP_INET_SOCK_CREATE },
	{ "vsock_bind4",   VS_ATTACH_CGROUP,   BPF_CGROUP_INET4_POST_BIND },
	{ "vsock_bind6",   VS_ATTACH_CGROUP,   BPF_CGROUP_INET6_POST_BIND },
	{ "vsock_release", VS_ATTACH_CGROUP,   BPF_CGROUP_INET_SOCK_RELEASE },
	{ "vsock_msg",          VS_ATTACH_SOCKHASH, BPF_SK_MSG_VERDICT },
	{ "vsock_rx",           VS_ATTACH_SOCKHASH, BPF_SK_SKB_VERDICT },
	{ "vsock_destroy",      VS_ATTACH_TRACE,    0 },
	{ "vsock_recv",         VS_ATTACH_TRACE,    0 },
	{ "vsock_send",         VS_ATTACH_TRACE,    0 },
	{ "vsock_join",         VS_ATTACH_NONE,     0 },
	{ "vsock_svc_conn4",    VS_ATTACH_CGROUP,   BPF_CGROUP_INET4_CONNECT },
	{ "vsock_svc_conn6",    VS_ATTACH_CGROUP,   BPF_CGROUP_INET6_CONNECT },
	{ "vsock_svc_peer4",    VS_ATTACH_CGROUP,   BPF_CGROUP_INET4_GETPEERNAME },
	{ "vsock_svc_peer6",    VS_ATTACH_CGROUP,   BPF_CGROUP_INET6_GETPEERNAME },
	{ "vsock_relay_fwd",    VS_ATTACH_RELAY,    BPF_SK_SKB_VERDICT },
	{ "vsock_relay_state",  VS_ATTACH_NONE,     0 },	/* vsockd's relay links it */
	{ "vsock_relay_gone",   VS_ATTACH_TRACE,    0 },
	{ "vsock_relay_close",  VS_ATTACH_NONE,     0 },
};
const int vs_nprogs = sizeof(vs_progs) / sizeof(vs_progs[0]);

int vs_prog_index(const char *name)
{
	int i;

	for (i = 0; i < vs_nprogs; i++)
		if (!strcmp(vs_progs[i].name, name))
			return i;
	return -1;
}

const struct vs_map_desc vs_maps[VS_MAP_COUNT] = {
#define VS_MAP_DESC(id, name, key_size, sized) [VS_MAP_##id] = { #name, key_size, sized },
	VS_MAPS(VS_MAP_DESC)
#undef VS_MAP_DESC
};

const char *loader_map_name(enum vs_map_id id)
{
	return (unsigned int)id < VS_MAP_COUNT ? vs_maps[id].name : NULL;
}
