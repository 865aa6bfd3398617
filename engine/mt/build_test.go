package mt

import (
	"bytes"
	"strings"
	"testing"

	"github.com/gwd-project/gwd/engine/content"
	"github.com/gwd-project/gwd/smpp"
)

func udhRef(t *testing.T, p *smpp.PDU) (ie byte, ref int) {
	t.Helper()
	sm := p.ShortMessage
	if p.EsmClass&0x40 == 0 || len(sm) < 6 {
		t.Fatalf("part without a UDH: esm_class %#x, %x", p.EsmClass, sm)
	}
	switch sm[1] {
	case 0x00:
		return 0x00, int(sm[3])
	case 0x08:
		return 0x08, int(sm[3])<<8 | int(sm[4])
	}
	t.Fatalf("unknown concatenation IE %#x", sm[1])
	return 0, 0
}

// TestBuildDefaultSplit: the default split is UDH with 16-bit references:
// 304 GSM characters go in 2 parts of 152, 305 in 3; every part carries
// the fields, the coding and one reference, above 255.
func TestBuildDefaultSplit(t *testing.T) {
	var b Builder
	f := Fields{Source: smpp.Address{Addr: []byte("ACME")}, Dest: smpp.Address{TON: 1, Addr: []byte("336")},
		Priority: 2, RegisteredDelivery: 1, ValidityPeriod: []byte("000001000000000R")}
	for _, tc := range []struct{ chars, parts int }{{160, 1}, {304, 2}, {305, 3}} {
		c, octets, err := b.Encode(strings.Repeat("a", tc.chars), content.GSM, true)
		if err != nil || c != content.GSM {
			t.Fatalf("Encode: %v, %v", c, err)
		}
		parts, err := b.Build(octets, c, DefaultSplit(), &f)
		if err != nil {
			t.Fatal(err)
		}
		if len(parts) != tc.parts {
			t.Fatalf("%d characters: %d parts, want %d", tc.chars, len(parts), tc.parts)
		}
		var ref0 int
		for i := range parts {
			p := &parts[i]
			if p.Command != smpp.SubmitSM || string(p.Source.Addr) != "ACME" || p.Dest.TON != 1 ||
				p.PriorityFlag != 2 || p.RegisteredDelivery != 1 || string(p.ValidityPeriod) != "000001000000000R" ||
				p.DataCoding != byte(content.GSM) {
				t.Fatalf("part %d: %+v", i, p)
			}
			if tc.parts == 1 {
				if p.EsmClass != 0 || len(p.ShortMessage) != tc.chars {
					t.Fatalf("single part: esm_class %#x, %d octets", p.EsmClass, len(p.ShortMessage))
				}
				continue
			}
			ie, ref := udhRef(t, p)
			if ie != 0x08 || ref < 256 {
				t.Fatalf("part %d: IE %#x reference %d, want the 16-bit IE", i, ie, ref)
			}
			if i == 0 {
				ref0 = ref
			} else if ref != ref0 {
				t.Fatalf("part %d reference %d, part 1 %d", i, ref, ref0)
			}
		}
	}
}

// TestBuildRef8: Jasmin's 8-bit references cut 153 characters a part.
func TestBuildRef8(t *testing.T) {
	var b Builder
	octets := bytes.Repeat([]byte("a"), 306)
	parts, err := b.Build(octets, content.GSM, Split{Method: content.UDH, Ref: Ref8}, &Fields{})
	if err != nil {
		t.Fatal(err)
	}
	if len(parts) != 2 {
		t.Fatalf("%d parts, want 2 of 153", len(parts))
	}
	if ie, _ := udhRef(t, &parts[0]); ie != 0x00 {
		t.Fatalf("IE %#x, want 0x00", ie)
	}
}

// TestBuildSAR: SAR parts carry the TLVs and no UDH.
func TestBuildSAR(t *testing.T) {
	var b Builder
	parts, err := b.Build(bytes.Repeat([]byte("a"), 200), content.GSM, Split{Method: content.SAR, Ref: Ref16}, &Fields{})
	if err != nil {
		t.Fatal(err)
	}
	if len(parts) != 2 {
		t.Fatalf("%d parts", len(parts))
	}
	for i := range parts {
		total, _ := parts[i].TLVs.Uint(smpp.TagSarTotalSegments)
		seq, _ := parts[i].TLVs.Uint(smpp.TagSarSegmentSeqnum)
		if parts[i].EsmClass != 0 || total != 2 || int(seq) != i+1 {
			t.Fatalf("part %d: esm_class %#x, sar %d/%d", i, parts[i].EsmClass, seq, total)
		}
	}
}

// TestBuildReferencesAdvanceForLongOnly: one allocator; a message that
// fits one part draws no reference, consecutive long ones differ.
func TestBuildReferencesAdvanceForLongOnly(t *testing.T) {
	var b Builder
	long := bytes.Repeat([]byte("a"), 400)
	refOf := func() int {
		parts, err := b.Build(long, content.GSM, DefaultSplit(), &Fields{})
		if err != nil {
			t.Fatal(err)
		}
		_, r := udhRef(t, &parts[0])
		return r
	}
	r1 := refOf()
	if _, err := b.Build([]byte("short"), content.GSM, DefaultSplit(), &Fields{}); err != nil {
		t.Fatal(err)
	}
	r2 := refOf()
	if r2 != r1+1 && !(r1 == 65535 && r2 == 256) {
		t.Fatalf("references %d then %d: a short message drew one, or the counter is not shared", r1, r2)
	}
}

func TestBuildTooLong(t *testing.T) {
	var b Builder
	_, err := b.Build(bytes.Repeat([]byte("a"), 1000), content.GSM, Split{Method: content.UDH, Ref: Ref16, MaxParts: 5}, &Fields{})
	if tl, ok := err.(*content.TooLongError); !ok || tl.Parts != 7 || tl.Max != 5 {
		t.Fatalf("err %v", err)
	}
}

// TestBuildWarmAllocatesNothing: the hot path of the HTTP API.
func TestBuildWarmAllocatesNothing(t *testing.T) {
	var b Builder
	f := Fields{Dest: smpp.Address{Addr: []byte("336")}}
	text := strings.Repeat("hello ", 60)
	run := func() {
		c, octets, err := b.Encode(text, content.GSM, true)
		if err == nil {
			_, err = b.Build(octets, c, Split{Method: content.SAR, Ref: Ref16}, &f)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	run()
	if n := testing.AllocsPerRun(100, run); n != 0 {
		t.Fatalf("%v allocations per message", n)
	}
}

// TestSMs: what a submit_sm is billed as.
func TestSMs(t *testing.T) {
	payload := func(n int, coding byte) *smpp.PDU {
		p := &smpp.PDU{Header: smpp.Header{Command: smpp.SubmitSM}, DataCoding: coding}
		p.TLVs = p.TLVs.Append(smpp.TagMessagePayload, bytes.Repeat([]byte("a"), n))
		return p
	}
	udh := payload(400, 0)
	udh.EsmClass = 0x40
	for name, tc := range map[string]struct {
		p    *smpp.PDU
		want int
	}{
		"short_message":         {&smpp.PDU{ShortMessage: []byte("hi")}, 1},
		"empty":                 {&smpp.PDU{}, 1},
		"payload that fits":     {payload(160, 0), 1},
		"payload of 400 GSM":    {payload(400, 0), 3},
		"payload of 140 UCS2":   {payload(140, 8), 1},
		"payload of 142 UCS2":   {payload(142, 8), 2},
		"sender's own UDH":      {udh, 1},
		"payload of 8-bit data": {payload(300, 4), 3},
	} {
		if got := SMs(tc.p); got != tc.want {
			t.Errorf("%s: %d SMs, want %d", name, got, tc.want)
		}
	}
}

// TestFromSMPP: a data_sm becomes a submit_sm with its payload still a
// TLV; a submit_sm is kept as it is.
func TestFromSMPP(t *testing.T) {
	d := smpp.PDU{Header: smpp.Header{Command: smpp.DataSM, Seq: 9}, EsmClass: 0x03, RegisteredDelivery: 1, DataCoding: 8}
	d.ServiceType = []byte("CMT")
	d.Source.Addr, d.Dest.Addr = []byte("A"), []byte("B")
	d.TLVs = d.TLVs.Append(smpp.TagMessagePayload, []byte("xy"))
	var p smpp.PDU
	p.ShortMessage = []byte("stale")
	FromSMPP(&d, &p)
	v, _ := p.TLVs.Get(smpp.TagMessagePayload)
	if p.Command != smpp.SubmitSM || p.Seq != 9 || string(p.ServiceType) != "CMT" || string(p.Source.Addr) != "A" ||
		string(p.Dest.Addr) != "B" || p.EsmClass != 0x03 || p.RegisteredDelivery != 1 || p.DataCoding != 8 ||
		string(v) != "xy" || p.ShortMessage != nil {
		t.Fatalf("%+v", p)
	}
	s := smpp.PDU{Header: smpp.Header{Command: smpp.SubmitSM, Seq: 3}, ShortMessage: []byte("hi")}
	FromSMPP(&s, &p)
	if p.Command != smpp.SubmitSM || string(p.ShortMessage) != "hi" || p.TLVs != nil {
		t.Fatalf("%+v", p)
	}
}
