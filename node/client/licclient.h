/*  licclient.h -- liblicclient as the tree's own programs see it.

    The API, documented and installed, is include/licrepo/licclient.h;
    this header includes it for licctl and the tests, which link the
    static variant of the library (node/meson.build) and also use the
    internal modules beside it: err.h (ERR_X, the same numbers as the
    API's LICCLIENT_ERR_X), licid.h and msg.h.  Nothing here is
    installed: a program outside the tree includes <licrepo/licclient.h>.
*/
#ifndef LICREPO_NODE_LICCLIENT_H
#define LICREPO_NODE_LICCLIENT_H

#include "proto/err.h"
#include "proto/licid.h"
#include "proto/msg.h"
#include "licrepo/licclient.h"

#endif
