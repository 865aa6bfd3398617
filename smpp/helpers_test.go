package smpp

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// unhex decodes hex pieces, ignoring spaces, so that expected frames can be
// written one field per line.
func unhex(pieces ...string) []byte {
	s := strings.ReplaceAll(strings.Join(pieces, ""), " ", "")
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(fmt.Sprintf("bad hex %q: %v", s, err))
	}
	return b
}

// diffPDU compares every field of two PDUs except Header.Length (which
// Decode fills in and callers leave zero). Byte slices compare by content,
// nil equal to empty; slices of structs element by element. It walks the
// struct by reflection so that a field added to PDU is compared too. It
// returns "" when the PDUs are equal.
func diffPDU(a, b *PDU) string {
	var out []string
	diffValue("PDU", reflect.ValueOf(*a), reflect.ValueOf(*b), &out)
	return strings.Join(out, "\n")
}

func diffValue(path string, a, b reflect.Value, out *[]string) {
	switch a.Kind() {
	case reflect.Struct:
		for i := 0; i < a.NumField(); i++ {
			name := path + "." + a.Type().Field(i).Name
			if name == "PDU.Header.Length" {
				continue
			}
			diffValue(name, a.Field(i), b.Field(i), out)
		}
	case reflect.Slice:
		if a.Type().Elem().Kind() == reflect.Uint8 {
			if !bytes.Equal(a.Bytes(), b.Bytes()) {
				*out = append(*out, fmt.Sprintf("%s: %q != %q", path, a.Bytes(), b.Bytes()))
			}
			return
		}
		if a.Len() != b.Len() {
			*out = append(*out, fmt.Sprintf("%s: len %d != %d", path, a.Len(), b.Len()))
			return
		}
		for i := 0; i < a.Len(); i++ {
			diffValue(fmt.Sprintf("%s[%d]", path, i), a.Index(i), b.Index(i), out)
		}
	case reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		if a.Uint() != b.Uint() {
			*out = append(*out, fmt.Sprintf("%s: %#x != %#x", path, a.Uint(), b.Uint()))
		}
	default:
		panic("diffPDU: unhandled kind " + a.Kind().String() + " at " + path)
	}
}

func TestDiffPDUSeesEveryField(t *testing.T) {
	// diffPDU must notice a change in any field, or the round-trip tests
	// could pass vacuously. Set each leaf field in turn and expect a diff.
	var base PDU
	typ := reflect.TypeOf(base)
	for i := 0; i < typ.NumField(); i++ {
		f := typ.Field(i)
		if f.Name == "Header" {
			continue
		}
		var p PDU
		v := reflect.ValueOf(&p).Elem().Field(i)
		switch v.Kind() {
		case reflect.Uint8:
			v.SetUint(1)
		case reflect.Slice:
			if v.Type().Elem().Kind() == reflect.Uint8 {
				v.SetBytes([]byte("x"))
			} else {
				v.Set(reflect.MakeSlice(v.Type(), 1, 1))
			}
		case reflect.Struct:
			v.Field(0).SetUint(1)
		default:
			t.Fatalf("field %s: unhandled kind %s", f.Name, v.Kind())
		}
		if diffPDU(&base, &p) == "" {
			t.Errorf("diffPDU does not see a change in %s", f.Name)
		}
	}
	for _, h := range []Header{{Command: 1}, {Status: 1}, {Seq: 1}} {
		p := PDU{Header: h}
		if diffPDU(&base, &p) == "" {
			t.Errorf("diffPDU does not see header %+v", h)
		}
	}
	if d := diffPDU(&PDU{Header: Header{Length: 99}, ShortMessage: []byte{}}, &base); d != "" {
		t.Errorf("Length and empty-vs-nil must not count: %s", d)
	}
}

// decodeOK decodes frame into a new PDU and fails the test on error.
func decodeOK(t testing.TB, frame []byte) *PDU {
	t.Helper()
	var p PDU
	if err := p.Decode(frame); err != nil {
		t.Fatalf("Decode(%x): %v", frame, err)
	}
	return &p
}

// decodeStatus decodes frame and returns the status of the error, failing
// the test when Decode succeeds.
func decodeStatus(t testing.TB, frame []byte) Status {
	t.Helper()
	var p PDU
	err := p.Decode(frame)
	if err == nil {
		t.Fatalf("Decode(%x) succeeded, want an error", frame)
	}
	se, ok := err.(*Error)
	if !ok {
		t.Fatalf("Decode error %v is %T, not *Error", err, err)
	}
	return se.Status
}

// setLength rewrites the command_length of frame to its length.
func setLength(frame []byte) []byte {
	frame[0], frame[1], frame[2], frame[3] = byte(len(frame)>>24), byte(len(frame)>>16), byte(len(frame)>>8), byte(len(frame))
	return frame
}

// tlvs builds a TLV region from tag/value pairs.
func tlvs(pairs ...any) TLVs {
	var t TLVs
	for i := 0; i < len(pairs); i += 2 {
		t = t.Append(pairs[i].(Tag), pairs[i+1].([]byte))
	}
	return t
}

// Sample PDUs shared by the round-trip, allocation, fuzz-seed and benchmark
// code.

func sampleSubmitSM() *PDU {
	return &PDU{
		Header:             Header{Command: SubmitSM, Seq: 0x01020304},
		ServiceType:        []byte("CMT"),
		Source:             Address{TON: 5, NPI: 0, Addr: []byte("GWD")},
		Dest:               Address{TON: 1, NPI: 1, Addr: []byte("447700900123")},
		EsmClass:           0x40,
		ProtocolID:         0,
		PriorityFlag:       1,
		ValidityPeriod:     []byte("000002000000000R"),
		RegisteredDelivery: 1,
		DataCoding:         0x08,
		ShortMessage:       append([]byte{0x05, 0x00, 0x03, 0x2A, 0x02, 0x01}, []byte("\x00H\x00e\x00l\x00l\x00o")...),
		TLVs:               tlvs(TagUserMessageReference, []byte{0x00, 0x07}, TagSourcePort, []byte{0x0B, 0x84}, Tag(0x1401), []byte("vendor")),
	}
}

func sampleDeliverSM() *PDU {
	return &PDU{
		Header:             Header{Command: DeliverSM, Seq: 77},
		Source:             Address{TON: 1, NPI: 1, Addr: []byte("447700900123")},
		Dest:               Address{TON: 5, NPI: 0, Addr: []byte("GWD")},
		EsmClass:           0x04,
		RegisteredDelivery: 0,
		ShortMessage:       []byte("id:0a1b2c3d sub:001 dlvrd:001 submit date:2401311200 done date:2401311201 stat:DELIVRD err:000 text:Hello"),
		TLVs: TLVs(nil).AppendCString(TagReceiptedMessageID, []byte("0a1b2c3d")).
			AppendUint8(TagMessageState, MessageStateDelivered).
			Append(TagNetworkErrorCode, []byte{0x03, 0x00, 0x00}),
	}
}

func sampleSubmitSMResp() *PDU {
	return &PDU{Header: Header{Command: SubmitSMResp, Seq: 0x01020304}, MessageID: []byte("5f3c9a7e-0001")}
}

// roundTripCases is one or more PDUs of every SMPP v3.4 command.
func roundTripCases() []struct {
	name string
	p    *PDU
} {
	long := bytes.Repeat([]byte("0123456789"), 30) // 300 octets: message_payload
	bindReq := func(id CommandID) *PDU {
		return &PDU{
			Header:           Header{Command: id, Seq: 1},
			SystemID:         []byte("gwd-esme"),
			Password:         []byte("s3cret"),
			SystemType:       []byte("VMA"),
			InterfaceVersion: 0x34,
			AddrRange:        Address{TON: 1, NPI: 1, Addr: []byte("^4477[0-9]+$")},
		}
	}
	bindResp := func(id CommandID) *PDU {
		return &PDU{Header: Header{Command: id, Seq: 1}, SystemID: []byte("gwd"),
			TLVs: TLVs(nil).AppendUint8(TagSCInterfaceVersion, 0x34)}
	}
	type tc = struct {
		name string
		p    *PDU
	}
	return []tc{
		{"bind_receiver", bindReq(BindReceiver)},
		{"bind_transmitter", bindReq(BindTransmitter)},
		{"bind_transceiver", bindReq(BindTransceiver)},
		{"bind_transceiver/empty strings", &PDU{Header: Header{Command: BindTransceiver, Seq: 2}, InterfaceVersion: 0x34}},
		{"bind_receiver_resp", bindResp(BindReceiverResp)},
		{"bind_transmitter_resp", bindResp(BindTransmitterResp)},
		{"bind_transceiver_resp", bindResp(BindTransceiverResp)},
		{"bind_transmitter_resp/error", &PDU{Header: Header{Command: BindTransmitterResp, Status: ESME_RBINDFAIL, Seq: 1}}},
		{"outbind", &PDU{Header: Header{Command: Outbind, Seq: 3}, SystemID: []byte("smsc"), Password: []byte("pw")}},
		{"query_sm", &PDU{Header: Header{Command: QuerySM, Seq: 4}, MessageID: []byte("abc123"),
			Source: Address{TON: 1, NPI: 1, Addr: []byte("447700900123")}}},
		{"query_sm_resp", &PDU{Header: Header{Command: QuerySMResp, Seq: 4}, MessageID: []byte("abc123"),
			FinalDate: []byte("240131120000000+"), MessageState: MessageStateDelivered, ErrorCode: 0}},
		{"query_sm_resp/error", &PDU{Header: Header{Command: QuerySMResp, Status: ESME_RQUERYFAIL, Seq: 4}}},
		{"submit_sm", sampleSubmitSM()},
		{"submit_sm/minimal", &PDU{Header: Header{Command: SubmitSM, Seq: 5}}},
		{"submit_sm/254 octets", &PDU{Header: Header{Command: SubmitSM, Seq: 5}, DataCoding: 4,
			Dest: Address{TON: 1, NPI: 1, Addr: []byte("12345678901234567890")}, ShortMessage: bytes.Repeat([]byte{0xA5}, 254)}},
		{"submit_sm/payload", &PDU{Header: Header{Command: SubmitSM, Seq: 6},
			Dest: Address{TON: 1, NPI: 1, Addr: []byte("447700900123")}, TLVs: tlvs(TagMessagePayload, long)}},
		{"submit_sm_resp", sampleSubmitSMResp()},
		{"submit_sm_resp/error", &PDU{Header: Header{Command: SubmitSMResp, Status: ESME_RTHROTTLED, Seq: 7}}},
		{"deliver_sm", sampleDeliverSM()},
		{"deliver_sm_resp", &PDU{Header: Header{Command: DeliverSMResp, Seq: 77}}},
		{"deliver_sm_resp/error", &PDU{Header: Header{Command: DeliverSMResp, Status: ESME_RX_T_APPN, Seq: 77}}},
		{"unbind", &PDU{Header: Header{Command: Unbind, Seq: 8}}},
		{"unbind_resp", &PDU{Header: Header{Command: UnbindResp, Seq: 8}}},
		{"replace_sm", &PDU{Header: Header{Command: ReplaceSM, Seq: 9}, MessageID: []byte("abc123"),
			Source:               Address{TON: 5, NPI: 0, Addr: []byte("GWD")},
			ScheduleDeliveryTime: []byte("240131120000000+"), ValidityPeriod: []byte("000001000000000R"),
			RegisteredDelivery: 1, SMDefaultMsgID: 3, ShortMessage: []byte("replaced")}},
		{"replace_sm_resp", &PDU{Header: Header{Command: ReplaceSMResp, Seq: 9}}},
		{"cancel_sm", &PDU{Header: Header{Command: CancelSM, Seq: 10}, ServiceType: []byte("WAP"), MessageID: []byte("abc123"),
			Source: Address{TON: 5, NPI: 0, Addr: []byte("GWD")}, Dest: Address{TON: 1, NPI: 1, Addr: []byte("447700900123")}}},
		{"cancel_sm_resp", &PDU{Header: Header{Command: CancelSMResp, Seq: 10}}},
		{"enquire_link", &PDU{Header: Header{Command: EnquireLink, Seq: 11}}},
		{"enquire_link_resp", &PDU{Header: Header{Command: EnquireLinkResp, Seq: 11}}},
		{"submit_multi", &PDU{Header: Header{Command: SubmitMulti, Seq: 12}, Source: Address{TON: 5, Addr: []byte("GWD")},
			Dests: []DestAddress{
				{Flag: 1, Addr: Address{TON: 1, NPI: 1, Addr: []byte("447700900123")}},
				{Flag: 2, DLName: []byte("friends")},
				{Flag: 1, Addr: Address{TON: 1, NPI: 1, Addr: []byte("447700900124")}},
			},
			RegisteredDelivery: 1, ShortMessage: []byte("to many"), TLVs: tlvs(TagSarMsgRefNum, []byte{0x12, 0x34})}},
		{"submit_multi_resp", &PDU{Header: Header{Command: SubmitMultiResp, Seq: 12}, MessageID: []byte("m-1"),
			Unsuccess: []UnsuccessSME{
				{Addr: Address{TON: 1, NPI: 1, Addr: []byte("447700900124")}, Status: ESME_RINVDSTADR},
				{Addr: Address{TON: 2, NPI: 9, Addr: []byte("999")}, Status: 0x00000400},
			}}},
		{"submit_multi_resp/all ok", &PDU{Header: Header{Command: SubmitMultiResp, Seq: 12}, MessageID: []byte("m-2")}},
		{"alert_notification", &PDU{Header: Header{Command: AlertNotification, Seq: 13},
			Source: Address{TON: 1, NPI: 1, Addr: []byte("447700900123")},
			Dest:   Address{TON: 5, NPI: 0, Addr: []byte("gwd-esme")},
			TLVs:   TLVs(nil).AppendUint8(TagMsAvailabilityStatus, 0)}},
		{"data_sm", &PDU{Header: Header{Command: DataSM, Seq: 14}, ServiceType: []byte("USSD"),
			Source:   Address{TON: 5, NPI: 0, Addr: []byte("a-very-long-alphanumeric-source-address-of-forty-octets")},
			Dest:     Address{TON: 1, NPI: 1, Addr: []byte("447700900123")},
			EsmClass: 0, RegisteredDelivery: 1, DataCoding: 0x08,
			TLVs: tlvs(TagMessagePayload, long, TagSarMsgRefNum, []byte{0x12, 0x34},
				TagSarTotalSegments, []byte{2}, TagSarSegmentSeqnum, []byte{1}, Tag(0x1401), []byte{})}},
		{"data_sm_resp", &PDU{Header: Header{Command: DataSMResp, Seq: 14}, MessageID: []byte("d-1"),
			TLVs: TLVs(nil).AppendUint8(TagDeliveryFailureReason, 0)}},
		{"generic_nack", &PDU{Header: Header{Command: GenericNack, Status: ESME_RINVCMDID, Seq: 15}}},
	}
}
