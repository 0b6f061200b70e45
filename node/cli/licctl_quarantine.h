/*  licctl_quarantine.h -- licctl quarantine list|show: what a node holds
    back, and why (node/serve/quarantine.h).  */
#ifndef LICREPO_LICCTL_QUARANTINE_H
#define LICREPO_LICCTL_QUARANTINE_H

#include "node/cli/licctl.h"

//  quarantine list [ORIGIN[/SEQ]] [--limit N] [--json]: the entries held,
//  from that point, with error code, kind and reason; "more" says where
//  to go on.  quarantine show ORIGIN/SEQ [--json]: one, with its entry
//  decoded.  Returns an exit code.
int
    licctl_cmd_quarantine (const licctl_opts_t *opts);

#endif
