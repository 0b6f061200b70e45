/*  test_zap -- which certificate names the ZAP handler admits on which
    socket (node/zap.h): the policy table, every row.  The handshakes
    themselves are exercised end to end by e2e_query and e2e_repl_abuse.
*/
#undef NDEBUG
#include <assert.h>
#include <stdio.h>
#include "zap.h"

int
main (void)
{
    struct { const char *domain, *name; bool admitted; } rows [] = {
        //  Client socket: every key the node allowed.
        { "licrepo", "admin", true },
        { "licrepo", "11430000006122244L", true },
        { "licrepo", "app-12330106MB0000001D", true },
        { "licrepo", "330106", true },
        { "licrepo", "", false },
        { "licrepo", NULL, false },
        //  Query socket: application bodies only.
        { "licrepo-query", "app-12330106MB0000001D", true },
        { "licrepo-query", "app-", false },
        { "licrepo-query", "admin", false },
        { "licrepo-query", "11430000006122244L", false },
        { "licrepo-query", "330106", false },
        { "licrepo-query", "APP-12330106MB0000001D", false },
        //  Replication socket: nodes (6-digit divisions) only.
        { "licrepo-replication", "330106", true },
        { "licrepo-replication", "33010", false },
        { "licrepo-replication", "3301061", false },
        { "licrepo-replication", "33010a", false },
        { "licrepo-replication", "admin", false },
        { "licrepo-replication", "app-12330106MB0000001D", false },
        { "licrepo-replication", "11430000006122244L", false },
        //  Any other domain, or none.
        { "", "admin", false },
        { NULL, "admin", false },
        { "licrepo-other", "330106", false },
        { "LICREPO", "admin", false },
    };
    int n = (int) (sizeof rows / sizeof rows [0]);
    for (int i = 0; i < n; i++) {
        bool got = zap_admits (rows [i].domain, rows [i].name);
        if (got != rows [i].admitted)
            fprintf (stderr, "row %d: %s / %s: got %d\n", i, rows [i].domain? rows [i].domain: "(null)",
                     rows [i].name? rows [i].name: "(null)", got);
        assert (got == rows [i].admitted);
    }
    printf ("zap: %d rows passed\n", n);
    return 0;
}
