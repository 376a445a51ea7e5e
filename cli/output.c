// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The row model and its two renderings. Building never fails loudly: the
 * first allocation error is kept in the document and returned by
 * out_render(), so commands need no error check per field. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "jsonstr.h"
#include "output.h"

void out_init(struct out_doc *d)
{
	memset(d, 0, sizeof(*d));
}

static void row_free(struct out_row *r)
{
	int i;

	if (!r)
		return;
	for (i = 0; i < r->n; i++)
		free(r->f[i].text);
	free(r->f);
	json_decref(r->json);
	free(r);
}

void out_free(struct out_doc *d)
{
	int i, j;

	for (i = 0; i < d->n; i++) {
		struct out_sect *s = d->s[i];

		for (j = 0; j < s->n; j++)
			row_free(s->rows[j]);
		free(s->rows);
		free(s->line);
		free(s);
	}
	free(d->s);
	out_init(d);
}

static void *nomem(struct out_doc *d)
{
	if (!d->err)
		d->err = -ENOMEM;
	return NULL;
}

/* arr (of elem-sized items) with room for one more; NULL, and arr kept,
 * when out of memory. */
static void *grow(void *arr, int *cap, int n, size_t elem)
{
	void *q;
	int ncap;

	if (n < *cap)
		return arr;
	ncap = *cap ? *cap * 2 : 8;
	q = realloc(arr, (size_t)ncap * elem);
	if (q)
		*cap = ncap;
	return q;
}

static struct out_sect *sect_add(struct out_doc *d, enum out_sect_kind kind,
				 const char *key, const char *title)
{
	struct out_sect **arr, *s;

	arr = grow(d->s, &d->cap, d->n, sizeof(*d->s));
	if (!arr)
		return nomem(d);
	d->s = arr;
	s = calloc(1, sizeof(*s));
	if (!s)
		return nomem(d);
	s->kind = kind;
	s->key = key;
	s->title = title;
	d->s[d->n++] = s;
	return s;
}

void out_textf(struct out_doc *d, const char *fmt, ...)
{
	struct out_sect *s;
	va_list ap;
	int ret;

	s = sect_add(d, OUT_S_TEXT, NULL, NULL);
	if (!s)
		return;
	va_start(ap, fmt);
	ret = vasprintf(&s->line, fmt, ap);
	va_end(ap);
	if (ret < 0) {
		s->line = NULL;
		nomem(d);
	}
}

struct out_row *out_row_add(struct out_doc *d, struct out_sect *t)
{
	struct out_row **arr, *r;

	if (!t)
		return NULL;
	arr = grow(t->rows, &t->cap, t->n, sizeof(*t->rows));
	if (!arr)
		return nomem(d);
	t->rows = arr;
	r = calloc(1, sizeof(*r));
	if (!r)
		return nomem(d);
	r->doc = d;
	t->rows[t->n++] = r;
	return r;
}

struct out_row *out_record(struct out_doc *d, const char *key, const char *title)
{
	return out_row_add(d, sect_add(d, OUT_S_RECORD, key, title));
}

struct out_sect *out_table(struct out_doc *d, const char *key, const char *title,
			   const char *const *cols)
{
	struct out_sect *s = sect_add(d, OUT_S_TABLE, key, title);

	if (s)
		s->cols = cols;
	return s;
}

static struct out_field *cell_add(struct out_row *r, const char *col,
				  const char *text, bool right)
{
	struct out_field *f;

	if (!r || !col)
		return NULL;
	f = grow(r->f, &r->cap, r->n, sizeof(*r->f));
	if (!f)
		return nomem(r->doc);
	r->f = f;
	f = &r->f[r->n];
	f->col = col;
	f->right = right;
	f->text = strdup(text ? text : "");
	if (!f->text)
		return nomem(r->doc);
	r->n++;
	return f;
}

/* The object at the parents of a dotted key, made on the way; *last is
 * the final segment. */
static json_t *parent_of(json_t *o, const char *key, const char **last)
{
	const char *dot;
	json_t *c;
	char seg[64];

	while ((dot = strchr(key, '.'))) {
		snprintf(seg, sizeof(seg), "%.*s", (int)(dot - key), key);
		c = json_object_get(o, seg);
		if (!json_is_object(c)) {
			c = json_object();
			if (json_object_set_new(o, seg, c))
				return NULL;
		}
		o = c;
		key = dot + 1;
	}
	*last = key;
	return o;
}

void out_json(struct out_row *r, const char *key, json_t *v)
{
	const char *last;
	json_t *o;

	if (!r || !v) {
		if (r)
			nomem(r->doc);
		json_decref(v);
		return;
	}
	if (!r->json && !(r->json = json_object())) {
		json_decref(v);
		nomem(r->doc);
		return;
	}
	if (!key) {
		if (json_object_update(r->json, v))
			nomem(r->doc);
		json_decref(v);
		return;
	}
	o = parent_of(r->json, key, &last);
	if (!o || json_object_set_new(o, last, v))
		nomem(r->doc);
	if (!o)
		json_decref(v);
}

static void member(struct out_row *r, const char *key, json_t *v)
{
	if (key)
		out_json(r, key, v);
	else
		json_decref(v);
}

void out_str(struct out_row *r, const char *col, const char *key, const char *val)
{
	cell_add(r, col, val, false);
	member(r, key, key && val ? json_str_repaired(val, SIZE_MAX) : json_null());
}

void out_num(struct out_row *r, const char *col, const char *key, __u64 v,
	     const char *text)
{
	char buf[24];

	if (!text) {
		snprintf(buf, sizeof(buf), "%llu", (unsigned long long)v);
		text = buf;
	}
	cell_add(r, col, text, true);
	member(r, key, key ? json_integer((json_int_t)v) : NULL);
}

void out_bool(struct out_row *r, const char *col, const char *key, bool v)
{
	cell_add(r, col, v ? "yes" : "no", false);
	member(r, key, key ? json_boolean(v) : NULL);
}

void out_null(struct out_row *r, const char *col, const char *key)
{
	cell_add(r, col, NULL, false);
	member(r, key, json_null());
}

void out_list(struct out_row *r, const char *col, const char *key, const char *csv)
{
	cell_add(r, col, csv, false);
	member(r, key, key ? json_csv_array(csv) : NULL);
}

void out_cell(struct out_row *r, const char *col, const char *text, bool right)
{
	cell_add(r, col, text, right);
}

/* --- text ----------------------------------------------------------- */

/* Columns on a terminal, not bytes: a valid UTF-8 sequence takes one,
 * as does each byte that put_cell() replaces. */
static int text_width(const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t len = strlen(str), i = 0, n;
	int w = 0;

	while (i < len) {
		n = utf8_seq_len(s + i, len - i);
		i += n ? n : 1;
		w++;
	}
	return w;
}

/* A cell is one line of valid text: a comm or a path may hold any byte but
 * NUL, so control characters and invalid UTF-8 print as '?'. Empty is "-". */
static void put_cell(FILE *f, const char *str, int width, bool right)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t len, i = 0, n;
	int pad;

	if (!*str)
		s = (const unsigned char *)"-";
	len = strlen((const char *)s);
	pad = width - text_width((const char *)s);
	if (right && pad > 0)
		fprintf(f, "%*s", pad, "");
	while (i < len) {
		n = utf8_seq_len(s + i, len - i);
		if (!n || s[i] < 0x20 || s[i] == 0x7f) {
			fputc('?', f);
			i++;
			continue;
		}
		fwrite(s + i, 1, n, f);
		i += n;
	}
	if (!right && pad > 0)
		fprintf(f, "%*s", pad, "");
}

static const struct out_field *cell_of(const struct out_row *r, const char *col)
{
	int i;

	for (i = 0; i < r->n; i++)
		if (r->f[i].col && !strcmp(r->f[i].col, col))
			return &r->f[i];
	return NULL;
}

static void text_record(FILE *f, const struct out_sect *s)
{
	const struct out_row *r = s->rows[0];
	int i, w = 0;

	for (i = 0; i < r->n; i++)
		if (r->f[i].col && text_width(r->f[i].col) > w)
			w = text_width(r->f[i].col);
	if (s->title)
		fprintf(f, "%s:\n", s->title);
	for (i = 0; i < r->n; i++) {
		if (!r->f[i].col)
			continue;
		if (s->title)
			fputs("  ", f);
		fprintf(f, "%s:%*s", r->f[i].col, w - text_width(r->f[i].col) + 1, "");
		put_cell(f, r->f[i].text, 0, false);
		fputc('\n', f);
	}
}

static void text_table(FILE *f, const struct out_sect *s)
{
	const struct out_field *c;
	int ncol = 0, i, j, *w;

	while (s->cols && s->cols[ncol])
		ncol++;
	w = calloc(ncol ? ncol : 1, sizeof(*w));
	if (!w)
		return;
	for (j = 0; j < ncol; j++) {
		w[j] = text_width(s->cols[j]);
		for (i = 0; i < s->n; i++) {
			c = cell_of(s->rows[i], s->cols[j]);
			if (c && text_width(c->text[0] ? c->text : "-") > w[j])
				w[j] = text_width(c->text[0] ? c->text : "-");
		}
	}
	if (s->title)
		fprintf(f, "%s:\n", s->title);
	/* headers follow their column's alignment, taken from the first row;
	 * under a title, lines are indented as a record's are */
	for (j = 0; j < ncol; j++) {
		c = s->n ? cell_of(s->rows[0], s->cols[j]) : NULL;
		if (j == 0 && s->title)
			fputs("  ", f);
		put_cell(f, s->cols[j], j == ncol - 1 && !(c && c->right) ? 0 : w[j],
			 c && c->right);
		fputs(j == ncol - 1 ? "\n" : "  ", f);
	}
	for (i = 0; i < s->n; i++) {
		for (j = 0; j < ncol; j++) {
			c = cell_of(s->rows[i], s->cols[j]);
			if (j == 0 && s->title)
				fputs("  ", f);
			/* no trailing blanks after a left-aligned last column */
			put_cell(f, c ? c->text : "",
				 j == ncol - 1 && !(c && c->right) ? 0 : w[j],
				 c && c->right);
			fputs(j == ncol - 1 ? "\n" : "  ", f);
		}
	}
	free(w);
}

/* A record whose fields are all JSON only shows nothing, not even its title. */
static bool text_visible(const struct out_sect *s)
{
	int i;

	if (s->kind != OUT_S_RECORD)
		return true;
	for (i = 0; i < s->rows[0]->n; i++)
		if (s->rows[0]->f[i].col)
			return true;
	return false;
}

static void render_text(const struct out_doc *d, FILE *f)
{
	bool printed = false;
	int i;

	for (i = 0; i < d->n; i++) {
		const struct out_sect *s = d->s[i];

		if (!text_visible(s))
			continue;
		/* a blank line sets off each titled section */
		if (s->title && printed)
			fputc('\n', f);
		switch (s->kind) {
		case OUT_S_TEXT:
			fprintf(f, "%s\n", s->line);
			break;
		case OUT_S_RECORD:
			text_record(f, s);
			break;
		case OUT_S_TABLE:
			text_table(f, s);
			break;
		}
		printed = true;
	}
}

/* --- JSON ----------------------------------------------------------- */

/* A row's object (a new reference); {} for a row without JSON members. */
static json_t *row_json(const struct out_row *r)
{
	return r->json ? json_incref(r->json) : json_object();
}

static json_t *json_table(const struct out_sect *s)
{
	json_t *a = json_array();
	int i;

	for (i = 0; a && i < s->n; i++)
		if (json_array_append_new(a, row_json(s->rows[i]))) {
			json_decref(a);
			return NULL;
		}
	return a;
}

/* The document: a table without a key is all of it, else one object. */
static json_t *doc_json(const struct out_doc *d)
{
	json_t *o;
	int i, err = 0;

	for (i = 0; i < d->n; i++)
		if (d->s[i]->kind == OUT_S_TABLE && !d->s[i]->key)
			return json_table(d->s[i]);
	o = json_object();
	for (i = 0; o && !err && i < d->n; i++) {
		const struct out_sect *s = d->s[i];

		if (s->kind == OUT_S_TABLE) {
			err = json_object_set_new(o, s->key, json_table(s));
		} else if (s->kind == OUT_S_RECORD && s->key) {
			err = json_object_set_new(o, s->key, row_json(s->rows[0]));
		} else if (s->kind == OUT_S_RECORD && s->rows[0]->json) {
			err = json_object_update(o, s->rows[0]->json);
		}
	}
	if (err) {
		json_decref(o);
		return NULL;
	}
	return o;
}

int out_dump_json(const json_t *j, FILE *f, enum out_mode mode)
{
	size_t flags = JSON_PRESERVE_ORDER | JSON_ENCODE_ANY |
		       (mode == OUT_PRETTY ? JSON_INDENT(2) : JSON_COMPACT);

	if (!j)
		return -ENOMEM;
	if (json_dumpf(j, f, flags))
		return -EIO;
	fputc('\n', f);
	return 0;
}

int out_render(const struct out_doc *d, FILE *f, enum out_mode mode)
{
	if (d->err)
		return d->err;
	if (mode == OUT_TEXT || d->text_only) {
		render_text(d, f);
	} else {
		json_t *j = doc_json(d);
		int err = out_dump_json(j, f, mode);

		json_decref(j);
		if (err)
			return err;
	}
	return fflush(f) ? -errno : 0;
}
