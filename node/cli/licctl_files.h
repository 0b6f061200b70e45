/*  licctl_files.h -- licctl file put | get | status, and the files of
    events published with --file-dir (proto/README.md section 12).
*/
#ifndef LICREPO_LICCTL_FILES_H
#define LICREPO_LICCTL_FILES_H

#include "node/cli/licctl.h"

int
    licctl_cmd_file (const licctl_opts_t *opts);

//  Before an issue or alter naming a file (content.file_digest) is
//  published with --file-dir DIR: puts DIR/<64 hex digits of the digest>
//  (or with .ofd or .pdf after them) at the node.  Nothing to do if the
//  event names no file or dir is NULL.  ERR_OK, a transport error
//  (*transport set), or the refusal's code with why.
int
    licctl_file_for_event (licclient_t *client, const char *dir, const Lic__Event *ev,
                           int timeout_ms, bool *transport, char *why, size_t why_size);

#endif
