// tlogverify -- an independent verifier of licrepo's checkpoints and
// proofs, on Go's golang.org/x/mod/sumdb/note and sumdb/tlog (Debian's
// golang-golang-x-mod-dev).  tests/test_interop_go.c builds it and runs
// it on what real licnode processes and licctl made; it shares no code
// with licrepo, so the two agreeing is evidence the formats are the
// C2SP ones.
//
//	tlogverify -key VKEY [-witness VKEY] PROOF.json
//	tlogverify -key VKEY [-witness VKEY] -note CHECKPOINT
//	tlogverify -name NAME -pub HEX ...
//
// VKEY is a signed-note verifier key (licctl vkey prints a node's); -name
// and -pub build it here instead, with note.NewEd25519VerifierKey, from the
// node's raw Ed25519 public key (licctl status --json's sign_key).  The
// checkpoint (the document's "checkpoint", or the -note file) must open
// with note.Open under -key, its origin line must be the key's name
// (c2sp.org/tlog-checkpoint: a log's key vouches for its own origin), and
// its tree must be the document's.  Then the inclusion proof is checked
// with tlog.CheckRecord and the consistency proof with tlog.CheckTree.
// With -witness, the note must also carry that witness's line: an Ed25519
// signature (algorithm 0x01, checked by note.Open) or a
// c2sp.org/tlog-cosignature cosignature/v1 (algorithm 0x04: x/mod 0.7.0
// has no support for it, so it is checked here with crypto/ed25519).
//
// Prints "ok: ..." and exits 0, or "FAIL: ..." and exits 1; 2 for usage.
package main

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// The proof document licctl prove writes (node/common/licjson.h).
type proofDoc struct {
	Origin      string   `json:"origin"`
	Checkpoint  string   `json:"checkpoint"`
	Size        int64    `json:"size"`
	Root        string   `json:"root"`
	LeafIndex   *int64   `json:"leaf_index"`
	Leaf        *string  `json:"leaf"`
	Inclusion   []string `json:"inclusion"`
	OldSize     int64    `json:"old_size"`
	OldRoot     *string  `json:"old_root"`
	Consistency []string `json:"consistency"`
}

// A checkpoint body (c2sp.org/tlog-checkpoint).
type checkpoint struct {
	origin string
	size   int64
	root   tlog.Hash
}

const (
	algEd25519     = 0x01
	algCosignature = 0x04
)

func fail(format string, args ...interface{}) {
	fmt.Printf("FAIL: "+format+"\n", args...)
	os.Exit(1)
}

// The body of a checkpoint: origin, size, base64 root, and (allowed by
// tlog-checkpoint, never written by licrepo) extension lines.
func parseCheckpoint(text string) (checkpoint, error) {
	var cp checkpoint
	lines := strings.SplitAfter(text, "\n")
	if len(lines) < 4 || lines[len(lines)-1] != "" {
		return cp, errors.New("a checkpoint has an origin, a size and a root line")
	}
	cp.origin = strings.TrimSuffix(lines[0], "\n")
	sizeText := strings.TrimSuffix(lines[1], "\n")
	size, err := strconv.ParseInt(sizeText, 10, 64)
	if err != nil || size < 0 || strconv.FormatInt(size, 10) != sizeText {
		return cp, fmt.Errorf("size line %q is not a decimal size", sizeText)
	}
	cp.size = size
	root, err := base64.StdEncoding.DecodeString(strings.TrimSuffix(lines[2], "\n"))
	if err != nil || len(root) != tlog.HashSize {
		return cp, errors.New("root line is not base64 of 32 bytes")
	}
	copy(cp.root[:], root)
	return cp, nil
}

// A verifier key's parts: name, key hash, algorithm byte and key.
type vkey struct {
	text string
	name string
	hash uint32
	alg  byte
	key  []byte
}

func parseVkey(text string) (vkey, error) {
	parts := strings.SplitN(text, "+", 3)
	if len(parts) != 3 || len(parts[1]) != 8 {
		return vkey{}, errors.New("not name+hash+key")
	}
	hash, err1 := strconv.ParseUint(parts[1], 16, 32)
	key, err2 := base64.StdEncoding.DecodeString(parts[2])
	if err1 != nil || err2 != nil || len(key) != 1+ed25519.PublicKeySize {
		return vkey{}, errors.New("bad hash or key")
	}
	// signed-note: key hash = SHA-256(name || 0x0A || alg || key)[:4]
	sum := sha256.Sum256(append([]byte(parts[0]+"\n"), key...))
	if binary.BigEndian.Uint32(sum[:4]) != uint32(hash) {
		return vkey{}, errors.New("key hash does not match the key")
	}
	return vkey{text, parts[0], uint32(hash), key[0], key[1:]}, nil
}

// The witness's cosignature/v1 line on msg (c2sp.org/tlog-cosignature):
// base64(key hash || 8-byte big-endian timestamp || Ed25519 signature of
// "cosignature/v1\ntime <t>\n" + checkpoint body).
func checkCosignature(msg []byte, body string, w vkey) (uint64, error) {
	split := bytes.LastIndex(msg, []byte("\n\n"))
	found := false
	for _, line := range strings.Split(string(msg[split+2:]), "\n") {
		rest := strings.TrimPrefix(line, "\u2014 ")
		if rest == line {
			continue
		}
		name, b64, _ := strings.Cut(rest, " ")
		sig, err := base64.StdEncoding.DecodeString(b64)
		if name != w.name || err != nil || len(sig) < 4 ||
			binary.BigEndian.Uint32(sig[:4]) != w.hash {
			continue
		}
		found = true
		if len(sig) != 4+8+ed25519.SignatureSize {
			return 0, fmt.Errorf("cosignature by %s is %d bytes, not 76", w.name, len(sig))
		}
		t := binary.BigEndian.Uint64(sig[4:12])
		if t > math.MaxInt64 {
			return 0, fmt.Errorf("cosignature by %s: time %d over 2^63-1", w.name, t)
		}
		signed := fmt.Sprintf("cosignature/v1\ntime %d\n%s", t, body)
		if !ed25519.Verify(w.key, []byte(signed), sig[12:]) {
			return 0, fmt.Errorf("cosignature by %s does not verify", w.name)
		}
		return t, nil
	}
	if !found {
		return 0, fmt.Errorf("no cosignature by %s+%08x", w.name, w.hash)
	}
	return 0, nil
}

func hash32(what, text string) tlog.Hash {
	var h tlog.Hash
	b, err := hex.DecodeString(text)
	if err != nil || len(b) != tlog.HashSize {
		fail("%s is not 64 hex digits", what)
	}
	copy(h[:], b)
	return h
}

func hashes(what string, list []string) []tlog.Hash {
	out := make([]tlog.Hash, len(list))
	for i, s := range list {
		out[i] = hash32(what, s)
	}
	return out
}

func main() {
	keyText := flag.String("key", "", "the log's verifier key (licctl vkey)")
	witnessText := flag.String("witness", "", "a witness's verifier key: its line is required")
	noteOnly := flag.Bool("note", false, "FILE is a checkpoint note, not a proof document")
	name := flag.String("name", "", "with -pub: the log's key name")
	pubHex := flag.String("pub", "", "with -name: the log's Ed25519 public key, hex")
	flag.Parse()
	if *pubHex != "" {
		pub, err := hex.DecodeString(*pubHex)
		if err != nil || len(pub) != ed25519.PublicKeySize || *name == "" {
			fmt.Fprintln(os.Stderr, "-pub: 64 hex digits, with -name")
			os.Exit(2)
		}
		vkey, err := note.NewEd25519VerifierKey(*name, ed25519.PublicKey(pub))
		if err != nil {
			fmt.Fprintf(os.Stderr, "note.NewEd25519VerifierKey: %v\n", err)
			os.Exit(2)
		}
		*keyText = vkey
	}
	if *keyText == "" || flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: tlogverify (-key VKEY | -name NAME -pub HEX) [-witness VKEY] [-note] FILE")
		os.Exit(2)
	}
	input, err := os.ReadFile(flag.Arg(0))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	logKey, err := note.NewVerifier(*keyText)
	if err != nil {
		fmt.Fprintf(os.Stderr, "-key: note.NewVerifier: %v\n", err)
		os.Exit(2)
	}
	verifiers := []note.Verifier{logKey}
	var witness vkey
	if *witnessText != "" {
		if witness, err = parseVkey(*witnessText); err != nil {
			fmt.Fprintf(os.Stderr, "-witness: %v\n", err)
			os.Exit(2)
		}
		if witness.alg == algEd25519 {
			v, err := note.NewVerifier(*witnessText)
			if err != nil {
				fmt.Fprintf(os.Stderr, "-witness: note.NewVerifier: %v\n", err)
				os.Exit(2)
			}
			verifiers = append(verifiers, v)
		} else if witness.alg != algCosignature {
			fmt.Fprintf(os.Stderr, "-witness: algorithm %#x\n", witness.alg)
			os.Exit(2)
		}
	}

	var doc proofDoc
	msg := input
	if !*noteOnly {
		dec := json.NewDecoder(bytes.NewReader(input))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&doc); err != nil {
			fail("not a proof document: %v", err)
		}
		msg = []byte(doc.Checkpoint)
	}

	// The checkpoint: a signed note by the log's key, of the key's log
	n, err := note.Open(msg, note.VerifierList(verifiers...))
	if err != nil {
		fail("note.Open: %v", err)
	}
	signedByLog := false
	for _, s := range n.Sigs {
		if s.Name == logKey.Name() && s.Hash == logKey.KeyHash() {
			signedByLog = true
		}
	}
	if !signedByLog {
		fail("the note is not signed by %s (only by a witness)", logKey.Name())
	}
	cp, err := parseCheckpoint(n.Text)
	if err != nil {
		fail("checkpoint: %v", err)
	}
	if cp.origin != logKey.Name() {
		fail("the checkpoint is of the log %q, the key is %q's", cp.origin, logKey.Name())
	}
	report := fmt.Sprintf("%s size %d signed by its key", cp.origin, cp.size)

	if *witnessText != "" {
		if witness.alg == algEd25519 {
			ok := false
			for _, s := range n.Sigs {
				ok = ok || (s.Name == witness.name && s.Hash == witness.hash)
			}
			if !ok {
				fail("no line by witness %s+%08x", witness.name, witness.hash)
			}
			report += ", countersigned by " + witness.name
		} else {
			t, err := checkCosignature(msg, n.Text, witness)
			if err != nil {
				fail("%v", err)
			}
			report += fmt.Sprintf(", cosigned by %s at %d", witness.name, t)
		}
	}
	if *noteOnly {
		fmt.Printf("ok: %s\n", report)
		return
	}

	// The document's tree is the checkpoint's
	root := hash32("root", doc.Root)
	if doc.Origin != cp.origin || doc.Size != cp.size || root != cp.root {
		fail("the document's tree (%s, %d, %s) is not the checkpoint's (%s, %d, %s)",
			doc.Origin, doc.Size, root, cp.origin, cp.size, cp.root)
	}
	proved := false
	if doc.Leaf != nil {
		leaf, err := hex.DecodeString(*doc.Leaf)
		if err != nil || doc.LeafIndex == nil {
			fail("leaf is not hex, or leaf_index is missing")
		}
		proof := tlog.RecordProof(hashes("inclusion", doc.Inclusion))
		if err := tlog.CheckRecord(proof, cp.size, cp.root, *doc.LeafIndex,
			tlog.RecordHash(leaf)); err != nil {
			fail("tlog.CheckRecord: leaf %d: %v", *doc.LeafIndex, err)
		}
		report += fmt.Sprintf(", leaf %d included", *doc.LeafIndex)
		proved = true
	}
	if doc.OldSize != 0 {
		if doc.OldRoot == nil {
			fail("old_size without old_root")
		}
		proof := tlog.TreeProof(hashes("consistency", doc.Consistency))
		if err := tlog.CheckTree(proof, cp.size, cp.root, doc.OldSize,
			hash32("old_root", *doc.OldRoot)); err != nil {
			fail("tlog.CheckTree: %d -> %d: %v", doc.OldSize, cp.size, err)
		}
		report += fmt.Sprintf(", extends tree %d", doc.OldSize)
		proved = true
	}
	if !proved {
		fail("the document proves nothing")
	}
	fmt.Printf("ok: %s\n", report)
}
