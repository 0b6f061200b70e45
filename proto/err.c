/*  err.c -- names of error codes for logs and clients.  */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "proto/err.h"

void
err_why (char *why, size_t why_size, const char *format, ...)
{
    if (!why || why_size == 0)
        return;
    va_list args;
    va_start (args, format);
    vsnprintf (why, why_size, format, args);
    va_end (args);
}

const char *
err_str (int code)
{
    switch (code) {
        case ERR_OK:               return "OK";
        case ERR_MALFORMED:        return "ERR_MALFORMED";
        case ERR_TOO_LARGE:        return "ERR_TOO_LARGE";
        case ERR_VERSION:          return "ERR_VERSION";
        case ERR_UNKNOWN_KEY:      return "ERR_UNKNOWN_KEY";
        case ERR_KEY_REVOKED:      return "ERR_KEY_REVOKED";
        case ERR_BAD_SIGNATURE:    return "ERR_BAD_SIGNATURE";
        case ERR_TYPE_NOT_ALLOWED: return "ERR_TYPE_NOT_ALLOWED";
        case ERR_BAD_LICENSE_ID:   return "ERR_BAD_LICENSE_ID";
        case ERR_BAD_CREDIT_CODE:  return "ERR_BAD_CREDIT_CODE";
        case ERR_ILLEGAL_OP:       return "ERR_ILLEGAL_OP";
        case ERR_VERSION_MISMATCH: return "ERR_VERSION_MISMATCH";
        case ERR_NOT_FOUND:        return "ERR_NOT_FOUND";
        case ERR_EXISTS:           return "ERR_EXISTS";
        case ERR_FORBIDDEN:        return "ERR_FORBIDDEN";
        case ERR_BAD_FIELD:        return "ERR_BAD_FIELD";
        case ERR_ISSUER_MISMATCH:  return "ERR_ISSUER_MISMATCH";
        case ERR_BUSY:             return "ERR_BUSY";
        case ERR_GAP:              return "ERR_GAP";
        case ERR_DIVERGED:         return "ERR_DIVERGED";
        case ERR_CATALOGUE:        return "ERR_CATALOGUE";
        case ERR_UNKNOWN_TYPE:     return "ERR_UNKNOWN_TYPE";
        case ERR_OUT_OF_SCOPE:     return "ERR_OUT_OF_SCOPE";
        case ERR_MATTER:           return "ERR_MATTER";
        case ERR_NO_HOLDER:        return "ERR_NO_HOLDER";
        case ERR_MISSING_FIELD:    return "ERR_MISSING_FIELD";
        case ERR_DISCLOSURE:       return "ERR_DISCLOSURE";
        case ERR_EXPIRED:          return "ERR_EXPIRED";
        case ERR_NODE_KEY_REVOKED: return "ERR_NODE_KEY_REVOKED";
        case ERR_NO_FILE:          return "ERR_NO_FILE";
        case ERR_FILE_DIGEST:      return "ERR_FILE_DIGEST";
        case ERR_FILE_BUDGET:      return "ERR_FILE_BUDGET";
        case ERR_IO:               return "ERR_IO";
        case ERR_NOMEM:            return "ERR_NOMEM";
        case ERR_CORRUPT:          return "ERR_CORRUPT";
        case ERR_CLOSED:           return "ERR_CLOSED";
        case ERR_NOSPACE:          return "ERR_NOSPACE";
        case ERR_INTERNAL:         return "ERR_INTERNAL";
    }
    return "ERR_UNKNOWN";
}

int
err_named (const char *reason)
{
    for (int code = ERR_OK + 1; reason && code <= ERR_INTERNAL; code++) {
        const char *name = err_str (code);
        size_t n = strlen (name);
        if (strcmp (name, "ERR_UNKNOWN") != 0 && strncmp (reason, name, n) == 0 && reason [n] == ':')
            return code;
    }
    return ERR_INTERNAL;
}
