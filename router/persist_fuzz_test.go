package router

import (
	"errors"
	"testing"

	"github.com/gwd-project/gwd/router/script"
)

// Fuzz targets for the stored encodings: whatever the bytes, a decoder
// either returns a whole object that encodes back to a document decoding
// to the same encoding, or an *ObjectError; it never panics. Seeds are in
// testdata/fuzz/<target>/ (valid documents and damaged ones).
//
//	go test -run '^$' -fuzz=FuzzDecodeUser -fuzztime=20s ./router/

func pFuzzErr(t *testing.T, err error) {
	var oe *ObjectError
	if !errors.As(err, &oe) {
		t.Fatalf("error is not an *ObjectError: %v", err)
	}
}

func FuzzDecodeUser(f *testing.F) {
	f.Fuzz(func(t *testing.T, b []byte) {
		u, err := DecodeUser(b)
		if err != nil {
			if u != nil {
				t.Fatal("a user and an error")
			}
			pFuzzErr(t, err)
			return
		}
		enc, err := EncodeUser(u)
		if err != nil {
			t.Fatalf("decoded user does not encode: %v", err)
		}
		u2, err := DecodeUser(enc)
		if err != nil {
			t.Fatalf("re-decode of %s: %v", enc, err)
		}
		if enc2, _ := EncodeUser(u2); string(enc2) != string(enc) {
			t.Fatalf("unstable encoding:\n%s\n%s", enc, enc2)
		}
	})
}

func pFuzzFilters(t testing.TB) *FilterSet {
	fs := NewFilterSet()
	for _, fl := range pFilters(t) {
		_ = fs.Add(fl)
	}
	return fs
}

func FuzzDecodeRoute(f *testing.F) {
	fs := pFuzzFilters(f)
	known := func(kind, id string) bool { return id != "unknown" }
	f.Fuzz(func(t *testing.T, mo bool, b []byte) {
		d := MT
		if mo {
			d = MO
		}
		rt, err := DecodeRoute(d, b, fs, known)
		if err != nil {
			if rt != nil {
				t.Fatal("a route and an error")
			}
			pFuzzErr(t, err)
			return
		}
		enc, err := EncodeRoute(rt)
		if err != nil {
			t.Fatalf("decoded route does not encode: %v", err)
		}
		rt2, err := DecodeRoute(d, enc, fs, known)
		if err != nil {
			t.Fatalf("re-decode of %s: %v", enc, err)
		}
		if enc2, _ := EncodeRoute(rt2); string(enc2) != string(enc) {
			t.Fatalf("unstable encoding:\n%s\n%s", enc, enc2)
		}
		if d == MT {
			err = NewMTTable().Add(rt, known)
		} else {
			err = NewMOTable().Add(rt, known)
		}
		if err != nil {
			t.Fatalf("a decoded route is refused by its table: %v", err)
		}
	})
}

func FuzzDecodeFilter(f *testing.F) {
	f.Fuzz(func(t *testing.T, b []byte) {
		fl, err := DecodeFilter(b)
		if err != nil {
			pFuzzErr(t, err)
			return
		}
		enc, err := EncodeFilter(fl)
		if err != nil {
			t.Fatalf("decoded filter does not encode: %v", err)
		}
		fl2, err := DecodeFilter(enc)
		if err != nil {
			t.Fatalf("re-decode of %s: %v", enc, err)
		}
		if fl2.Describe() != fl.Describe() {
			t.Fatalf("%s / %s", fl.Describe(), fl2.Describe())
		}
	})
}

func FuzzDecodeGroup(f *testing.F) {
	f.Fuzz(func(t *testing.T, b []byte) {
		g, err := DecodeGroup(b)
		if err != nil {
			pFuzzErr(t, err)
			return
		}
		enc, err := EncodeGroup(g)
		if err != nil {
			t.Fatal(err)
		}
		if g2, err := DecodeGroup(enc); err != nil || g2 != g {
			t.Fatalf("%+v / %+v %v", g, g2, err)
		}
	})
}

func FuzzDecodeInterceptor(f *testing.F) {
	fs := pFuzzFilters(f)
	lim := script.Limits{MaxSteps: 1000}
	f.Fuzz(func(t *testing.T, mo bool, b []byte) {
		d := MT
		if mo {
			d = MO
		}
		ic, err := DecodeInterceptor(d, b, fs, lim)
		if err != nil {
			if ic != nil {
				t.Fatal("an interceptor and an error")
			}
			pFuzzErr(t, err)
			return
		}
		enc, err := EncodeInterceptor(ic)
		if err != nil {
			t.Fatalf("decoded interceptor does not encode: %v", err)
		}
		ic2, err := DecodeInterceptor(d, enc, fs, lim)
		if err != nil || ic2.Source() != ic.Source() || ic2.Show() != ic.Show() {
			t.Fatalf("re-decode of %s: %v", enc, err)
		}
	})
}
