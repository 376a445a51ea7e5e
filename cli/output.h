/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Output of vsockctl. Commands fill a document of sections (text lines,
 * records, tables) made of typed fields; out_render() prints it as aligned
 * text or as JSON, so no command formats for one mode only. */
#ifndef VSOCKCTL_OUTPUT_H
#define VSOCKCTL_OUTPUT_H

#include <stdbool.h>
#include <stdio.h>
#include <linux/types.h>
#include "json.h"

enum out_mode {
	OUT_TEXT = 0,
	OUT_JSON,		/* compact, one line */
	OUT_PRETTY,		/* indented by two spaces */
};

enum out_kind {
	OUT_K_STR,		/* JSON string (null if absent) */
	OUT_K_NUM,		/* JSON number */
	OUT_K_BOOL,
	OUT_K_NULL,
	OUT_K_LIST,		/* JSON array of strings, kept comma-separated */
	OUT_K_CELL,		/* text only */
};

/* col and key are not copied: pass literals or other static strings.
 * col NULL: JSON only. key NULL: text only. A '.' in key nests objects
 * ("tx.redirected_bytes"); fields sharing a prefix must be adjacent. */
struct out_field {
	const char *col;	/* table column or record label */
	const char *key;	/* JSON member name */
	enum out_kind kind;
	bool right;		/* right-align in tables (numbers) */
	bool b;
	__u64 num;
	char *text;		/* text rendering, owned */
	char *str;		/* JSON string or list value, owned; NULL: null */
};

struct out_doc;

struct out_row {
	struct out_doc *doc;
	struct out_field *f;
	int n, cap;
};

enum out_sect_kind {
	OUT_S_TEXT,		/* one line, text mode only */
	OUT_S_RECORD,		/* "label: value" lines / one JSON object */
	OUT_S_TABLE,		/* aligned columns / JSON array of objects */
};

struct out_sect {
	enum out_sect_kind kind;
	const char *key;	/* JSON member; NULL: record fields go to the top
				 * level, a table becomes the top-level array */
	const char *title;	/* text heading, NULL for none */
	char *line;		/* OUT_S_TEXT */
	const char *const *cols;	/* OUT_S_TABLE: NULL-terminated headers */
	struct out_row **rows;
	int n, cap;
};

struct out_doc {
	struct out_sect **s;
	int n, cap;
	bool text_only;		/* help and Prometheus text: no JSON form */
	int err;		/* first error while building, -ENOMEM */
};

void out_init(struct out_doc *d);
void out_free(struct out_doc *d);

/* A line printed in text mode only ("attached /sys/fs/cgroup/app"). */
void out_textf(struct out_doc *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* A record and its one row. */
struct out_row *out_record(struct out_doc *d, const char *key, const char *title);
/* A table with the given column headers, then its rows. */
struct out_sect *out_table(struct out_doc *d, const char *key, const char *title,
			   const char *const *cols);
struct out_row *out_row_add(struct out_doc *d, struct out_sect *table);

/* Field adders. A NULL row (allocation failed) is ignored: the failure is
 * already recorded in the document and reported by out_render(). */
void out_str(struct out_row *r, const char *col, const char *key, const char *val);
void out_num(struct out_row *r, const char *col, const char *key, __u64 v,
	     const char *text);	/* text NULL: the decimal value */
void out_bool(struct out_row *r, const char *col, const char *key, bool v);
void out_null(struct out_row *r, const char *col, const char *key);
void out_list(struct out_row *r, const char *col, const char *key, const char *csv);
void out_cell(struct out_row *r, const char *col, const char *text, bool right);

/* Print the document. Returns 0 or the first building error. */
int out_render(const struct out_doc *d, FILE *f, enum out_mode mode);

#endif /* VSOCKCTL_OUTPUT_H */
