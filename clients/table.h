/*
 * table.h -- an aligned text table, for people (table.c): a header row
 * and rows of cells, each column as wide as its widest cell (cut at a
 * limit with "..."), numbers aligned right.
 *
 *   struct lo_table t;
 *   lo_table_init(&t);
 *   lo_table_cell(&t, "id"); lo_table_cell(&t, "name"); lo_table_end_row(&t);
 *   ... rows ...
 *   lo_table_print(&t, stdout);
 *   lo_table_free(&t);
 */
#ifndef LO_CLIENTS_TABLE_H
#define LO_CLIENTS_TABLE_H

#include <stddef.h>
#include <stdio.h>

struct lo_table {
    char **cells;               /* row after row, NULL where a row is short */
    size_t ncells, cap;
    size_t *row_starts;         /* each row's first cell */
    size_t nrows, row_cap;
    size_t row_open;            /* cells in the row being filled */
};

void lo_table_init(struct lo_table *t);
void lo_table_cell(struct lo_table *t, const char *text);
void lo_table_cellf(struct lo_table *t, const char *format, ...)
    __attribute__((format(printf, 2, 3)));
void lo_table_end_row(struct lo_table *t);
/* The first row is the header, underlined. */
void lo_table_print(const struct lo_table *t, FILE *out);
void lo_table_free(struct lo_table *t);

#endif
