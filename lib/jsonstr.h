/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* JSON strings from kernel bytes. A comm or a cgroup path may hold any
 * byte, a JSON string must be UTF-8 (jansson refuses anything else, and a
 * consumer such as jq rejects the whole document): invalid bytes become
 * U+FFFD, as vsockctl and vsockd always wrote them. */
#ifndef VSOCK_LIB_JSONSTR_H
#define VSOCK_LIB_JSONSTR_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

/* Length of the valid UTF-8 sequence at s (n bytes left), 0 if invalid:
 * rejects overlong forms, surrogates and code points above U+10FFFF. */
size_t utf8_seq_len(const unsigned char *s, size_t n);

/* The first strnlen(s, max) bytes of s as a JSON string, repaired; JSON
 * null when s is NULL. NULL only when out of memory. */
json_t *json_str_repaired(const char *s, size_t max);

/* As json_str_repaired() for exactly len bytes (NULs included). */
json_t *json_strn_repaired(const char *s, size_t len);

/* ["a", "b"] from "a,b" (empty items skipped); NULL only when out of memory. */
json_t *json_csv_array(const char *csv);

/* Member key of o as a number, 0 when absent (replies are read so). */
static inline uint64_t json_get_u64(const json_t *o, const char *key)
{
	return (uint64_t)json_integer_value(json_object_get(o, key));
}

/* Member key of o as a string, NULL when absent or not a string. */
static inline const char *json_get_str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

#endif /* VSOCK_LIB_JSONSTR_H */
