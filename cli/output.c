// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The row model and its two renderings. Building never fails loudly: the
 * first allocation error is kept in the document and returned by
 * out_render(), so commands need no error check per field. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
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
	for (i = 0; i < r->n; i++) {
		free(r->f[i].text);
		free(r->f[i].str);
	}
	free(r->f);
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

static struct out_field *field_add(struct out_row *r, const char *col,
				   const char *key, enum out_kind kind,
				   const char *text, const char *str)
{
	struct out_field *f;

	if (!r)
		return NULL;
	f = grow(r->f, &r->cap, r->n, sizeof(*r->f));
	if (!f)
		return nomem(r->doc);
	r->f = f;
	f = &r->f[r->n];
	memset(f, 0, sizeof(*f));
	f->col = col;
	f->key = key;
	f->kind = kind;
	f->text = strdup(text ? text : "");
	f->str = str ? strdup(str) : NULL;
	if (!f->text || (str && !f->str)) {
		free(f->text);
		free(f->str);
		return nomem(r->doc);
	}
	r->n++;
	return f;
}

void out_str(struct out_row *r, const char *col, const char *key, const char *val)
{
	field_add(r, col, key, OUT_K_STR, val, val);
}

void out_num(struct out_row *r, const char *col, const char *key, __u64 v,
	     const char *text)
{
	struct out_field *f;
	char buf[24];

	if (!text) {
		snprintf(buf, sizeof(buf), "%llu", (unsigned long long)v);
		text = buf;
	}
	f = field_add(r, col, key, OUT_K_NUM, text, NULL);
	if (f) {
		f->num = v;
		f->right = true;
	}
}

void out_bool(struct out_row *r, const char *col, const char *key, bool v)
{
	struct out_field *f = field_add(r, col, key, OUT_K_BOOL, v ? "yes" : "no", NULL);

	if (f)
		f->b = v;
}

void out_null(struct out_row *r, const char *col, const char *key)
{
	field_add(r, col, key, OUT_K_NULL, NULL, NULL);
}

void out_list(struct out_row *r, const char *col, const char *key, const char *csv)
{
	field_add(r, col, key, OUT_K_LIST, csv, csv ? csv : "");
}

void out_cell(struct out_row *r, const char *col, const char *text, bool right)
{
	struct out_field *f = field_add(r, col, NULL, OUT_K_CELL, text, NULL);

	if (f)
		f->right = right;
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
		n = json_utf8_len(s + i, len - i);
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
		n = json_utf8_len(s + i, len - i);
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

static void json_value(struct jw *w, const struct out_field *f)
{
	const char *p, *q;

	switch (f->kind) {
	case OUT_K_STR:
		jw_string(w, f->str);
		break;
	case OUT_K_NUM:
		jw_u64(w, f->num);
		break;
	case OUT_K_BOOL:
		jw_bool(w, f->b);
		break;
	case OUT_K_LIST:
		jw_array_begin(w);
		for (p = f->str; p && *p; p = *q ? q + 1 : q) {
			q = strchrnul(p, ',');
			if (q > p) {
				char item[64];

				snprintf(item, sizeof(item), "%.*s", (int)(q - p), p);
				jw_string(w, item);
			}
		}
		jw_array_end(w);
		break;
	case OUT_K_NULL:
	case OUT_K_CELL:
		jw_null(w);
		break;
	}
}

/* Number of '.'-separated segments of key before its last one that equal
 * those of prev. */
static int common_parents(const char *prev, const char *key)
{
	int n = 0;

	while (prev) {
		const char *a = strchr(prev, '.'), *b = strchr(key, '.');

		if (!a || !b || a - prev != b - key || memcmp(prev, key, a - prev))
			break;
		n++;
		prev = a + 1;
		key = b + 1;
	}
	return n;
}

static int count_parents(const char *key)
{
	int n = 0;

	for (; *key; key++)
		n += *key == '.';
	return n;
}

/* Members of one row; dotted keys open and close nested objects. */
static void json_fields(struct jw *w, const struct out_row *r)
{
	const char *prev = NULL, *k;
	int open = 0, keep, i, j;

	for (i = 0; i < r->n; i++) {
		const struct out_field *f = &r->f[i];

		if (!f->key)
			continue;
		keep = common_parents(prev, f->key);
		for (; open > keep; open--)
			jw_object_end(w);
		k = f->key;
		for (j = 0; j < keep; j++)
			k = strchr(k, '.') + 1;
		for (; open < count_parents(f->key); open++) {
			const char *dot = strchr(k, '.');

			jw_keyn(w, k, dot - k);
			jw_object_begin(w);
			k = dot + 1;
		}
		jw_key(w, k);
		json_value(w, f);
		prev = f->key;
	}
	for (; open > 0; open--)
		jw_object_end(w);
}

static void json_table(struct jw *w, const struct out_sect *s)
{
	int i;

	jw_array_begin(w);
	for (i = 0; i < s->n; i++) {
		jw_object_begin(w);
		json_fields(w, s->rows[i]);
		jw_object_end(w);
	}
	jw_array_end(w);
}

static void render_json(const struct out_doc *d, FILE *f, bool pretty)
{
	struct jw w;
	int i;

	jw_init(&w, f, pretty);
	for (i = 0; i < d->n; i++) {
		if (d->s[i]->kind == OUT_S_TABLE && !d->s[i]->key) {
			json_table(&w, d->s[i]);	/* the whole document */
			jw_end(&w);
			return;
		}
	}
	jw_object_begin(&w);
	for (i = 0; i < d->n; i++) {
		const struct out_sect *s = d->s[i];

		if (s->kind == OUT_S_TABLE) {
			jw_key(&w, s->key);
			json_table(&w, s);
		} else if (s->kind == OUT_S_RECORD && s->key) {
			jw_key(&w, s->key);
			jw_object_begin(&w);
			json_fields(&w, s->rows[0]);
			jw_object_end(&w);
		} else if (s->kind == OUT_S_RECORD) {
			json_fields(&w, s->rows[0]);
		}
	}
	jw_object_end(&w);
	jw_end(&w);
}

int out_render(const struct out_doc *d, FILE *f, enum out_mode mode)
{
	if (d->err)
		return d->err;
	if (mode == OUT_TEXT || d->text_only)
		render_text(d, f);
	else
		render_json(d, f, mode == OUT_PRETTY);
	return fflush(f) ? -errno : 0;
}
