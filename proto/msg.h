/*  msg.h -- the message model: the types protoc-c generates from
    licrepo.proto.  Modules use these structs directly; only codec.c packs
    and unpacks them (with size and version checks), so the generated
    functions are not called anywhere else.
*/
#ifndef LICREPO_MSG_H
#define LICREPO_MSG_H
#include "proto/licrepo.pb-c.h"
#endif
