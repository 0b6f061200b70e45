/*  test_dispatch -- the client socket's request table (node/serve/
    dispatch.h): every request kind has its row; the kind of a request is
    what its body says, adds told from reads; the roles a key has at a
    node follow the admitted set; and the one role check enforces every
    row's "who may send it" against every role: an application body, a
    department or a child sending an operator's request gets
    ERR_FORBIDDEN with the row's words, anyone admitted may publish,
    read the status, the catalogue and blobs, and query (the query
    module then judges the body).  No sockets, no processes; end to end:
    e2e_publish (a department's read refused), e2e_keys.
*/
#undef NDEBUG
#include <assert.h>
#include <stdio.h>
#include <string.h>
#include "node/serve/dispatch.h"
#include "proto/codec.h"

//  What README "Security" says each request needs, written out here
//  rather than read from the table under test.
static const struct {
    dispatch_kind_t kind;
    unsigned who;
} s_spec [] = {
    { DISPATCH_PUBLISH, DISPATCH_ANYONE },
    { DISPATCH_PUBLISH_BATCH, DISPATCH_ANYONE },
    { DISPATCH_REGISTER, DISPATCH_OPERATOR },
    { DISPATCH_GET, DISPATCH_OPERATOR },
    { DISPATCH_FIND, DISPATCH_OPERATOR },
    { DISPATCH_LOG, DISPATCH_OPERATOR },
    { DISPATCH_STATUS, DISPATCH_ANYONE },
    { DISPATCH_DIGEST, DISPATCH_OPERATOR },
    { DISPATCH_PROVE, DISPATCH_OPERATOR },
    { DISPATCH_BACKUP, DISPATCH_OPERATOR },
    { DISPATCH_CATALOGUE_READ, DISPATCH_ANYONE },
    { DISPATCH_CATALOGUE_ADD, DISPATCH_OPERATOR },
    { DISPATCH_BLOB_GET, DISPATCH_ANYONE },
    { DISPATCH_BLOB_PUT, DISPATCH_OPERATOR },
    { DISPATCH_REPORT, DISPATCH_OPERATOR },
    { DISPATCH_QUERY, DISPATCH_ANYONE },
    { DISPATCH_AUDIT, DISPATCH_OPERATOR },
    { DISPATCH_APP_BODY_LIST, DISPATCH_OPERATOR },
    { DISPATCH_APP_BODY_ADD, DISPATCH_OPERATOR },
    { DISPATCH_QUARANTINE, DISPATCH_OPERATOR },
    { DISPATCH_NODE_REVOKE, DISPATCH_OPERATOR },
    { DISPATCH_QUARANTINE_DECIDE, DISPATCH_OPERATOR },
    { DISPATCH_FILE_PUT, DISPATCH_OPERATOR | DISPATCH_DEPARTMENT },
    { DISPATCH_FILE_STATUS, DISPATCH_ANYONE },
    { DISPATCH_FILE_GET, DISPATCH_OPERATOR },
};
#define S_SPEC_ROWS (sizeof s_spec / sizeof s_spec [0])

static const unsigned s_roles [] = {
    DISPATCH_OPERATOR, DISPATCH_DEPARTMENT, DISPATCH_APP_BODY, DISPATCH_CHILD
};

//  Every kind has exactly one row, the spec names every kind, and each
//  row is whole: its kind, a name, a handler, and words for a refusal.
static void
test_rows (void)
{
    assert (S_SPEC_ROWS == DISPATCH_KINDS - 1);
    assert (dispatch_row (DISPATCH_UNKNOWN) == NULL);
    assert (dispatch_row (DISPATCH_KINDS) == NULL);
    for (int k = DISPATCH_UNKNOWN + 1; k < DISPATCH_KINDS; k++) {
        const dispatch_row_t *row = dispatch_row ((dispatch_kind_t) k);
        assert (row && row->kind == (dispatch_kind_t) k);
        assert (row->name && *row->name && row->handler);
        assert (row->who != 0 && (row->who & ~DISPATCH_ANYONE) == 0);
        if (row->who != DISPATCH_ANYONE)
            assert (row->refused && *row->refused);
        bool specified = false;
        for (size_t i = 0; i < S_SPEC_ROWS; i++)
            specified |= s_spec [i].kind == (dispatch_kind_t) k;
        assert (specified);
    }
    printf ("dispatch: %d rows whole\n", DISPATCH_KINDS - 1);
}

//  The one role check, every row against every role alone, against
//  roles combined, and against a key with no role.
static void
test_role_check (void)
{
    char why [256];
    int checks = 0;
    for (size_t i = 0; i < S_SPEC_ROWS; i++) {
        const dispatch_row_t *row = dispatch_row (s_spec [i].kind);
        for (size_t r = 0; r < sizeof s_roles / sizeof s_roles [0]; r++) {
            bool may = (s_spec [i].who & s_roles [r]) != 0;
            why [0] = 0;
            int rc = dispatch_allowed (row, s_roles [r], why, sizeof why);
            if (rc != (may? ERR_OK: ERR_FORBIDDEN))
                fprintf (stderr, "%s from role 0x%x: got %d\n", row->name, s_roles [r], rc);
            assert (rc == (may? ERR_OK: ERR_FORBIDDEN));
            if (!may)
                assert (streq (why, row->refused));
            checks++;
        }
        //  Nobody: refused even where anyone admitted may ask.
        assert (dispatch_allowed (row, 0, why, sizeof why) == ERR_FORBIDDEN && *why);
        //  The operator who is also a department keeps the operator's rights.
        assert (dispatch_allowed (row, DISPATCH_OPERATOR | DISPATCH_DEPARTMENT, why, sizeof why) == ERR_OK);
        //  A body that is also a department and a child is no operator:
        //  it has what one of those roles has (a file put: the department's).
        unsigned others = DISPATCH_APP_BODY | DISPATCH_DEPARTMENT | DISPATCH_CHILD;
        assert (dispatch_allowed (row, others, why, sizeof why)
                == ((s_spec [i].who & others)? ERR_OK: ERR_FORBIDDEN));
        checks += 3;
    }
    assert (dispatch_allowed (NULL, DISPATCH_ANYONE, why, sizeof why) == ERR_FORBIDDEN);
    printf ("dispatch: %d role checks passed\n", checks);
}

//  The kind is what the body says; a catalogue, blob or application-body
//  request adds when it carries something to add, else reads.
static void
test_kinds (void)
{
    Lic__Request req;
    Lic__CatalogueRequest cat;
    Lic__LicenseType type;
    Lic__BlobRequest blob;
    Lic__AppBodyRequest ab;
    Lic__AppBody body;
    uint8_t byte = 1;
    codec_request_init (&req);
    assert (dispatch_kind (&req) == DISPATCH_UNKNOWN);

    struct { Lic__Request__BodyCase body; dispatch_kind_t kind; } plain [] = {
        { LIC__REQUEST__BODY_PUBLISH, DISPATCH_PUBLISH },
        { LIC__REQUEST__BODY_PUBLISH_BATCH, DISPATCH_PUBLISH_BATCH },
        { LIC__REQUEST__BODY_REGISTER, DISPATCH_REGISTER },
        { LIC__REQUEST__BODY_GET, DISPATCH_GET },
        { LIC__REQUEST__BODY_FIND, DISPATCH_FIND },
        { LIC__REQUEST__BODY_LOG, DISPATCH_LOG },
        { LIC__REQUEST__BODY_STATUS, DISPATCH_STATUS },
        { LIC__REQUEST__BODY_DIGEST, DISPATCH_DIGEST },
        { LIC__REQUEST__BODY_PROVE, DISPATCH_PROVE },
        { LIC__REQUEST__BODY_BACKUP, DISPATCH_BACKUP },
        { LIC__REQUEST__BODY_REPORT, DISPATCH_REPORT },
        { LIC__REQUEST__BODY_QUERY, DISPATCH_QUERY },
        { LIC__REQUEST__BODY_AUDIT, DISPATCH_AUDIT },
        { LIC__REQUEST__BODY_QUARANTINE, DISPATCH_QUARANTINE },
        { LIC__REQUEST__BODY_NODE_REVOKE, DISPATCH_NODE_REVOKE },
        { LIC__REQUEST__BODY_QUARANTINE_DECIDE, DISPATCH_QUARANTINE_DECIDE },
    };
    for (size_t i = 0; i < sizeof plain / sizeof plain [0]; i++) {
        req.body_case = plain [i].body;
        assert (dispatch_kind (&req) == plain [i].kind);
    }
    lic__catalogue_request__init (&cat);
    lic__license_type__init (&type);
    req.body_case = LIC__REQUEST__BODY_CATALOGUE;
    req.catalogue = &cat;
    assert (dispatch_kind (&req) == DISPATCH_CATALOGUE_READ);
    cat.add = &type;
    assert (dispatch_kind (&req) == DISPATCH_CATALOGUE_ADD);

    lic__blob_request__init (&blob);
    req.body_case = LIC__REQUEST__BODY_BLOB;
    req.blob = &blob;
    blob.digest.data = &byte;
    blob.digest.len = 1;
    assert (dispatch_kind (&req) == DISPATCH_BLOB_GET);
    blob.put.data = &byte;
    blob.put.len = 1;
    assert (dispatch_kind (&req) == DISPATCH_BLOB_PUT);

    lic__app_body_request__init (&ab);
    lic__app_body__init (&body);
    req.body_case = LIC__REQUEST__BODY_APP_BODY;
    req.app_body = &ab;
    assert (dispatch_kind (&req) == DISPATCH_APP_BODY_LIST);
    ab.add = &body;
    assert (dispatch_kind (&req) == DISPATCH_APP_BODY_ADD);

    //  A file request puts when it carries a size or bytes, else asks the
    //  status when it says so, else reads.
    Lic__FileRequest file;
    lic__file_request__init (&file);
    req.body_case = LIC__REQUEST__BODY_FILE;
    req.file = &file;
    assert (dispatch_kind (&req) == DISPATCH_FILE_GET);
    file.status = true;
    assert (dispatch_kind (&req) == DISPATCH_FILE_STATUS);
    file.total = 1;
    assert (dispatch_kind (&req) == DISPATCH_FILE_PUT);
    file.total = 0;
    file.data.data = &byte;
    file.data.len = 1;
    assert (dispatch_kind (&req) == DISPATCH_FILE_PUT);
    printf ("dispatch: request kinds passed\n");
}

static void
s_key (uint8_t key [32], char z85 [41], uint8_t fill)
{
    memset (key, fill, 32);
    key [0] = 0x5a;
    assert (zmq_z85_encode (z85, key, 32));
}

//  Roles from the admitted set as admission.h builds it, and through
//  them the check: the keys of an application body, a department and a
//  child sending every operator's request are refused.
static void
test_roles (void)
{
    uint8_t admin [32], dept [32], app [32], child [32], both [32], old [32], stranger [32];
    char admin_z [41], dept_z [41], app_z [41], child_z [41], both_z [41], old_z [41], stranger_z [41];
    s_key (admin, admin_z, 1);
    s_key (dept, dept_z, 2);
    s_key (app, app_z, 3);
    s_key (child, child_z, 4);
    s_key (both, both_z, 5);
    s_key (old, old_z, 6);
    s_key (stranger, stranger_z, 7);
    zap_keys_t *keys = zap_keys_new ();
    assert (keys);
    assert (zap_keys_admit (keys, admin, "admin") == ERR_OK);
    assert (zap_keys_admit (keys, dept, "11330106002500001X") == ERR_OK);
    assert (zap_keys_admit (keys, app, "app-12330106MB0000001D") == ERR_OK);
    assert (zap_keys_admit (keys, child, "330106") == ERR_OK);
    assert (zap_keys_admit (keys, both, "11330106002500002Y") == ERR_OK);
    assert (zap_keys_admit (keys, both, "app-11330106002500002Y") == ERR_OK);
    assert (zap_keys_revoke (keys, old, "11330106002500001X") == ERR_OK);

    assert (dispatch_roles (keys, admin_z, admin_z) == DISPATCH_OPERATOR);
    assert (dispatch_roles (keys, admin_z, dept_z) == DISPATCH_DEPARTMENT);
    assert (dispatch_roles (keys, admin_z, app_z) == DISPATCH_APP_BODY);
    assert (dispatch_roles (keys, admin_z, child_z) == DISPATCH_CHILD);
    assert (dispatch_roles (keys, admin_z, both_z) == (DISPATCH_DEPARTMENT | DISPATCH_APP_BODY));
    assert (dispatch_roles (keys, admin_z, old_z) == 0);
    assert (dispatch_roles (keys, admin_z, stranger_z) == 0);
    assert (dispatch_roles (keys, admin_z, NULL) == 0);
    assert (dispatch_roles (keys, admin_z, "short") == 0);

    const char *senders [] = { dept_z, app_z, child_z, both_z, old_z, stranger_z };
    char why [256];
    int refused = 0;
    for (size_t i = 0; i < S_SPEC_ROWS; i++) {
        const dispatch_row_t *row = dispatch_row (s_spec [i].kind);
        unsigned operator = dispatch_roles (keys, admin_z, admin_z);
        assert (dispatch_allowed (row, operator, why, sizeof why) == ERR_OK);
        for (size_t s = 0; s < sizeof senders / sizeof senders [0]; s++) {
            unsigned roles = dispatch_roles (keys, admin_z, senders [s]);
            int rc = dispatch_allowed (row, roles, why, sizeof why);
            bool may = (roles & s_spec [i].who) != 0;
            assert (rc == (may? ERR_OK: ERR_FORBIDDEN));
            refused += rc == ERR_FORBIDDEN;
        }
    }
    zap_keys_destroy (&keys);
    printf ("dispatch: roles from the admitted set passed (%d refusals)\n", refused);
}

int
main (void)
{
    test_rows ();
    test_role_check ();
    test_kinds ();
    test_roles ();
    return 0;
}
