/*
 * table.c -- aligned text tables (table.h).  Widths count characters, not
 * bytes, so that UTF-8 text lines up.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "clients/table.h"

enum { WIDTH_MOST = 48 };       /* a cell's characters shown at most */

static void *grow(void *p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return p;
    size_t n = *cap ? *cap * 2 : 16;
    while (n < need)
        n *= 2;
    void *q = realloc(p, n * size);
    if (!q) {
        fputs("out of memory\n", stderr);
        exit(1);
    }
    *cap = n;
    return q;
}

void lo_table_init(struct lo_table *t)
{
    memset(t, 0, sizeof *t);
}

void lo_table_cell(struct lo_table *t, const char *text)
{
    if (t->row_open == 0) {
        t->row_starts = grow(t->row_starts, &t->row_cap, t->nrows + 1,
                             sizeof *t->row_starts);
        t->row_starts[t->nrows++] = t->ncells;
    }
    t->cells = grow(t->cells, &t->cap, t->ncells + 1, sizeof *t->cells);
    t->cells[t->ncells++] = strdup(text ? text : "");
    t->row_open++;
}

void lo_table_cellf(struct lo_table *t, const char *format, ...)
{
    char text[1024];
    va_list ap;
    va_start(ap, format);
    vsnprintf(text, sizeof text, format, ap);
    va_end(ap);
    lo_table_cell(t, text);
}

void lo_table_end_row(struct lo_table *t)
{
    t->row_open = 0;
}

/* Characters of UTF-8 text (bytes that start one). */
static size_t characters(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xc0) != 0x80;
    return n;
}

static size_t row_length(const struct lo_table *t, size_t row)
{
    size_t end = row + 1 < t->nrows ? t->row_starts[row + 1] : t->ncells;
    return end - t->row_starts[row];
}

static const char *cell_at(const struct lo_table *t, size_t row, size_t col)
{
    return col < row_length(t, row) ? t->cells[t->row_starts[row] + col] : "";
}

static bool is_number(const char *s)
{
    if (*s == '-')
        s++;
    if (!*s)
        return false;
    for (; *s; s++)
        if ((*s < '0' || *s > '9') && *s != '.')
            return false;
    return true;
}

/* A cell within width characters: the text, or its start and "...";
 * one line only (a newline shows as a blank). */
static void print_cell(FILE *out, const char *s, size_t width, bool right,
                       bool last)
{
    size_t n = characters(s);
    size_t shown = n > width ? width - 3 : n, pad = width - (n > width ? width : n);
    if (right)
        fprintf(out, "%*s", (int)pad, "");
    size_t count = 0;
    for (const char *p = s; *p; p++) {
        bool starts = ((unsigned char)*p & 0xc0) != 0x80;
        if (starts && count++ == shown)
            break;
        fputc(*p == '\n' || *p == '\t' ? ' ' : *p, out);
    }
    if (n > width)
        fputs("...", out);
    if (!right && !last)
        fprintf(out, "%*s", (int)pad, "");
}

void lo_table_print(const struct lo_table *t, FILE *out)
{
    size_t ncols = 0;
    for (size_t r = 0; r < t->nrows; r++)
        if (row_length(t, r) > ncols)
            ncols = row_length(t, r);
    size_t *width = calloc(ncols + 1, sizeof *width);
    bool *numeric = calloc(ncols + 1, sizeof *numeric);
    for (size_t c = 0; c < ncols; c++) {
        numeric[c] = t->nrows > 1;
        for (size_t r = 0; r < t->nrows; r++) {
            const char *s = cell_at(t, r, c);
            size_t n = characters(s);
            if (n > width[c])
                width[c] = n > WIDTH_MOST ? WIDTH_MOST : n;
            if (r > 0 && *s && !is_number(s))
                numeric[c] = false;
        }
    }
    for (size_t r = 0; r < t->nrows; r++) {
        for (size_t c = 0; c < ncols; c++) {
            if (c)
                fputs("  ", out);
            print_cell(out, cell_at(t, r, c), width[c], numeric[c] && r > 0,
                       c + 1 == ncols);
        }
        fputc('\n', out);
        for (size_t c = 0; r == 0 && c < ncols; c++) {
            if (c)
                fputs("  ", out);
            for (size_t i = 0; i < width[c]; i++)
                fputc('-', out);
            if (c + 1 == ncols)
                fputc('\n', out);
        }
    }
    free(width);
    free(numeric);
}

void lo_table_free(struct lo_table *t)
{
    for (size_t i = 0; i < t->ncells; i++)
        free(t->cells[i]);
    free(t->cells);
    free(t->row_starts);
    memset(t, 0, sizeof *t);
}
