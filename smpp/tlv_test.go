package smpp

import (
	"bytes"
	"testing"
)

func TestTLVAppend(t *testing.T) {
	var r TLVs
	r = r.Append(TagMessagePayload, []byte("hi"))
	r = r.AppendUint8(TagMessageState, 2)
	r = r.AppendUint16(TagSarMsgRefNum, 0x1234)
	r = r.AppendCString(TagReceiptedMessageID, []byte("abc"))
	r = r.Append(Tag(0x1401), nil)
	want := unhex(
		"0424 0002 6869",
		"0427 0001 02",
		"020c 0002 1234",
		"001e 0004 61626300",
		"1401 0000",
	)
	if !bytes.Equal(r, want) {
		t.Fatalf("got  %x\nwant %x", []byte(r), want)
	}
	if err := r.validate(); err != nil {
		t.Fatal(err)
	}

	max := r.Append(TagMessagePayload, make([]byte, 0xFFFF))
	if n := len(max) - len(r); n != 4+0xFFFF || !bytes.Equal(max[len(r):len(r)+4], unhex("0424 ffff")) {
		t.Fatalf("65535-octet value: %d octets, header %x", n, max[len(r):len(r)+4])
	}
	mustPanic(t, "Append 65536", func() { r.Append(TagMessagePayload, make([]byte, 0x10000)) })
	mustPanic(t, "AppendCString 65535", func() { r.AppendCString(TagMessagePayload, make([]byte, 0xFFFF)) })
	if got := TLVs(nil).AppendCString(TagMessagePayload, make([]byte, 0xFFFE)); len(got) != 4+0xFFFF {
		t.Fatalf("AppendCString 65534: %d", len(got))
	}
}

func mustPanic(t *testing.T, name string, f func()) {
	t.Helper()
	defer func() {
		if recover() == nil {
			t.Errorf("%s did not panic", name)
		}
	}()
	f()
}

func TestTLVGet(t *testing.T) {
	r := TLVs(unhex(
		"0427 0001 02",
		"1401 0000",
		"020c 0002 1234",
		"0427 0001 03", // duplicate: Get returns the first
		"001e 0004 61626300",
		"0423 0003 030000",
		"0017 0004 00000e10",
		"0019 0000",
	))
	get := func(tag Tag) string {
		v, ok := r.Get(tag)
		if !ok {
			return "absent"
		}
		return string(v)
	}
	if got := get(TagMessageState); got != "\x02" {
		t.Errorf("Get(message_state) = %q", got)
	}
	if got := get(0x1401); got != "" {
		t.Errorf("Get(0x1401) = %q", got)
	}
	if got := get(TagReceiptedMessageID); got != "abc\x00" {
		t.Errorf("Get(receipted_message_id) = %q", got)
	}
	if got := get(TagMessagePayload); got != "absent" {
		t.Errorf("Get(message_payload) = %q", got)
	}

	uints := []struct {
		tag  Tag
		want uint32
		ok   bool
	}{
		{TagMessageState, 2, true},
		{TagSarMsgRefNum, 0x1234, true},
		{TagQosTimeToLive, 3600, true},
		{TagNetworkErrorCode, 0, false}, // three octets is not an integer size
		{TagPayloadType, 0, false},      // empty
		{TagMessagePayload, 0, false},   // absent
	}
	for _, u := range uints {
		if got, ok := r.Uint(u.tag); got != u.want || ok != u.ok {
			t.Errorf("Uint(%#04x) = %d, %v; want %d, %v", uint16(u.tag), got, ok, u.want, u.ok)
		}
	}

	if s, ok := r.CString(TagReceiptedMessageID); !ok || string(s) != "abc" {
		t.Errorf("CString = %q, %v", s, ok)
	}
	// Without its NUL the value is returned whole.
	if s, ok := tlvs(TagReceiptedMessageID, []byte("abc")).CString(TagReceiptedMessageID); !ok || string(s) != "abc" {
		t.Errorf("CString without NUL = %q, %v", s, ok)
	}
	if s, ok := r.CString(0x1401); !ok || len(s) != 0 {
		t.Errorf("CString of empty = %q, %v", s, ok)
	}
	if _, ok := r.CString(TagMessagePayload); ok {
		t.Errorf("CString of absent reported ok")
	}

	// A malformed region: Get and Each stop at the bad record.
	bad := TLVs(unhex("0427 0001 02", "0424 0009 00"))
	if _, ok := bad.Get(TagMessagePayload); ok {
		t.Errorf("Get found a TLV that runs past the region")
	}
	if v, ok := bad.Get(TagMessageState); !ok || v[0] != 2 {
		t.Errorf("Get before the bad record: %x %v", v, ok)
	}
	var n int
	bad.Each(func(Tag, []byte) bool { n++; return true })
	if n != 1 {
		t.Errorf("Each visited %d records of a malformed region, want 1", n)
	}
}

func TestTLVGetIsCapped(t *testing.T) {
	r := tlvs(TagMessagePayload, []byte("ab"), TagMessageState, []byte{2})
	v, _ := r.Get(TagMessagePayload)
	_ = append(v, 'X', 'X', 'X', 'X')
	if s, ok := r.Uint(TagMessageState); !ok || s != 2 {
		t.Fatalf("appending to a Get value overwrote the next TLV: %x", []byte(r))
	}
	r.Each(func(tag Tag, val []byte) bool {
		_ = append(val, 'Y', 'Y', 'Y', 'Y', 'Y')
		return true
	})
	if !bytes.Equal(r, tlvs(TagMessagePayload, []byte("ab"), TagMessageState, []byte{2})) {
		t.Fatalf("appending to an Each value changed the region: %x", []byte(r))
	}
}

func TestTLVEach(t *testing.T) {
	r := tlvs(TagSarMsgRefNum, []byte{0, 1}, Tag(0x1401), []byte{}, TagSarTotalSegments, []byte{3}, TagSarSegmentSeqnum, []byte{2})
	type rec struct {
		tag Tag
		val string
	}
	var got []rec
	r.Each(func(tag Tag, val []byte) bool {
		got = append(got, rec{tag, string(val)})
		return true
	})
	want := []rec{{TagSarMsgRefNum, "\x00\x01"}, {0x1401, ""}, {TagSarTotalSegments, "\x03"}, {TagSarSegmentSeqnum, "\x02"}}
	if len(got) != len(want) {
		t.Fatalf("Each visited %v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("record %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	// Stopping early.
	n := 0
	r.Each(func(tag Tag, _ []byte) bool { n++; return tag != 0x1401 })
	if n != 2 {
		t.Errorf("Each did not stop when fn returned false: %d calls", n)
	}
	TLVs(nil).Each(func(Tag, []byte) bool { t.Error("Each on an empty region called fn"); return true })
}

func TestTLVWithout(t *testing.T) {
	r := tlvs(TagSarMsgRefNum, []byte{0, 1}, Tag(0x1401), []byte("a"), TagSarTotalSegments, []byte{3}, Tag(0x1401), []byte{})
	got := r.Without(0x1401)
	if want := tlvs(TagSarMsgRefNum, []byte{0, 1}, TagSarTotalSegments, []byte{3}); !bytes.Equal(got, want) {
		t.Fatalf("Without(0x1401) = %x, want %x", []byte(got), []byte(want))
	}
	if got := r.Without(TagMessagePayload); !bytes.Equal(got, r) {
		t.Fatalf("Without an absent tag changed the region: %x", []byte(got))
	}
	// The result is a new slice: changing it leaves r alone.
	before := append(TLVs(nil), r...)
	w := r.Without(TagMessagePayload)
	w[0] = 0xFF
	if !bytes.Equal(r, before) {
		t.Fatalf("Without aliases its receiver")
	}
	if got := tlvs(Tag(0x1401), []byte("a")).Without(0x1401); len(got) != 0 {
		t.Fatalf("removing the only TLV left %x", []byte(got))
	}
}

func TestTagValues(t *testing.T) {
	// Spot-check against SMPP v3.4 section 5.3.2.
	spec := map[Tag]uint16{
		TagDestAddrSubunit: 0x0005, TagReceiptedMessageID: 0x001E, TagUserMessageReference: 0x0204,
		TagSarMsgRefNum: 0x020C, TagSarTotalSegments: 0x020E, TagSarSegmentSeqnum: 0x020F,
		TagSCInterfaceVersion: 0x0210, TagNetworkErrorCode: 0x0423, TagMessagePayload: 0x0424,
		TagMessageState: 0x0427, TagUssdServiceOp: 0x0501, TagItsSessionInfo: 0x1383,
	}
	for tag, v := range spec {
		if uint16(tag) != v {
			t.Errorf("tag %#04x, want %#04x", uint16(tag), v)
		}
	}
}
