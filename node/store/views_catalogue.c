/*  views_catalogue.c -- the catalogue view (see views.h; key layouts in
    proto/FORMAT.md section 2): each node's line of versions of each
    license type, and their signed envelopes.
*/
#include <czmq.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "proto/authority.h"
#include "proto/catalogue.h"
#include "proto/codec.h"
#include "proto/entrykind.h"
#include "proto/licid.h"
#include "node/store/views_int.h"

//  Catalogue key: type code 0x00 version (u32 BE) 0x00 division.
static size_t
s_type_key (uint8_t *key, const char *code, uint32_t version, const char *division)
{
    size_t cl = strnlen (code, 21), dl = strnlen (division, 8);
    memcpy (key, code, cl);
    key [cl] = 0;
    store_put_u32 (key + cl + 1, version);
    key [cl + 5] = 0;
    memcpy (key + cl + 6, division, dl);
    return cl + 6 + dl;
}

//  Key of a node's line of a type code in self->types: "division/code".
#define S_LINE_KEY (16 + 1 + LICID_TYPE_LEN + 1)
//  "%.15s/%.21s" (views_key_t: it runs twice per event).
static void
s_line_key (char key [S_LINE_KEY], const char *division, const char *code)
{
    views_key_t k;
    views_key_init (&k, key, S_LINE_KEY);
    views_key_str (&k, division, 15);
    views_key_char (&k, '/');
    views_key_str (&k, code, LICID_TYPE_LEN);
}

//  Registry key of the signed envelope of a catalogue version:
//  "env/type/" division "/" code "/" version (10 digits).
#define S_TYPE_ENV_KEY 64
static void
s_type_env_key (char key [S_TYPE_ENV_KEY], const char *division, const char *code,
                uint32_t version)
{
    snprintf (key, S_TYPE_ENV_KEY, VIEWS_ENV_PREFIX "type/%.15s/%.21s/%010u", division, code, version);
}


int
views_int_catalogue_load (views_t *self)
{
    zhashx_purge (self->types);
    store_iter_t *it = store_iter_new (self->store, STORE_CF_CATALOGUE, NULL, 0, NULL, 0);
    if (!it)
        return ERR_NOMEM;
    const uint8_t *k, *v;
    size_t kl, vl;
    int rc = ERR_OK;
    while (rc == ERR_OK && store_iter_next (it, &k, &kl, &v, &vl)) {
        Lic__LicenseType *t = NULL;
        if (codec_license_type_decode (v, vl, &t) != ERR_OK) {
            rc = ERR_CORRUPT;
            break;
        }
        char line [S_LINE_KEY];
        s_line_key (line, t->division, t->type_code);
        const Lic__LicenseType *cur = (const Lic__LicenseType *) zhashx_lookup (self->types, line);
        if (!cur || t->version >= cur->version)
            zhashx_update (self->types, line, t);
        else
            codec_license_type_free (&t);
    }
    store_iter_destroy (&it);
    return rc;
}

// ---------------------------------------------------------------------
//  Catalogue

int
views_apply_catalogue (views_t *self, store_batch_t *batch, uint64_t gen,
                       const Lic__LogEntry *entry, const Lic__LicenseType *type,
                       char *why, size_t why_size)
{
    const Lic__LicenseType *cur = views_type (self, entry->origin_division, type->type_code);
    int rc = authority_catalogue (type, entry->origin_division, cur? cur->version: 0,
                                  why, why_size);
    if (rc == ERR_OK)
        rc = catalogue_check_type (type, why, why_size);
    if (rc != ERR_OK)
        return rc;
    if ((rc = views_int_put_entry (self, batch, gen, entry)) != ERR_OK)
        return rc;
    uint8_t key [64];
    size_t kl = s_type_key (key, type->type_code, type->version, type->division);
    void *copy = NULL;
    rc = views_int_put_body (batch, STORE_CF_CATALOGUE, key, kl, LIC__ENTRY_KIND__ENTRY_CATALOGUE,
                             type, &copy);
    char ekey [S_TYPE_ENV_KEY];
    s_type_env_key (ekey, type->division, type->type_code, type->version);
    if (rc == ERR_OK)
        rc = views_int_put_envelope (batch, ekey, entry->envelope);
    if (rc != ERR_OK) {
        entrykind_of (LIC__ENTRY_KIND__ENTRY_CATALOGUE)->free (&copy);
        return rc;
    }
    const Lic__LicenseType *t = (const Lic__LicenseType *) copy;
    char line [S_LINE_KEY];
    s_line_key (line, t->division, t->type_code);
    zhashx_update (self->types, line, copy);
    return ERR_OK;
}

const Lic__LicenseType *
views_type (views_t *self, const char *division, const char *type_code)
{
    char line [S_LINE_KEY];
    s_line_key (line, division, type_code);
    return (const Lic__LicenseType *) zhashx_lookup (self->types, line);
}

int
views_type_version (views_t *self, const char *division, const char *type_code,
                    uint32_t version, Lic__LicenseType **type)
{
    char code [LICID_TYPE_LEN + 1];
    snprintf (code, sizeof code, "%.21s", type_code);
    uint8_t key [LICID_TYPE_LEN + 6 + 16];
    size_t kl = s_type_key (key, code, version, division);
    uint8_t *v;
    size_t vl;
    int rc = store_get (self->store, STORE_CF_CATALOGUE, key, kl, &v, &vl);
    if (rc != ERR_OK)
        return rc;
    rc = codec_license_type_decode (v, vl, type) == ERR_OK? ERR_OK: ERR_CORRUPT;
    free (v);
    return rc;
}

const Lic__LicenseType *
views_type_at (views_t *self, const char *division, const char *type_code, uint32_t version)
{
    char key [S_LINE_KEY + 12];
    snprintf (key, sizeof key, "%.15s/%.21s/%u", division, type_code, version);
    Lic__LicenseType *t = (Lic__LicenseType *) zhashx_lookup (self->type_versions, key);
    if (!t && views_type_version (self, division, type_code, version, &t) == ERR_OK)
        zhashx_insert (self->type_versions, key, t);
    return t;
}

void
views_each_type (views_t *self, void (*fn) (void *arg, const Lic__LicenseType *t), void *arg)
{
    zlistx_t *keys = zhashx_keys (self->types);
    if (!keys)
        return;
    zlistx_set_comparator (keys, (zlistx_comparator_fn *) strcmp);
    zlistx_sort (keys);
    for (const char *k = (const char *) zlistx_first (keys); k; k = (const char *) zlistx_next (keys))
        fn (arg, (const Lic__LicenseType *) zhashx_lookup (self->types, k));
    zlistx_destroy (&keys);
}

size_t
views_types (views_t *self)
{
    return zhashx_size (self->types);
}

int
views_type_envelope (views_t *self, const char *division, const char *type_code,
                     uint32_t version, Lic__Envelope **env)
{
    char key [S_TYPE_ENV_KEY];
    s_type_env_key (key, division, type_code, version);
    return views_int_get_envelope (self, key, env);
}
