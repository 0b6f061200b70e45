/*  backup.h -- online backups and restores of a node: the repository
    through RocksDB's BackupEngine (consistent, while the node keeps
    serving), and the identity (node.key, node.pub, admin.key, allowed/)
    copied beside it into DIR/identity, so a restored node is the same
    node.  A backup runs on its own thread, one at a time.  DIR and
    DIR/identity must belong to the node's user and be writable by
    nobody else (made 0700 when missing); otherwise the backup or the
    restore is refused (ERR_FORBIDDEN, why names the chown or chmod).
*/
#ifndef LICREPO_BACKUP_H
#define LICREPO_BACKUP_H

#include <czmq.h>
#include <stdint.h>
#include "proto/err.h"
#include "node/store/store_rocks.h"

typedef struct backup_t backup_t;

typedef struct {
    int code;                   //  err_t
    char why [512];             //  when code != ERR_OK
    uint32_t id;                //  backup id
    uint64_t bytes;             //  size of this backup
    uint32_t kept;              //  backups in the directory
} backup_result_t;

//  Starts a backup of store and data_dir's identity into dir on a thread
//  of its own.  NULL if out of memory.  Poll backup_sock; when readable,
//  backup_result fills *result and the backup is over (then destroy);
//  result->code ERR_FORBIDDEN: dir is another user's or group/world-writable.
backup_t *
    backup_start (store_t *store, const char *data_dir, const char *dir, uint32_t keep);
zsock_t *
    backup_sock (backup_t *self);
void
    backup_result (backup_t *self, backup_result_t *result);
void
    backup_destroy (backup_t **self_p);

//  Restores the newest backup of dir into data_dir (offline): the
//  repository into data_dir/db, the identity files where data_dir has
//  none (an identity already there must be the backup's).  ERR_OK,
//  ERR_EXISTS (a repository is there), ERR_NOT_FOUND, ERR_FORBIDDEN
//  (another identity; dir another user's or group/world-writable; a
//  node.key open to group or others), ERR_MALFORMED, ERR_IO.
int MUST_CHECK
    backup_restore (const char *dir, const char *data_dir, char *why, size_t why_size);

#endif
