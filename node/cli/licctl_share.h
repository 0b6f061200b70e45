/*  licctl_share.h -- licctl's commands for sharing within scope (proto/README.md section 11):
    appbody (operator), query and copy (application bodies), audit
    (operator), verify (offline, anyone).
*/
#ifndef LICREPO_LICCTL_SHARE_H
#define LICREPO_LICCTL_SHARE_H

#include "node/cli/licctl.h"

int licctl_cmd_appbody (const licctl_opts_t *opts);
int licctl_cmd_query_scoped (const licctl_opts_t *opts);
int licctl_cmd_copy (const licctl_opts_t *opts);
int licctl_cmd_audit (const licctl_opts_t *opts);
int licctl_cmd_verify_copy (const licctl_opts_t *opts);

#endif
