package smpp

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// TestDecodeTruncated cuts the mandatory body of every sample PDU at every
// octet, fixing command_length to match: each cut must be ESME_RINVCMDLEN.
func TestDecodeTruncated(t *testing.T) {
	for _, tc := range roundTripCases() {
		p := *tc.p
		p.TLVs = nil
		if p.Status != ESME_ROK {
			continue // error responses may legitimately have no body
		}
		full := p.AppendTo(nil)
		for n := HeaderLen; n < len(full); n++ {
			frame := setLength(append([]byte(nil), full[:n]...))
			if st := decodeStatus(t, frame); st != ESME_RINVCMDLEN {
				t.Errorf("%s cut at %d of %d: status %v, want ESME_RINVCMDLEN", tc.name, n, len(full), st)
			}
		}
	}
}

func TestDecodeCommandLength(t *testing.T) {
	good := sampleSubmitSM().AppendTo(nil)
	tests := []struct {
		name  string
		frame []byte
	}{
		{"empty", nil},
		{"short header", good[:15]},
		{"length says more", good[:len(good)-1]}, // command_length unchanged
		{"length says less", append(append([]byte(nil), good...), 0, 0, 0, 0)}, // trailing junk
		{"length below header", unhex("0000000f 00000015 00000000 00000001")},
		{"length zero", unhex("00000000 00000015 00000000 00000001")},
		{"length huge", unhex("ffffffff 00000015 00000000 00000001")},
	}
	for _, tc := range tests {
		if st := decodeStatus(t, tc.frame); st != ESME_RINVCMDLEN {
			t.Errorf("%s: status %v, want ESME_RINVCMDLEN", tc.name, st)
		}
	}
}

func TestDecodeUnknownCommand(t *testing.T) {
	for _, id := range []CommandID{0, 0x0000000A, 0x00000014, 0x00000099, 0x80000099, 0x00000104, 0x8000000B, 0xffffffff} {
		frame := AppendEmpty(nil, id, ESME_ROK, 1)
		var p PDU
		err := p.Decode(frame)
		if st := StatusOf(err); st != ESME_RINVCMDID {
			t.Errorf("command_id %#x: status %v (%v), want ESME_RINVCMDID", uint32(id), st, err)
		}
		// The header is still there, so the caller can answer with a
		// generic_nack carrying the same sequence_number.
		if p.Seq != 1 || p.Command != id {
			t.Errorf("command_id %#x: header not kept: %+v", uint32(id), p.Header)
		}
	}
}

// TestDecodeFieldTooLong makes each C-octet string one octet longer than its
// field allows and expects that field's status; at the limit it must decode.
func TestDecodeFieldTooLong(t *testing.T) {
	str := func(n int) []byte { return bytes.Repeat([]byte("7"), n) }
	submit := func(f func(p *PDU)) *PDU {
		p := &PDU{Header: Header{Command: SubmitSM, Seq: 1}, ShortMessage: []byte("body")}
		f(p)
		return p
	}
	bind := func(f func(p *PDU)) *PDU {
		p := &PDU{Header: Header{Command: BindTransceiver, Seq: 1}, InterfaceVersion: 0x34}
		f(p)
		return p
	}
	tests := []struct {
		name  string
		limit int // longest value that decodes
		want  Status
		build func(n int) *PDU
	}{
		{"submit_sm source_addr", 20, ESME_RINVSRCADR, func(n int) *PDU { return submit(func(p *PDU) { p.Source.Addr = str(n) }) }},
		{"submit_sm destination_addr", 20, ESME_RINVDSTADR, func(n int) *PDU { return submit(func(p *PDU) { p.Dest.Addr = str(n) }) }},
		{"submit_sm service_type", 5, ESME_RINVSERTYP, func(n int) *PDU { return submit(func(p *PDU) { p.ServiceType = str(n) }) }},
		{"submit_sm schedule_delivery_time", 16, ESME_RINVSCHED, func(n int) *PDU { return submit(func(p *PDU) { p.ScheduleDeliveryTime = str(n) }) }},
		{"submit_sm validity_period", 16, ESME_RINVEXPIRY, func(n int) *PDU { return submit(func(p *PDU) { p.ValidityPeriod = str(n) }) }},
		{"deliver_sm source_addr", 20, ESME_RINVSRCADR, func(n int) *PDU {
			return &PDU{Header: Header{Command: DeliverSM}, Source: Address{Addr: str(n)}, ShortMessage: []byte("x")}
		}},
		{"bind system_id", 64, ESME_RINVSYSID, func(n int) *PDU { return bind(func(p *PDU) { p.SystemID = str(n) }) }},
		{"bind password", 64, ESME_RINVPASWD, func(n int) *PDU { return bind(func(p *PDU) { p.Password = str(n) }) }},
		{"bind system_type", 64, ESME_RINVSYSTYP, func(n int) *PDU { return bind(func(p *PDU) { p.SystemType = str(n) }) }},
		{"bind address_range", 40, ESME_RINVPARLEN, func(n int) *PDU {
			return bind(func(p *PDU) { p.AddrRange.Addr = str(n); p.TLVs = tlvs(TagSCInterfaceVersion, []byte{0x34}) })
		}},
		{"bind_resp system_id", 64, ESME_RINVSYSID, func(n int) *PDU {
			return &PDU{Header: Header{Command: BindTransmitterResp}, SystemID: str(n), TLVs: tlvs(TagSCInterfaceVersion, []byte{0x34})}
		}},
		{"outbind password", 64, ESME_RINVPASWD, func(n int) *PDU {
			return &PDU{Header: Header{Command: Outbind}, SystemID: []byte("s"), Password: str(n), TLVs: tlvs(Tag(0x1401), str(70))}
		}},
		{"query_sm message_id", 64, ESME_RINVMSGID, func(n int) *PDU {
			return &PDU{Header: Header{Command: QuerySM}, MessageID: str(n)}
		}},
		{"submit_sm_resp message_id", 64, ESME_RINVMSGID, func(n int) *PDU {
			return &PDU{Header: Header{Command: SubmitSMResp}, MessageID: str(n), TLVs: tlvs(Tag(0x1401), str(4))}
		}},
		{"cancel_sm message_id", 64, ESME_RINVMSGID, func(n int) *PDU {
			return &PDU{Header: Header{Command: CancelSM}, MessageID: str(n)}
		}},
		{"replace_sm schedule_delivery_time", 16, ESME_RINVSCHED, func(n int) *PDU {
			return &PDU{Header: Header{Command: ReplaceSM}, MessageID: []byte("m"), ScheduleDeliveryTime: str(n)}
		}},
		{"replace_sm validity_period", 16, ESME_RINVEXPIRY, func(n int) *PDU {
			return &PDU{Header: Header{Command: ReplaceSM}, MessageID: []byte("m"), ValidityPeriod: str(n)}
		}},
		{"submit_multi destination_addr", 20, ESME_RINVDSTADR, func(n int) *PDU {
			return &PDU{Header: Header{Command: SubmitMulti}, Dests: []DestAddress{{Flag: 1, Addr: Address{Addr: str(n)}}}}
		}},
		{"submit_multi dl_name", 20, ESME_RINVDLNAME, func(n int) *PDU {
			return &PDU{Header: Header{Command: SubmitMulti}, Dests: []DestAddress{{Flag: 2, DLName: str(n)}}}
		}},
		{"data_sm source_addr", 64, ESME_RINVSRCADR, func(n int) *PDU {
			return &PDU{Header: Header{Command: DataSM}, Source: Address{Addr: str(n)}, TLVs: tlvs(TagMessagePayload, str(70))}
		}},
		{"data_sm destination_addr", 64, ESME_RINVDSTADR, func(n int) *PDU {
			return &PDU{Header: Header{Command: DataSM}, Dest: Address{Addr: str(n)}, TLVs: tlvs(TagMessagePayload, str(70))}
		}},
		{"alert_notification esme_addr", 64, ESME_RINVDSTADR, func(n int) *PDU {
			return &PDU{Header: Header{Command: AlertNotification}, Dest: Address{Addr: str(n)}, TLVs: tlvs(TagMsAvailabilityStatus, str(70))}
		}},
	}
	for _, tc := range tests {
		ok := tc.build(tc.limit)
		got := decodeOK(t, ok.AppendTo(nil))
		if d := diffPDU(ok, got); d != "" {
			t.Errorf("%s at the limit (%d): %s", tc.name, tc.limit, d)
		}
		if st := decodeStatus(t, tc.build(tc.limit+1).AppendTo(nil)); st != tc.want {
			t.Errorf("%s one over the limit: status %v, want %v", tc.name, st, tc.want)
		}
		if st := decodeStatus(t, tc.build(tc.limit+30).AppendTo(nil)); st != tc.want {
			t.Errorf("%s far over the limit: status %v, want %v", tc.name, st, tc.want)
		}
	}
}

func TestDecodeShortMessageLength(t *testing.T) {
	// submit_sm with an empty header part, then sm_length and the message.
	frame := func(smLength byte, msg []byte) []byte {
		f := unhex("00000000 00000004 00000000 00000001", "00 000000 000000 000000 00 00 00000000")
		f = append(f, smLength)
		return setLength(append(f, msg...))
	}
	if p := decodeOK(t, frame(254, bytes.Repeat([]byte("a"), 254))); len(p.ShortMessage) != 254 {
		t.Fatalf("254 octets decoded to %d", len(p.ShortMessage))
	}
	tests := []struct {
		name  string
		frame []byte
		want  Status
	}{
		{"sm_length 255", frame(255, bytes.Repeat([]byte("a"), 255)), ESME_RINVMSGLEN},
		{"sm_length 255 without the octets", frame(255, nil), ESME_RINVMSGLEN},
		{"sm_length past the body", frame(10, []byte("hello")), ESME_RINVCMDLEN},
		{"sm_length one past the body", frame(6, []byte("hello")), ESME_RINVCMDLEN},
		// sm_length shorter than the message: the rest is read as TLVs.
		{"sm_length short, rest not TLVs", frame(2, []byte("hello")), ESME_RINVOPTPARSTREAM},
		{"replace_sm sm_length 255", setLength(append(unhex("00000000 00000007 00000000 00000001", "6d00 000000 00 00 00 00 ff"),
			bytes.Repeat([]byte("a"), 255)...)), ESME_RINVMSGLEN},
	}
	for _, tc := range tests {
		if st := decodeStatus(t, tc.frame); st != tc.want {
			t.Errorf("%s: status %v, want %v", tc.name, st, tc.want)
		}
	}
}

func TestDecodeSubmitMultiDests(t *testing.T) {
	head := unhex("00000000 00000021 00000000 00000001", "00 000000")
	tail := unhex("000000 00 00 00000000 00")
	build := func(dests ...string) []byte {
		f := append([]byte(nil), head...)
		f = append(f, unhex(dests...)...)
		return setLength(append(f, tail...))
	}
	tests := []struct {
		name  string
		frame []byte
		want  Status
	}{
		{"no destinations", build("00"), ESME_RINVNUMDESTS},
		{"255 destinations", build("ff"), ESME_RINVNUMDESTS},
		{"dest_flag 0", build("01", "00 010131 00"), ESME_RINVDESTFLAG},
		{"dest_flag 3", build("01", "03 010131 00"), ESME_RINVDESTFLAG},
		{"fewer dests than number_of_dests", build("02", "01 01013100"), ESME_RINVDESTFLAG},
	}
	for _, tc := range tests {
		if st := decodeStatus(t, tc.frame); st != tc.want {
			t.Errorf("%s: status %v, want %v", tc.name, st, tc.want)
		}
	}
	p := decodeOK(t, build("02", "01 01013100", "02 646c00"))
	if len(p.Dests) != 2 || p.Dests[0].Flag != 1 || string(p.Dests[0].Addr.Addr) != "1" || p.Dests[1].Flag != 2 || string(p.Dests[1].DLName) != "dl" {
		t.Fatalf("dests %+v", p.Dests)
	}
}

func TestDecodeMalformedTLVs(t *testing.T) {
	base := (&PDU{Header: Header{Command: SubmitSMResp, Seq: 1}, MessageID: []byte("m")}).AppendTo(nil)
	with := func(region string) []byte { return setLength(append(append([]byte(nil), base...), unhex(region)...)) }
	tests := []struct {
		name   string
		region string
		want   Status
	}{
		{"one stray octet", "00", ESME_RINVOPTPARSTREAM},
		{"three octets", "0424 00", ESME_RINVOPTPARSTREAM},
		{"good TLV then a partial header", "020c 0002 1234 0204", ESME_RINVOPTPARSTREAM},
		{"length past the PDU", "0424 0005 68656c6c", ESME_RINVPARLEN},
		{"length past the PDU after a good TLV", "020c 0002 1234 001e 0010 6100", ESME_RINVPARLEN},
		{"length 0xffff", "0424 ffff 00", ESME_RINVPARLEN},
	}
	for _, tc := range tests {
		if st := decodeStatus(t, with(tc.region)); st != tc.want {
			t.Errorf("%s: status %v, want %v", tc.name, st, tc.want)
		}
	}
	// The same on a body-less PDU: anything after the header is TLVs.
	if st := decodeStatus(t, unhex("00000013 00000015 00000000 00000001 000000")); st != ESME_RINVOPTPARSTREAM {
		t.Errorf("enquire_link with 3 stray octets: %v", st)
	}
	p := decodeOK(t, unhex("00000015 00000015 00000000 00000001 1401 0001 ff"))
	if v, ok := p.TLVs.Get(0x1401); !ok || !bytes.Equal(v, []byte{0xff}) {
		t.Errorf("enquire_link TLV: %x %v", v, ok)
	}
}

func TestDecodeResponseBodyRequiredOnSuccess(t *testing.T) {
	for _, id := range []CommandID{BindReceiverResp, BindTransmitterResp, BindTransceiverResp, SubmitSMResp,
		DeliverSMResp, DataSMResp, QuerySMResp, SubmitMultiResp} {
		if st := decodeStatus(t, AppendEmpty(nil, id, ESME_ROK, 1)); st != ESME_RINVCMDLEN {
			t.Errorf("%v without body: status %v, want ESME_RINVCMDLEN", id, st)
		}
		p := decodeOK(t, AppendEmpty(nil, id, ESME_RSYSERR, 1))
		if p.Status != ESME_RSYSERR {
			t.Errorf("%v: status %v", id, p.Status)
		}
	}
}

// TestDecodeReusesPDU decodes different PDUs into one PDU value: nothing of
// the previous PDU may leak into the next.
func TestDecodeReusesPDU(t *testing.T) {
	var p PDU
	cases := roundTripCases()
	for i := range cases {
		for _, j := range []int{i, (i + 7) % len(cases)} {
			want := cases[j].p
			if err := p.Decode(want.AppendTo(nil)); err != nil {
				t.Fatal(err)
			}
			if d := diffPDU(want, &p); d != "" {
				t.Fatalf("%s after %s:\n%s", cases[j].name, cases[i].name, d)
			}
		}
	}
}

func TestDecodeAliasesFrame(t *testing.T) {
	frame := sampleSubmitSM().AppendTo(nil)
	p := decodeOK(t, frame)
	copy(frame[HeaderLen:], bytes.Repeat([]byte{'#'}, len(frame)-HeaderLen))
	if !bytes.HasPrefix(p.ShortMessage, []byte("###")) || !bytes.HasPrefix(p.TLVs, []byte("###")) {
		t.Fatalf("Decode copied instead of aliasing: %q %q", p.ShortMessage, p.TLVs)
	}
	// Fields are capped at their end: appending to one cannot overwrite
	// the frame.
	frame = sampleSubmitSM().AppendTo(nil)
	p = decodeOK(t, frame)
	orig := append([]byte(nil), frame...)
	for _, f := range [][]byte{p.ServiceType, p.Source.Addr, p.Dest.Addr, p.ValidityPeriod, p.ShortMessage, p.TLVs} {
		_ = append(f, "overwrite"...)
	}
	_ = append(p.ScheduleDeliveryTime, "overwrite"...)
	if !bytes.Equal(frame, orig) {
		t.Fatalf("appending to a decoded field overwrote the frame")
	}
}

func TestOwn(t *testing.T) {
	for _, tc := range roundTripCases() {
		t.Run(tc.name, func(t *testing.T) {
			frame := tc.p.AppendTo(nil)
			p := decodeOK(t, frame)
			p.Own()
			for i := range frame {
				frame[i] = 0xEE
			}
			if d := diffPDU(tc.p, p); d != "" {
				t.Fatalf("after Own and clobbering the frame:\n%s", d)
			}
			if out := p.AppendTo(nil); !bytes.Equal(out, tc.p.AppendTo(nil)) {
				t.Fatalf("owned PDU encodes differently")
			}
		})
	}
}

func TestOwnBuiltPDU(t *testing.T) {
	// Own also detaches a PDU built from caller buffers.
	msg := []byte("hello")
	p := &PDU{Header: Header{Command: SubmitSM, Status: 0, Seq: 3}, ShortMessage: msg}
	p.Own()
	copy(msg, "XXXXX")
	if string(p.ShortMessage) != "hello" || p.Seq != 3 {
		t.Fatalf("Own: %q seq %d", p.ShortMessage, p.Seq)
	}
}

func TestErrorType(t *testing.T) {
	var p PDU
	err := p.Decode(unhex("00000010 00000099 00000000 00000001"))
	var se *Error
	if !errors.As(err, &se) || se.Status != ESME_RINVCMDID {
		t.Fatalf("error %v is not an *Error with ESME_RINVCMDID", err)
	}
	if msg := err.Error(); !strings.HasPrefix(msg, "ESME_RINVCMDID: ") || !strings.Contains(msg, "0x99") {
		t.Errorf("Error() = %q", msg)
	}
}

func TestStatusOf(t *testing.T) {
	base := &Error{Status: ESME_RINVSRCADR, Msg: "x"}
	tests := []struct {
		name string
		err  error
		want Status
	}{
		{"nil", nil, ESME_ROK},
		{"plain error", errors.New("boom"), ESME_RSYSERR},
		{"*Error", base, ESME_RINVSRCADR},
		{"wrapped", fmt.Errorf("decoding: %w", base), ESME_RINVSRCADR},
		{"wrapped twice", fmt.Errorf("conn 7: %w", fmt.Errorf("decoding: %w", base)), ESME_RINVSRCADR},
		{"joined", errors.Join(errors.New("other"), base), ESME_RINVSRCADR},
		{"wrapped join", fmt.Errorf("x: %w", errors.Join(errors.New("a"), fmt.Errorf("b: %w", base))), ESME_RINVSRCADR},
		{"two %w", fmt.Errorf("%w and %w", errors.New("a"), base), ESME_RINVSRCADR},
		{"%v does not wrap", fmt.Errorf("decoding: %v", base), ESME_RSYSERR},
		{"ROK carried", &Error{Status: ESME_ROK}, ESME_ROK},
	}
	for _, tc := range tests {
		if got := StatusOf(tc.err); got != tc.want {
			t.Errorf("%s: StatusOf = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestParseStatus(t *testing.T) {
	tests := []struct {
		in   string
		want Status
		ok   bool
	}{
		{"ESME_ROK", ESME_ROK, true},
		{"ESME_RTHROTTLED", ESME_RTHROTTLED, true},
		{"ESME_RINVOPTPARSTREAM", ESME_RINVOPTPARSTREAM, true},
		{"88", ESME_RTHROTTLED, true},
		{"0x58", ESME_RTHROTTLED, true},
		{"0X58", ESME_RTHROTTLED, true},
		{"0x00000400", 0x400, true},
		{"4294967295", 0xffffffff, true},
		{"0xffffffff", 0xffffffff, true},
		{"4294967296", 0, false},
		{"0x100000000", 0, false},
		{"esme_rok", 0, false}, // names are case-sensitive
		{"ESME_RNOSUCH", 0, false},
		{"", 0, false},
		{"0x", 0, false},
		{"-1", 0, false},
		{"+1", 0, false},
		{"0xzz", 0, false},
		{" 1", 0, false},
	}
	for _, tc := range tests {
		got, ok := ParseStatus(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("ParseStatus(%q) = %v, %v; want %v, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
	// Every name String gives parses back to its status.
	for st, name := range statusNames {
		if st.String() != name {
			t.Errorf("%#x.String() = %q, want %q", uint32(st), st.String(), name)
		}
		if got, ok := ParseStatus(name); !ok || got != st {
			t.Errorf("ParseStatus(%q) = %v, %v", name, got, ok)
		}
		if got, ok := ParseStatus(fmt.Sprintf("%#x", uint32(st))); !ok || got != st {
			t.Errorf("ParseStatus(%#x) = %v, %v", uint32(st), got, ok)
		}
	}
}

func TestStatusString(t *testing.T) {
	tests := map[Status]string{
		ESME_ROK:        "ESME_ROK",
		ESME_RINVCMDLEN: "ESME_RINVCMDLEN",
		ESME_RINVSYSTYP: "ESME_RINVSYSTYP",
		ESME_RINVPARLEN: "ESME_RINVPARLEN",
		0x400:           "0x400",
		0x10:            "0x10", // reserved in v3.4
		0xffffffff:      "0xffffffff",
	}
	for st, want := range tests {
		if got := st.String(); got != want {
			t.Errorf("Status(%#x).String() = %q, want %q", uint32(st), got, want)
		}
	}
	// Spot-check values against SMPP v3.4 table 5-2.
	spec := map[Status]uint32{ESME_RINVSRCADR: 0x0a, ESME_RINVDSTADR: 0x0b, ESME_RINVMSGID: 0x0c, ESME_RINVPASWD: 0x0e,
		ESME_RINVSYSID: 0x0f, ESME_RINVSERTYP: 0x15, ESME_RTHROTTLED: 0x58, ESME_RINVSCHED: 0x61, ESME_RINVEXPIRY: 0x62,
		ESME_RINVOPTPARSTREAM: 0xc0, ESME_RINVPARLEN: 0xc2, ESME_RUNKNOWNERR: 0xff}
	for st, v := range spec {
		if uint32(st) != v {
			t.Errorf("%v = %#x, want %#x", st, uint32(st), v)
		}
	}
}

func TestCommandID(t *testing.T) {
	tests := []struct {
		id   CommandID
		name string
		resp bool
	}{
		{GenericNack, "generic_nack", true},
		{BindReceiver, "bind_receiver", false},
		{BindTransceiverResp, "bind_transceiver_resp", true},
		{SubmitSM, "submit_sm", false},
		{SubmitSMResp, "submit_sm_resp", true},
		{Outbind, "outbind", false},
		{EnquireLink, "enquire_link", false},
		{SubmitMultiResp, "submit_multi_resp", true},
		{AlertNotification, "alert_notification", false},
		{DataSM, "data_sm", false},
		{DataSMResp, "data_sm_resp", true},
		{0x00000099, "command_id(0x99)", false},
		{0x80000099, "command_id(0x80000099)", true},
	}
	for _, tc := range tests {
		if got := tc.id.String(); got != tc.name {
			t.Errorf("%#x.String() = %q, want %q", uint32(tc.id), got, tc.name)
		}
		if got := tc.id.IsResponse(); got != tc.resp {
			t.Errorf("%v.IsResponse() = %v", tc.id, got)
		}
		if got := tc.id.Known(); got != !strings.HasPrefix(tc.name, "command_id(") {
			t.Errorf("%v.Known() = %v", tc.id, got)
		}
	}
	for id := range commandNames {
		if id.IsResponse() || id == Outbind || id == AlertNotification {
			continue
		}
		if r := id.Resp(); !r.Known() || !r.IsResponse() || r.String() != id.String()+"_resp" {
			t.Errorf("%v.Resp() = %v", id, r)
		}
	}
	// Spot-check values against SMPP v3.4 table 5-1.
	spec := map[CommandID]uint32{BindTransceiver: 9, Outbind: 0x0b, EnquireLink: 0x15, SubmitMulti: 0x21,
		AlertNotification: 0x102, DataSM: 0x103, GenericNack: 0x80000000}
	for id, v := range spec {
		if uint32(id) != v {
			t.Errorf("%v = %#x, want %#x", id, uint32(id), v)
		}
	}
}
