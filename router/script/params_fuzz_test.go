package script

import (
	"bytes"
	"testing"

	"github.com/gwd-project/gwd/smpp"
)

// FuzzInterceptorEdits runs arbitrary scripts as interceptors against
// arbitrary submit_sm frames: a run either fails with an error or yields
// edits that, applied, leave the frame untouched and a PDU that still
// validates, encodes and decodes to the values the script set.
//
//	go test -run '^$' -fuzz=FuzzInterceptorEdits -fuzztime=20s ./router/script/
func FuzzInterceptorEdits(f *testing.F) {
	f.Fuzz(func(t *testing.T, src string, frame []byte) {
		prog, err := Compile("script", src)
		if err != nil {
			return
		}
		var p smpp.PDU
		if p.Decode(frame) != nil || (p.Command != smpp.SubmitSM && p.Command != smpp.DeliverSM) || p.Validate() != nil {
			p = *submit()
			frame = p.AppendTo(nil)
			if err := p.Decode(frame); err != nil {
				t.Fatal(err)
			}
		}
		before := bytes.Clone(frame)
		out, err := prog.Run(&Input{PDU: &p, Interceptor: true}, Limits{MaxSteps: 2000})
		if err != nil {
			if out.Edits != nil || out.Locked != 0 {
				t.Fatal("a failed run returned edits")
			}
			return
		}
		out.Edits.Apply()
		if !bytes.Equal(frame, before) {
			t.Fatal("the frame was written")
		}
		if err := p.Validate(); err != nil {
			t.Fatalf("edited PDU does not validate: %v", err)
		}
		var back smpp.PDU
		if err := back.Decode(p.AppendTo(nil)); err != nil {
			t.Fatalf("edited PDU does not decode: %v", err)
		}
		for q := Param(0); q < numParams; q++ {
			s1, o1, ok1 := paramValue(&p, q)
			s2, o2, ok2 := paramValue(&back, q)
			if ok1 != ok2 || o1 != o2 || !bytes.Equal(s1, s2) {
				t.Fatalf("%s: %q/%d/%v after the wire, %q/%d/%v before", q, s2, o2, ok2, s1, o1, ok1)
			}
		}
	})
}
