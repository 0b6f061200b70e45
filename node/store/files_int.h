/*  files_int.h -- what files.c and files_budget.c share: the put with
    the puts a department's charge adds to the batch of its first chunk.
    Not for use outside node/store/.
*/
#ifndef LICREPO_FILES_INT_H
#define LICREPO_FILES_INT_H

#include "node/store/files.h"

//  Keys and values a put at offset 0 writes with its first chunk (a
//  department's charge, files_budget.c), or none.
#define FILES_INT_KEY (2 + FILES_DEPARTMENT_MAX + FILES_DIGEST)
typedef struct {
    uint8_t key [2][FILES_INT_KEY];
    size_t key_len [2];
    uint8_t val [2][16];
    size_t val_len [2];
} files_int_charge_t;

//  files_put, and with charge (not NULL) its two puts in the batch of the
//  chunk at offset 0 when that chunk is written.
int MUST_CHECK
    files_int_put (store_t *store, const uint8_t digest [FILES_DIGEST], uint64_t offset,
                   uint64_t total, const uint8_t *data, size_t len, int64_t now,
                   files_info_t *info, const files_int_charge_t *charge,
                   char *why, size_t why_size);

#endif
