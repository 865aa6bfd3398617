package smpp

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// FuzzDecode feeds arbitrary frames to Decode. Decode must not panic; its
// errors must be *Error with a real status; and a PDU it accepts must
// encode to bytes that decode to the same fields and re-encode identically.
func FuzzDecode(f *testing.F) {
	for _, s := range decodeSeeds() {
		f.Add(s.frame)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		var p PDU
		err := p.Decode(in)
		if err != nil {
			var se *Error
			if !errors.As(err, &se) {
				t.Fatalf("error %v is %T, not *Error", err, err)
			}
			if se.Status == ESME_ROK {
				t.Fatalf("error %v carries ESME_ROK", err)
			}
			return
		}
		if p.Length != uint32(len(in)) {
			t.Fatalf("Length %d for %d octets", p.Length, len(in))
		}
		// What Decode accepts, Validate accepts.
		if err := p.Validate(); err != nil {
			t.Fatalf("decoded PDU fails Validate: %v", err)
		}

		out := p.AppendTo(nil)
		if n := p.EncodedLen(); n != len(out) {
			t.Fatalf("EncodedLen %d, AppendTo wrote %d", n, len(out))
		}
		var q PDU
		if err := q.Decode(out); err != nil {
			t.Fatalf("re-decoding %x (from %x): %v", out, in, err)
		}
		if d := diffPDU(&p, &q); d != "" {
			t.Fatalf("fields changed through AppendTo:\n%s\n in  %x\n out %x", d, in, out)
		}
		if again := q.AppendTo(nil); !bytes.Equal(again, out) {
			t.Fatalf("encoding not idempotent:\n first  %x\n second %x", out, again)
		}

		// Own detaches the PDU from its frame without changing a field.
		frame := append([]byte(nil), in...)
		var r PDU
		if err := r.Decode(frame); err != nil {
			t.Fatal(err)
		}
		r.Own()
		for i := range frame {
			frame[i] ^= 0xFF
		}
		if d := diffPDU(&q, &r); d != "" {
			t.Fatalf("Own kept a reference to the frame:\n%s", d)
		}
	})
}

// FuzzParseReceipt feeds arbitrary text to ParseReceipt. It must not panic;
// a receipt it accepts has an id and a stat, values without surrounding
// white space, and formats (AppendTo) into text that parses back to the
// same fields, Text cut to ReceiptTextLen, and formats again identically.
func FuzzParseReceipt(f *testing.F) {
	for _, s := range receiptSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		r, err := ParseReceipt(in)
		if err != nil {
			if err != ErrReceiptNoID && err != ErrReceiptNoStat {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		if len(r.ID) == 0 || len(r.Stat) == 0 {
			t.Fatalf("accepted without id or stat: %+v", r)
		}
		fields := [][]byte{r.ID, r.Sub, r.Dlvrd, r.SubmitDate, r.DoneDate, r.Stat, r.Err}
		for _, v := range fields {
			if len(v) > 0 && (isSpace(v[0]) || isSpace(v[len(v)-1])) {
				t.Fatalf("value %q not trimmed", v)
			}
		}
		out := r.AppendTo(nil)
		r2, err := ParseReceipt(out)
		if err != nil {
			t.Fatalf("ParseReceipt(%q) (formatted from %q): %v", out, in, err)
		}
		text := r.Text
		if len(text) > ReceiptTextLen {
			text = text[:ReceiptTextLen]
		}
		want := append(fields, text)
		got := [][]byte{r2.ID, r2.Sub, r2.Dlvrd, r2.SubmitDate, r2.DoneDate, r2.Stat, r2.Err, r2.Text}
		for i := range want {
			if !bytes.Equal(want[i], got[i]) {
				t.Fatalf("field %d changed: %q -> %q\n in  %q\n out %q", i, want[i], got[i], in, out)
			}
		}
		if again := r2.AppendTo(nil); !bytes.Equal(again, out) {
			t.Fatalf("formatting not idempotent:\n %q\n %q", out, again)
		}
	})
}

var receiptSeeds = []string{
	"id:0123456789 sub:001 dlvrd:001 submit date:2401311200 done date:2401311201 stat:DELIVRD err:000 text:Hello world",
	"id:IIIIIIIIII sub:SSS dlvrd:DDD submit date:YYMMDDhhmm done date:YYMMDDhhmm stat:DDDDDDD err:E text: . . . . . . . . .",
	"ID:abc SUB:001 DLVRD:000 SUBMIT DATE:2401311200 DONE DATE:2401311300 STAT:UNDELIV ERR:011 TEXT:x",
	"id:7 sub:001 dlvrd:001 submit date:240131120059 done date:240131120102 stat:DELIVRD err:000 text:",
	"stat:EXPIRED err:000 done date:2401311200 id:ff00 dlvrd:000 sub:001 submit date:2401301200 text:late",
	"  id:  42   sub :001  dlvrd:001   submit   date : 2401311200 done\tdate:2401311201  stat:  DELIVRD   err:000  text:  x",
	"id:1 submit_date:2401311200 done_date:2401311201 stat:DELIVRD",
	"id:1 sub:001 dlvrd:001 stat:DELIVRD err:000 mcc:234 mnc:10 text:x",
	"id:1 stat:DELIVRD text:id:2 stat:REJECTD err:999",
	"id: id:1 stat:DELIVRD stat:UNDELIV",
	"id:1",
	"hello world",
	"",
}

// decodeSeed is a named FuzzDecode seed.
type decodeSeed struct {
	name  string
	frame []byte
}

// decodeSeeds is one frame of every PDU (roundTripCases) plus a few that
// must fail, for the seed corpus.
func decodeSeeds() []decodeSeed {
	var seeds []decodeSeed
	for _, tc := range roundTripCases() {
		name := strings.NewReplacer("/", "-", " ", "_").Replace(tc.name)
		seeds = append(seeds, decodeSeed{name, tc.p.AppendTo(nil)})
	}
	seeds = append(seeds,
		decodeSeed{"bad-truncated_submit_sm", setLength(sampleSubmitSM().AppendTo(nil)[:40])},
		decodeSeed{"bad-unknown_command", unhex("00000010 00000099 00000000 00000001")},
		decodeSeed{"bad-tlv_length", unhex("00000016 80000015 00000000 00000001 0424 0005 00 00")},
		decodeSeed{"bad-short_header", unhex("00000010 0000")},
	)
	return seeds
}

var updateSeeds = flag.Bool("update-seeds", false, "rewrite the seed corpora in testdata/fuzz")

// TestFuzzSeedCorpus keeps testdata/fuzz in step with decodeSeeds and
// receiptSeeds. Run `go test -run TestFuzzSeedCorpus -update-seeds` after
// changing them.
func TestFuzzSeedCorpus(t *testing.T) {
	want := map[string][]byte{}
	for _, s := range decodeSeeds() {
		want[filepath.Join("testdata", "fuzz", "FuzzDecode", "seed-"+s.name)] = corpusFile(s.frame)
	}
	for i, s := range receiptSeeds {
		want[filepath.Join("testdata", "fuzz", "FuzzParseReceipt", "seed-"+strconv.Itoa(i))] = corpusFile([]byte(s))
	}
	for path, content := range want {
		if *updateSeeds {
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, content, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(path)
		if err != nil || !bytes.Equal(got, content) {
			t.Errorf("%s is missing or stale (run go test -run TestFuzzSeedCorpus -update-seeds): %v", path, err)
		}
	}
}

// corpusFile renders one []byte input in the fuzzing engine's corpus file
// format.
func corpusFile(b []byte) []byte {
	return []byte("go test fuzz v1\n[]byte(" + strconv.Quote(string(b)) + ")\n")
}
