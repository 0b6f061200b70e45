/*  fileserve.h -- license files on the client socket (proto/README.md
    section 12): a put in chunks, a status, a ranged get.
*/
#ifndef LICREPO_FILESERVE_H
#define LICREPO_FILESERVE_H

#include <stdbool.h>
#include <stdint.h>
#include "node/store/store_rocks.h"
#include "proto/licrepo.pb-c.h"

typedef struct server_t server_t;
typedef struct _zframe_t zframe_t;

//  Answers f into reply (reply->file allocated, freed with the reply): a
//  put (total > 0 or data), a status, or a ranged get.  Who may send
//  which is the dispatch table's (dispatch.c: put by a department or the
//  operator, status by anyone admitted, get by the operator).  A put by
//  `department` (its credit code; NULL: the operator) is judged against
//  its budget of unreferenced files, `budget` bytes (files_put_by).
//  ERR_OK, or the refusal's code with why.
int MUST_CHECK
    fileserve_request (store_t *store, const Lic__FileRequest *f, const char *department,
                       uint64_t budget, int64_t now, Lic__Reply *reply, char *why,
                       size_t why_size);

//  The dispatch handler of the three file rows: fileserve_request, its
//  answer or refusal sent on the client socket.
void
    fileserve_on_request (server_t *self, zframe_t **route_p, Lic__Request **req_p,
                          const char *user);

#endif
