/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Output of vsockctl. Commands fill a document of sections (text lines,
 * records, tables) whose rows hold text cells and a JSON object (jansson);
 * out_render() prints it as aligned text or as JSON, so no command formats
 * for one mode only. */
#ifndef VSOCKCTL_OUTPUT_H
#define VSOCKCTL_OUTPUT_H

#include <stdbool.h>
#include <stdio.h>
#include <linux/types.h>
#include <jansson.h>

enum out_mode {
	OUT_TEXT = 0,
	OUT_JSON,		/* compact, one line */
	OUT_PRETTY,		/* indented by two spaces */
};

/* A text cell: col is not copied (pass a literal or another static string). */
struct out_field {
	const char *col;	/* table column or record label */
	char *text;		/* owned */
	bool right;		/* right-align in tables (numbers) */
};

struct out_doc;

/* A row is its text cells and its JSON object, filled side by side. */
struct out_row {
	struct out_doc *doc;
	struct out_field *f;	/* text cells, in the order added */
	int n, cap;
	json_t *json;		/* JSON members; NULL until the first */
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

/* Field adders: col is the cell (NULL: JSON only), key the JSON member
 * (NULL: text only); a '.' in key nests objects ("tx.redirected_bytes").
 * A NULL row (allocation failed) is ignored: the failure is already
 * recorded in the document and reported by out_render(). */
void out_str(struct out_row *r, const char *col, const char *key, const char *val);
void out_num(struct out_row *r, const char *col, const char *key, __u64 v,
	     const char *text);	/* text NULL: the decimal value */
void out_bool(struct out_row *r, const char *col, const char *key, bool v);
void out_null(struct out_row *r, const char *col, const char *key);
void out_list(struct out_row *r, const char *col, const char *key, const char *csv);
void out_cell(struct out_row *r, const char *col, const char *text, bool right);
/* A JSON value at key (consumed, also on failure); key NULL merges the
 * members of object v into the row. */
void out_json(struct out_row *r, const char *key, json_t *v);

/* Print the document. Returns 0 or the first building error. */
int out_render(const struct out_doc *d, FILE *f, enum out_mode mode);
/* Print one JSON value as out_render() does in mode, then a newline. */
int out_dump_json(const json_t *j, FILE *f, enum out_mode mode);

#endif /* VSOCKCTL_OUTPUT_H */
