package smpp

import (
	"bytes"
	"encoding/binary"
	"testing"
)

// TestRoundTrip encodes one PDU of every command, decodes it, compares the
// fields with what was encoded and re-encodes: the bytes must not change.
func TestRoundTrip(t *testing.T) {
	for _, tc := range roundTripCases() {
		t.Run(tc.name, func(t *testing.T) {
			wire := tc.p.AppendTo(nil)
			if got := binary.BigEndian.Uint32(wire); int(got) != len(wire) {
				t.Fatalf("command_length %d, frame is %d octets", got, len(wire))
			}
			h := ReadHeader(wire)
			if h.Command != tc.p.Command || h.Status != tc.p.Status || h.Seq != tc.p.Seq {
				t.Fatalf("header %+v, want %v/%v/%d", h, tc.p.Command, tc.p.Status, tc.p.Seq)
			}
			if err := tc.p.Validate(); err != nil {
				t.Fatalf("Validate: %v", err)
			}
			if n := tc.p.EncodedLen(); n != len(wire) {
				t.Errorf("EncodedLen %d, AppendTo wrote %d", n, len(wire))
			}

			got := decodeOK(t, wire)
			if got.Length != uint32(len(wire)) {
				t.Errorf("decoded Length %d, want %d", got.Length, len(wire))
			}
			if d := diffPDU(tc.p, got); d != "" {
				t.Fatalf("decoded fields differ:\n%s", d)
			}
			if again := got.AppendTo(nil); !bytes.Equal(again, wire) {
				t.Fatalf("re-encoding differs:\n got %x\nwant %x", again, wire)
			}

			// AppendTo appends: what is already in dst stays, the
			// command_length covers only the new PDU.
			prefix := []byte("prefix")
			out := tc.p.AppendTo(append([]byte(nil), prefix...))
			if !bytes.Equal(out[:len(prefix)], prefix) || !bytes.Equal(out[len(prefix):], wire) {
				t.Fatalf("AppendTo after a prefix:\n got %x\nwant %x%x", out, prefix, wire)
			}
		})
	}
}

// TestRoundTripCoversEveryCommand makes sure no command id is left out of
// roundTripCases.
func TestRoundTripCoversEveryCommand(t *testing.T) {
	seen := map[CommandID]bool{}
	for _, tc := range roundTripCases() {
		seen[tc.p.Command] = true
	}
	for id := range commandNames {
		if !seen[id] {
			t.Errorf("no round-trip case for %v", id)
		}
	}
	if len(commandNames) != 27 {
		t.Errorf("SMPP v3.4 has 27 command ids, commandNames has %d", len(commandNames))
	}
}

// TestRoundTripDecodeFirst starts from the wire: a frame from a peer, with
// TLVs in an order and of tags we do not know, must be relayed unchanged.
func TestRoundTripDecodeFirst(t *testing.T) {
	frame := setLength(unhex(
		"00000000 00000005 00000000 00000009", // deliver_sm, seq 9
		"00",                                  // service_type ""
		"01 01 34343737303039303031323300",    // source 447700900123
		"05 00 47574400",                      // dest GWD
		"00 00 00", "00", "00",                // esm_class protocol_id priority_flag, no times
		"00 00 00 00",        // registered_delivery replace_if_present data_coding sm_default_msg_id
		"02 4869",            // "Hi"
		"1401 0003 aabbcc",   // unknown vendor tag first
		"0427 0001 02",       // message_state DELIVERED
		"1401 0000",          // the unknown tag again, zero length
		"fffe 0001 00",       // another unknown tag
		"001e 0004 61626300", // receipted_message_id "abc"
	))
	p := decodeOK(t, frame)
	if v, ok := p.TLVs.Get(0x1401); !ok || !bytes.Equal(v, []byte{0xaa, 0xbb, 0xcc}) {
		t.Errorf("Get(0x1401) = %x, %v", v, ok)
	}
	if s, ok := p.TLVs.Uint(TagMessageState); !ok || s != 2 {
		t.Errorf("message_state = %d, %v", s, ok)
	}
	if id, ok := p.TLVs.CString(TagReceiptedMessageID); !ok || string(id) != "abc" {
		t.Errorf("receipted_message_id = %q, %v", id, ok)
	}
	if out := p.AppendTo(nil); !bytes.Equal(out, frame) {
		t.Fatalf("relay changed the frame:\n got %x\nwant %x", out, frame)
	}
}

func TestSubmitSMWire(t *testing.T) {
	p := &PDU{
		Header:             Header{Command: SubmitSM, Seq: 1},
		Source:             Address{TON: 5, NPI: 0, Addr: []byte("GWD")},
		Dest:               Address{TON: 1, NPI: 1, Addr: []byte("447700900123")},
		PriorityFlag:       1,
		RegisteredDelivery: 1,
		DataCoding:         3,
		ShortMessage:       []byte("Hello"),
		TLVs:               TLVs(nil).AppendUint16(TagUserMessageReference, 7),
	}
	want := unhex(
		"0000003b",                         // command_length 59
		"00000004",                         // command_id submit_sm
		"00000000",                         // command_status
		"00000001",                         // sequence_number
		"00",                               // service_type ""
		"05 00 47574400",                   // source_addr_ton 5, npi 0, "GWD"
		"01 01 34343737303039303031323300", // dest ton 1, npi 1, "447700900123"
		"00",                               // esm_class
		"00",                               // protocol_id
		"01",                               // priority_flag 1
		"00",                               // schedule_delivery_time ""
		"00",                               // validity_period ""
		"01",                               // registered_delivery
		"00",                               // replace_if_present_flag
		"03",                               // data_coding 3 (Latin-1)
		"00",                               // sm_default_msg_id
		"05 48656c6c6f",                    // sm_length 5, "Hello"
		"0204 0002 0007",                   // user_message_reference 7
	)
	checkWire(t, p, want)
}

func TestSubmitSMRespWire(t *testing.T) {
	checkWire(t, &PDU{Header: Header{Command: SubmitSMResp, Seq: 1}, MessageID: []byte("abc123")}, unhex(
		"00000017",       // command_length 23
		"80000004",       // submit_sm_resp
		"00000000",       // ESME_ROK
		"00000001",       // sequence_number
		"61626331323300", // message_id "abc123"
	))
	// SMPP v3.4 section 4.4.2: no body when command_status is not zero.
	checkWire(t, &PDU{Header: Header{Command: SubmitSMResp, Status: ESME_RTHROTTLED, Seq: 2}}, unhex(
		"00000010 80000004 00000058 00000002",
	))
}

func TestDeliverSMWire(t *testing.T) {
	p := &PDU{
		Header:       Header{Command: DeliverSM, Seq: 0x0102},
		ServiceType:  []byte("CMT"),
		Source:       Address{TON: 1, NPI: 1, Addr: []byte("4477")},
		Dest:         Address{TON: 0, NPI: 0, Addr: []byte("GWD")},
		EsmClass:     0x04,
		ShortMessage: []byte("id:7 stat:DELIVRD"),
		TLVs: TLVs(nil).AppendCString(TagReceiptedMessageID, []byte("7")).
			AppendUint8(TagMessageState, MessageStateDelivered),
	}
	want := unhex(
		"00000047",                               // command_length 71
		"00000005",                               // deliver_sm
		"00000000",                               // command_status
		"00000102",                               // sequence_number
		"434d5400",                               // service_type "CMT"
		"01 01 3434373700",                       // source 1/1 "4477"
		"00 00 47574400",                         // dest 0/0 "GWD"
		"04",                                     // esm_class: SMSC delivery receipt
		"00 00",                                  // protocol_id, priority_flag
		"00 00",                                  // schedule_delivery_time, validity_period
		"00 00 00 00",                            // registered_delivery, replace_if_present, data_coding, sm_default_msg_id
		"11 69643a37207374 61743a44454c49565244", // sm_length 17, "id:7 stat:DELIVRD"
		"001e 0002 3700",                         // receipted_message_id "7"
		"0427 0001 02",                           // message_state DELIVERED
	)
	checkWire(t, p, want)
}

func TestEnquireLinkWire(t *testing.T) {
	checkWire(t, &PDU{Header: Header{Command: EnquireLink, Seq: 7}}, unhex("00000010 00000015 00000000 00000007"))
	checkWire(t, &PDU{Header: Header{Command: EnquireLinkResp, Seq: 7}}, unhex("00000010 80000015 00000000 00000007"))
	if got := AppendEmpty(nil, EnquireLink, ESME_ROK, 7); !bytes.Equal(got, unhex("00000010 00000015 00000000 00000007")) {
		t.Errorf("AppendEmpty = %x", got)
	}
	if got := AppendEmpty(nil, GenericNack, ESME_RINVCMDLEN, 0xfffffffe); !bytes.Equal(got, unhex("00000010 80000000 00000002 fffffffe")) {
		t.Errorf("AppendEmpty generic_nack = %x", got)
	}
}

// TestOtherWire pins a few more encodings where a field order mistake would
// still round-trip.
func TestOtherWire(t *testing.T) {
	checkWire(t, &PDU{Header: Header{Command: BindTransceiver, Seq: 1}, SystemID: []byte("u"), Password: []byte("p"),
		SystemType: []byte("t"), InterfaceVersion: 0x34, AddrRange: Address{TON: 1, NPI: 2, Addr: []byte("r")}}, unhex(
		"0000001b 00000009 00000000 00000001",
		"7500 7000 7400", // system_id, password, system_type
		"34",             // interface_version
		"01 02 7200",     // addr_ton, addr_npi, address_range
	))
	checkWire(t, &PDU{Header: Header{Command: QuerySMResp, Seq: 2}, MessageID: []byte("m"),
		FinalDate: []byte("2401311200"), MessageState: MessageStateUndeliverable, ErrorCode: 0x0b}, unhex(
		"0000001f 80000003 00000000 00000002",
		"6d00",                   // message_id
		"3234303133313132303000", // final_date
		"05",                     // message_state UNDELIVERABLE
		"0b",                     // error_code
	))
	checkWire(t, &PDU{Header: Header{Command: ReplaceSM, Seq: 3}, MessageID: []byte("m"), Source: Address{TON: 1, NPI: 1, Addr: []byte("1")},
		RegisteredDelivery: 1, SMDefaultMsgID: 2, ShortMessage: []byte("x")}, unhex(
		"0000001c 00000007 00000000 00000003",
		"6d00",       // message_id
		"01 01 3100", // source
		"00 00",      // schedule_delivery_time, validity_period
		"01 02",      // registered_delivery, sm_default_msg_id
		"01 78",      // sm_length, "x"
	))
	checkWire(t, &PDU{Header: Header{Command: SubmitMulti, Seq: 4}, Dests: []DestAddress{
		{Flag: 1, Addr: Address{TON: 1, NPI: 1, Addr: []byte("1")}}, {Flag: 2, DLName: []byte("dl")}},
		ShortMessage: []byte("x")}, unhex(
		"00000029 00000021 00000000 00000004",
		"00",                         // service_type
		"00 00 00",                   // source
		"02",                         // number_of_dests
		"01 01 01 3100",              // SME address
		"02 646c00",                  // distribution list "dl"
		"00 00 00 00 00 00 00 00 00", // esm_class .. sm_default_msg_id
		"01 78",                      // sm_length, "x"
	))
	checkWire(t, &PDU{Header: Header{Command: SubmitMultiResp, Seq: 5}, MessageID: []byte("m"), Unsuccess: []UnsuccessSME{
		{Addr: Address{TON: 1, NPI: 1, Addr: []byte("1")}, Status: ESME_RINVDSTADR}}}, unhex(
		"0000001b 80000021 00000000 00000005",
		"6d00",       // message_id
		"01",         // no_unsuccess
		"01 01 3100", // destination
		"0000000b",   // error_status_code
	))
	checkWire(t, &PDU{Header: Header{Command: DataSM, Seq: 6}, Source: Address{Addr: []byte("a")}, Dest: Address{Addr: []byte("b")},
		EsmClass: 1, RegisteredDelivery: 2, DataCoding: 3, TLVs: tlvs(TagMessagePayload, []byte("hi"))}, unhex(
		"00000022 00000103 00000000 00000006",
		"00",             // service_type
		"00 00 6100",     // source
		"00 00 6200",     // dest
		"01 02 03",       // esm_class, registered_delivery, data_coding
		"0424 0002 6869", // message_payload "hi"
	))
	checkWire(t, &PDU{Header: Header{Command: AlertNotification, Seq: 7}, Source: Address{TON: 1, NPI: 1, Addr: []byte("1")},
		Dest: Address{TON: 2, NPI: 2, Addr: []byte("2")}}, unhex(
		"00000018 00000102 00000000 00000007",
		"01 01 3100 02 02 3200",
	))
}

// TestErrorResponseBodies checks which error responses keep a body.
func TestErrorResponseBodies(t *testing.T) {
	tests := []struct {
		name string
		p    *PDU
		want []byte
	}{
		{"bind_transceiver_resp", &PDU{Header: Header{Command: BindTransceiverResp, Status: ESME_RINVPASWD, Seq: 1}},
			unhex("00000010 80000009 0000000e 00000001")},
		{"submit_multi_resp", &PDU{Header: Header{Command: SubmitMultiResp, Status: ESME_RSUBMITFAIL, Seq: 2}},
			unhex("00000010 80000021 00000045 00000002")},
		{"query_sm_resp", &PDU{Header: Header{Command: QuerySMResp, Status: ESME_RQUERYFAIL, Seq: 3}},
			unhex("00000010 80000003 00000067 00000003")},
		// deliver_sm_resp and data_sm_resp always carry their (empty)
		// message_id.
		{"deliver_sm_resp", &PDU{Header: Header{Command: DeliverSMResp, Status: ESME_RX_T_APPN, Seq: 4}},
			unhex("00000011 80000005 00000064 00000004 00")},
		{"data_sm_resp", &PDU{Header: Header{Command: DataSMResp, Status: ESME_RX_P_APPN, Seq: 5}},
			unhex("00000011 80000103 00000065 00000005 00")},
		// A body field that is set keeps the body, so nothing is lost.
		{"submit_sm_resp with message_id", &PDU{Header: Header{Command: SubmitSMResp, Status: ESME_RSUBMITFAIL, Seq: 6}, MessageID: []byte("x")},
			unhex("00000012 80000004 00000045 00000006 7800")},
		{"submit_sm_resp with TLV", &PDU{Header: Header{Command: SubmitSMResp, Status: ESME_RSUBMITFAIL, Seq: 7},
			TLVs: TLVs(nil).AppendCString(TagAdditionalStatusInfoText, []byte("no"))},
			unhex("00000018 80000004 00000045 00000007 00 001d 0003 6e6f00")},
		// These two lost their body before respBodyEmpty looked at every
		// field.
		{"query_sm_resp with message_state", &PDU{Header: Header{Command: QuerySMResp, Status: ESME_RQUERYFAIL, Seq: 8},
			MessageState: MessageStateUnknown}, unhex("00000014 80000003 00000067 00000008 00 00 07 00")},
		{"submit_multi_resp with unsuccess", &PDU{Header: Header{Command: SubmitMultiResp, Status: ESME_RSUBMITFAIL, Seq: 9},
			Unsuccess: []UnsuccessSME{{Addr: Address{TON: 1, NPI: 1, Addr: []byte("1")}, Status: ESME_RINVDSTADR}}},
			unhex("0000001a 80000021 00000045 00000009 00 01 01 01 3100 0000000b")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { checkWire(t, tc.p, tc.want) })
	}
}

// TestDecodeErrorResponseWithBody accepts the body that some peers (and
// gosmpp) send with an error response.
func TestDecodeErrorResponseWithBody(t *testing.T) {
	p := decodeOK(t, unhex("00000011 80000004 00000045 00000006 00"))
	if p.Status != ESME_RSUBMITFAIL || len(p.MessageID) != 0 {
		t.Fatalf("got %v %q", p.Status, p.MessageID)
	}
	p = decodeOK(t, unhex("00000014 80000009 0000000d 00000001 67776400"))
	if p.Status != ESME_RBINDFAIL || string(p.SystemID) != "gwd" {
		t.Fatalf("got %v %q", p.Status, p.SystemID)
	}
}

// checkWire asserts that p encodes to want and that want decodes to p.
func checkWire(t *testing.T, p *PDU, want []byte) {
	t.Helper()
	if got := p.AppendTo(nil); !bytes.Equal(got, want) {
		t.Errorf("%v: AppendTo\n got %x\nwant %x", p.Command, got, want)
	}
	got := decodeOK(t, want)
	if d := diffPDU(p, got); d != "" {
		t.Errorf("%v: decoded fields differ:\n%s", p.Command, d)
	}
}

func TestReadHeader(t *testing.T) {
	h := ReadHeader(unhex("0000002a 80000103 000000c2 7fffffff"))
	want := Header{Length: 42, Command: DataSMResp, Status: ESME_RINVPARLEN, Seq: 0x7fffffff}
	if h != want {
		t.Fatalf("ReadHeader = %+v, want %+v", h, want)
	}
	if got := AppendHeader(nil, 42, DataSMResp, ESME_RINVPARLEN, 0x7fffffff); !bytes.Equal(got, unhex("0000002a 80000103 000000c2 7fffffff")) {
		t.Fatalf("AppendHeader = %x", got)
	}
}

func TestReset(t *testing.T) {
	p := sampleSubmitSM()
	p.Dests = make([]DestAddress, 3, 8)
	p.Unsuccess = make([]UnsuccessSME, 2, 4)
	p.Reset()
	if d := diffPDU(p, &PDU{}); d != "" || p.Length != 0 {
		t.Fatalf("Reset left fields:\n%s", d)
	}
	if cap(p.Dests) != 8 || cap(p.Unsuccess) != 4 {
		t.Fatalf("Reset dropped capacity: %d %d", cap(p.Dests), cap(p.Unsuccess))
	}
}

func TestValidate(t *testing.T) {
	long := func(n int) []byte { return bytes.Repeat([]byte("a"), n) }
	tests := []struct {
		name string
		p    PDU
		want Status
	}{
		{"ok", PDU{Header: Header{Command: SubmitSM}, Source: Address{Addr: long(20)}, ShortMessage: long(254)}, ESME_ROK},
		{"short_message", PDU{Header: Header{Command: SubmitSM}, ShortMessage: long(255)}, ESME_RINVMSGLEN},
		{"source", PDU{Header: Header{Command: SubmitSM}, Source: Address{Addr: long(21)}}, ESME_RINVSRCADR},
		{"dest", PDU{Header: Header{Command: SubmitSM}, Dest: Address{Addr: long(21)}}, ESME_RINVDSTADR},
		{"data_sm long source ok", PDU{Header: Header{Command: DataSM}, Source: Address{Addr: long(64)}}, ESME_ROK},
		{"data_sm source", PDU{Header: Header{Command: DataSM}, Source: Address{Addr: long(65)}}, ESME_RINVSRCADR},
		{"alert_notification esme_addr", PDU{Header: Header{Command: AlertNotification}, Dest: Address{Addr: long(65)}}, ESME_RINVDSTADR},
		{"service_type", PDU{Header: Header{Command: SubmitSM}, ServiceType: long(6)}, ESME_RINVSERTYP},
		{"message_id", PDU{Header: Header{Command: SubmitSMResp}, MessageID: long(65)}, ESME_RINVMSGID},
		{"schedule", PDU{Header: Header{Command: SubmitSM}, ScheduleDeliveryTime: long(17)}, ESME_RINVSCHED},
		{"validity", PDU{Header: Header{Command: SubmitSM}, ValidityPeriod: long(17)}, ESME_RINVEXPIRY},
		{"system_id", PDU{Header: Header{Command: BindTransmitter}, SystemID: long(65)}, ESME_RINVSYSID},
		{"password", PDU{Header: Header{Command: BindTransmitter}, Password: long(65)}, ESME_RINVPASWD},
		{"dests", PDU{Header: Header{Command: SubmitMulti}, Dests: make([]DestAddress, 255)}, ESME_RINVNUMDESTS},
		{"tlvs", PDU{Header: Header{Command: SubmitSM}, TLVs: TLVs{0, 1, 0}}, ESME_RINVOPTPARSTREAM},
		{"system_type", PDU{Header: Header{Command: BindReceiver}, SystemType: long(65)}, ESME_RINVSYSTYP},
		{"address_range", PDU{Header: Header{Command: BindReceiver}, AddrRange: Address{Addr: long(41)}}, ESME_RINVPARLEN},
		{"address_range ok", PDU{Header: Header{Command: BindReceiver}, AddrRange: Address{Addr: long(40)}}, ESME_ROK},
		{"final_date", PDU{Header: Header{Command: QuerySMResp}, FinalDate: long(17)}, ESME_RINVPARLEN},
		{"NUL in source_addr", PDU{Header: Header{Command: SubmitSM}, Source: Address{Addr: []byte("44\x0077")}}, ESME_RINVSRCADR},
		{"NUL in system_id", PDU{Header: Header{Command: BindTransmitter}, SystemID: []byte("\x00")}, ESME_RINVSYSID},
		{"NUL in message_id", PDU{Header: Header{Command: SubmitSMResp}, MessageID: []byte("a\x00")}, ESME_RINVMSGID},
		{"NUL in short_message is fine", PDU{Header: Header{Command: SubmitSM}, ShortMessage: []byte("\x00\x00")}, ESME_ROK},
		{"submit_multi without dests", PDU{Header: Header{Command: SubmitMulti}}, ESME_RINVNUMDESTS},
		{"dest_flag 0", PDU{Header: Header{Command: SubmitMulti}, Dests: []DestAddress{{Addr: Address{Addr: []byte("1")}}}}, ESME_RINVDESTFLAG},
		{"dest address", PDU{Header: Header{Command: SubmitMulti}, Dests: []DestAddress{{Flag: 1, Addr: Address{Addr: long(21)}}}}, ESME_RINVDSTADR},
		{"dl_name", PDU{Header: Header{Command: SubmitMulti}, Dests: []DestAddress{{Flag: 2, DLName: long(21)}}}, ESME_RINVDLNAME},
		{"dests ok", PDU{Header: Header{Command: SubmitMulti}, Dests: []DestAddress{{Flag: 1, Addr: Address{Addr: long(20)}}, {Flag: 2, DLName: long(20)}}}, ESME_ROK},
		{"unsuccess count", PDU{Header: Header{Command: SubmitMultiResp}, Unsuccess: make([]UnsuccessSME, 256)}, ESME_RINVNUMDESTS},
		{"unsuccess address", PDU{Header: Header{Command: SubmitMultiResp}, Unsuccess: []UnsuccessSME{{Addr: Address{Addr: long(21)}}}}, ESME_RINVDSTADR},
	}
	for _, tc := range tests {
		if got := StatusOf(tc.p.Validate()); got != tc.want {
			t.Errorf("%s: Validate status %v, want %v", tc.name, got, tc.want)
		}
	}
}
