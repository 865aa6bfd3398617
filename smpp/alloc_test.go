package smpp

import "testing"

// Allocation guards for the hot path. They count allocations, not time, so
// they are stable under `go test` (and -race).

func TestDecodeAllocs(t *testing.T) {
	multi := roundTripCases()
	var submitMulti *PDU
	for _, tc := range multi {
		if tc.p.Command == SubmitMulti {
			submitMulti = tc.p
		}
	}
	frames := map[string][]byte{
		"submit_sm with TLVs":  sampleSubmitSM().AppendTo(nil),
		"deliver_sm receipt":   sampleDeliverSM().AppendTo(nil),
		"submit_sm_resp":       sampleSubmitSMResp().AppendTo(nil),
		"enquire_link":         AppendEmpty(nil, EnquireLink, ESME_ROK, 1),
		"submit_multi (reuse)": submitMulti.AppendTo(nil),
	}
	for name, frame := range frames {
		var p PDU
		if err := p.Decode(frame); err != nil { // warm-up: sizes Dests once
			t.Fatal(err)
		}
		allocs := testing.AllocsPerRun(200, func() {
			if err := p.Decode(frame); err != nil {
				panic(err)
			}
		})
		if allocs != 0 {
			t.Errorf("Decode %s: %v allocs, want 0", name, allocs)
		}
	}
}

func TestAppendToAllocs(t *testing.T) {
	for _, tc := range roundTripCases() {
		p := tc.p
		buf := make([]byte, 0, 1024)
		allocs := testing.AllocsPerRun(200, func() {
			buf = p.AppendTo(buf[:0])
		})
		if allocs != 0 {
			t.Errorf("AppendTo %s: %v allocs, want 0", tc.name, allocs)
		}
	}
}

func TestTLVReadAllocs(t *testing.T) {
	p := decodeOK(t, sampleDeliverSM().AppendTo(nil))
	var sink int
	allocs := testing.AllocsPerRun(200, func() {
		id, _ := p.TLVs.CString(TagReceiptedMessageID)
		st, _ := p.TLVs.Uint(TagMessageState)
		v, _ := p.TLVs.Get(TagNetworkErrorCode)
		p.TLVs.Each(func(tag Tag, val []byte) bool {
			sink += len(val)
			return true
		})
		sink += len(id) + int(st) + len(v)
	})
	if allocs != 0 {
		t.Errorf("TLV reads: %v allocs, want 0", allocs)
	}
	if sink == 0 {
		t.Fatal("TLV reads found nothing")
	}
}

func TestReceiptAllocs(t *testing.T) {
	p := decodeOK(t, sampleDeliverSM().AppendTo(nil))
	buf := make([]byte, 0, 256)
	allocs := testing.AllocsPerRun(200, func() {
		r, err := ParseReceipt(p.ShortMessage)
		if err != nil {
			panic(err)
		}
		if _, ok := MessageStateFromStat(r.Stat); !ok {
			panic("stat")
		}
		buf = r.AppendTo(buf[:0])
		if _, err := ParseReceipt([]byte("id:1 sub:001 text:not a receipt, no stat")); err == nil {
			panic("no error")
		}
	})
	if allocs != 0 {
		t.Errorf("receipt parse/format: %v allocs, want 0", allocs)
	}
}
