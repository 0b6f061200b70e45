#!/bin/sh
# install_test.sh -- the installed liblicclient is sealed (STYLE.md section 1).
#
# Installs the build into a DESTDIR (meson install --destdir), then, using
# nothing but what was installed and `pkg-config licclient`:
#   1. each installed header compiles on its own;
#   2. tests/install_client.c builds and links, and runs against a real
#      licnode (started here, on an ipc:// endpoint) with only the
#      installed library on LD_LIBRARY_PATH;
#   3. the .so's dynamic symbols are exactly the API listed below (also
#      exactly what licclient.h marks LICCLIENT_EXPORT) plus the message
#      descriptors the installed licrepo.pb-c.h declares;
#   4. the installed error codes are proto/err.h's, name for name.
#
# Environment (tests/meson.build sets it): BUILD_ROOT, SOURCE_ROOT,
# LICNODE, MESON, CC, SANITIZE (the build's b_sanitize: a program linking
# an instrumented library is built with the same -fsanitize).
set -eu

: "${BUILD_ROOT:?}" "${SOURCE_ROOT:?}" "${LICNODE:?}"
MESON=${MESON:-meson}
CC=${CC:-cc}
case ${SANITIZE:-none} in
    none | '') sanitize= ;;
    *) sanitize=-fsanitize=$SANITIZE ;;
esac

# The API: every function a program may call.  A function added to
# licclient.h goes here too, or this test fails.
API="licclient_app_body licclient_audit licclient_blob_get licclient_blob_put
licclient_call licclient_catalogue licclient_coalesce licclient_destroy licclient_digest
licclient_file_put licclient_file_read licclient_file_status
licclient_disclosures_free licclient_err_str licclient_find licclient_flush licclient_get
licclient_log licclient_open licclient_open_files licclient_pending
licclient_batch_results licclient_prove licclient_publish licclient_publish_batch
licclient_publish_disclosed licclient_query
licclient_recv licclient_register licclient_reply_free licclient_report
licclient_seal_items licclient_seal_items_derived licclient_send
licclient_send_publish licclient_send_publish_batch licclient_send_publish_disclosed
licclient_sign
licclient_status licclient_verify_copy"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/licrepo-install.XXXXXX")
node_pid=
cleanup () {
    if [ -n "$node_pid" ]; then
        kill "$node_pid" 2>/dev/null || true
        wait "$node_pid" 2>/dev/null || true
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

fail () {
    echo "install_test: FAIL: $*" >&2
    exit 1
}

# ---------------------------------------------------------------------
# Install

root=$tmp/root
if ! "$MESON" install -C "$BUILD_ROOT" --no-rebuild --destdir "$root" \
        > "$tmp/install.log" 2>&1; then
    cat "$tmp/install.log" >&2
    fail "meson install --destdir failed"
fi
pc=$(find "$root" -name licclient.pc)
[ -n "$pc" ] || fail "no licclient.pc installed"
so=$(find "$root" -type f -name 'liblicclient.so.*')
[ -n "$so" ] || fail "no liblicclient.so.* installed"
libdir=$(dirname "$so")
[ -e "$libdir/liblicclient.so" ] || fail "no liblicclient.so link for -llicclient"
incdir=$(find "$root" -type d -path '*/include/licrepo')
[ -n "$incdir" ] || fail "no include/licrepo installed"
echo "install_test: installed $(basename "$so"), $(ls "$incdir" | tr '\n' ' ')"

# pkg-config reads only the installed .pc (and the system's for the
# libraries it requires); the sysroot turns its /usr/local paths into
# the DESTDIR's.
PKG_CONFIG_PATH=$(dirname "$pc")
PKG_CONFIG_SYSROOT_DIR=$root
export PKG_CONFIG_PATH PKG_CONFIG_SYSROOT_DIR
cflags=$(pkg-config --cflags licclient) || fail "pkg-config --cflags licclient"
libs=$(pkg-config --libs licclient) || fail "pkg-config --libs licclient"
pkg-config --static --libs licclient > /dev/null \
    || fail "pkg-config --static --libs licclient (a Requires.private missing?)"
echo "install_test: pkg-config licclient: $cflags $libs"

# ---------------------------------------------------------------------
# 1. Each installed header on its own

for h in "$incdir"/*.h; do
    name=$(basename "$h")
    printf '#include <licrepo/%s>\n' "$name" > "$tmp/alone.c"
    # shellcheck disable=SC2086
    $CC -std=c11 -Wall -Wextra -Werror -fsyntax-only $cflags "$tmp/alone.c" \
        || fail "installed header licrepo/$name does not compile on its own"
done

# ---------------------------------------------------------------------
# 2. A program built from the installed tree alone, run against a node

# shellcheck disable=SC2086
$CC -std=c11 -Wall -Wextra -Werror $sanitize $cflags "$SOURCE_ROOT/tests/install_client.c" \
    -o "$tmp/install_client" $libs \
    || fail "tests/install_client.c does not build against the installed tree"
resolved=$(LD_LIBRARY_PATH=$libdir ldd "$tmp/install_client" | grep liblicclient || true)
case $resolved in
    *"$root"*) ;;
    *) fail "install_client does not load the installed liblicclient: $resolved" ;;
esac

node=$tmp/node
"$LICNODE" init -d "$node" --division 330106 > /dev/null 2> "$tmp/init.log" \
    || { cat "$tmp/init.log" >&2; fail "licnode init"; }
"$LICNODE" -d "$node" -l "ipc://$node/client.sock" --division 330106 \
    > /dev/null 2> "$tmp/licnode.log" &
node_pid=$!
if ! LD_LIBRARY_PATH=$libdir "$tmp/install_client" "$node/node.pub" "$node/admin.key"; then
    tail -20 "$tmp/licnode.log" >&2
    fail "install_client failed"
fi

# ---------------------------------------------------------------------
# 3. Exports: the API and the message descriptors, nothing else

nm -D --defined-only "$so" | awk '{ print $3 }' | sort > "$tmp/exported"
printf '%s\n' $API | sort > "$tmp/api"
sed -n '/^LICCLIENT_EXPORT/{n;p;}' "$incdir/licclient.h" \
    | sed 's/^[ *]*\([a-z_0-9]*\).*/\1/' | sort > "$tmp/declared"
grep -o 'extern const Protobuf[A-Za-z]*Descriptor *lic__[a-z0-9_]*__descriptor' \
    "$incdir/licrepo.pb-c.h" | awk '{ print $4 }' | sort > "$tmp/descriptors"
[ -s "$tmp/descriptors" ] || fail "no descriptor found in licrepo.pb-c.h"
diff -u "$tmp/api" "$tmp/declared" > "$tmp/diff" \
    || { cat "$tmp/diff" >&2; fail "the API list here and LICCLIENT_EXPORT in licclient.h differ"; }
sort "$tmp/api" "$tmp/descriptors" > "$tmp/expected"
diff -u "$tmp/expected" "$tmp/exported" > "$tmp/diff" \
    || { cat "$tmp/diff" >&2; fail "liblicclient exports other symbols than its API (- missing, + extra)"; }
nm -D --defined-only "$so" | awk '$3 ~ /^licclient_/ && $2 != "T" { print }' > "$tmp/odd"
[ ! -s "$tmp/odd" ] || { cat "$tmp/odd" >&2; fail "an API symbol is not a function"; }
nm -D --defined-only "$so" | awk '$3 ~ /^lic__/ && $2 != "D" && $2 != "R" { print }' > "$tmp/odd"
[ ! -s "$tmp/odd" ] || { cat "$tmp/odd" >&2; fail "a generated function is exported"; }
echo "install_test: liblicclient exports $(wc -l < "$tmp/exported") symbols:" \
     "$(wc -l < "$tmp/api") API functions, $(wc -l < "$tmp/descriptors") message descriptors"

# ---------------------------------------------------------------------
# 4. The installed error codes are the tree's, name for name

sed -n 's/^ *\(ERR_[A-Z_]*\) = \([0-9]*\).*/\1 \2/p' "$SOURCE_ROOT/proto/err.h" > "$tmp/err_tree"
sed -n 's/^ *LICCLIENT_\(ERR_[A-Z_]*\) = \([0-9]*\).*/\1 \2/p' "$incdir/licclient.h" > "$tmp/err_api"
[ -s "$tmp/err_tree" ] || fail "no ERR_ code read from proto/err.h"
diff -u "$tmp/err_tree" "$tmp/err_api" > "$tmp/diff" \
    || { cat "$tmp/diff" >&2; fail "licclient.h's LICCLIENT_ERR_* and proto/err.h's ERR_* differ"; }

echo "install_test: ok"
