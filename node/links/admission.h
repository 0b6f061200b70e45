/*  admission.h -- the set of CURVE keys a node admits, built from what
    decides it: the operator's key, the configured children, and the
    registry (departments and application bodies registered at this
    node, with the keys they replaced or that were revoked).

    The server builds it at start and again whenever a registration, an
    application body's registration or a reload changes it, hands a copy
    to the ZAP handler (zap_set_keys) and keeps one to check every
    message's key against (README "Security").  No file decides it:
    allowed/ is no longer read.
*/
#ifndef LICREPO_ADMISSION_H
#define LICREPO_ADMISSION_H

#include "node/base/config.h"
#include "node/store/views.h"
#include "node/links/zap.h"

//  Builds the admitted set of node `division`: admin_curve_pk (Z85) as
//  "admin", each child's CURVE key under its division (recorded as
//  revoked instead while a revocation held here names the child's
//  configured signing key: authority_node_key_current), each department
//  registered here under its credit code and each unrevoked application
//  body as "app-<credit code>"; the CURVE keys departments and bodies
//  replaced, and those of revoked bodies, are recorded as revoked.
//  ERR_OK with *out (caller owns it), ERR_NOMEM, ERR_TOO_LARGE (more
//  than ZAP_KEYS_MAX keys); why says which.
int MUST_CHECK
    admission_build (zap_keys_t **out, views_t *views, const char *division,
                     const char *admin_curve_pk, const config_peer_t *children, int n_children,
                     char *why, size_t why_size);

#endif
