package script

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/gwd-project/gwd/smpp"
)

// icRun runs src as an interceptor against a PDU decoded from a frame, so
// that the PDU's slices alias the frame like on the wire.
func icRun(t *testing.T, src string, pdu *smpp.PDU) (Outcome, *smpp.PDU, []byte, error) {
	t.Helper()
	frame := pdu.AppendTo(nil)
	var p smpp.PDU
	if err := p.Decode(frame); err != nil {
		t.Fatal(err)
	}
	prog, err := Compile("script", src)
	if err != nil {
		t.Fatalf("compile: %v", err)
	}
	out, err := prog.Run(&Input{PDU: &p, UID: "u1", GID: "g1", Interceptor: true}, Limits{Timeout: time.Minute})
	return out, &p, frame, err
}

func submit() *smpp.PDU {
	return &smpp.PDU{Header: smpp.Header{Command: smpp.SubmitSM, Seq: 7},
		Source: smpp.Address{TON: 1, NPI: 1, Addr: []byte("2012")}, Dest: smpp.Address{TON: 1, NPI: 1, Addr: []byte("33600000001")},
		ShortMessage: []byte("hello"), RegisteredDelivery: 0}
}

func TestInterceptorParamWrites(t *testing.T) {
	orig := submit()
	out, p, frame, err := icRun(t, `
routable.pdu.params['source_addr'] = '123456789'
routable.pdu.params['destination_addr'] = b'+33700000002'
routable.pdu.params['source_addr_ton'] = AddrTon.ALPHANUMERIC
routable.pdu.params['dest_addr_npi'] = AddrNpi.ISDN
routable.pdu.params['short_message'] = routable.pdu.params['short_message'] + ' world'
routable.pdu.params['registered_delivery'] = RegisteredDelivery(RegisteredDeliveryReceipt.SMSC_DELIVERY_RECEIPT_REQUESTED)
routable.pdu.params['message_payload'] = 'payload'
routable.pdu.params['esm_class'] = 0
`, orig)
	if err != nil {
		t.Fatal(err)
	}
	before := bytes.Clone(frame)
	// Nothing is written before Apply.
	if string(p.Source.Addr) != "2012" {
		t.Fatalf("Run changed the PDU: %q", p.Source.Addr)
	}
	want := []string{"source_addr_ton", "source_addr", "destination_addr", "registered_delivery", "short_message", "message_payload"}
	if got := out.Edits.Changed().Names(); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("changed %v, want %v", got, want)
	}
	out.Edits.Apply()
	if !bytes.Equal(frame, before) {
		t.Error("Apply wrote into the frame")
	}
	pl, _ := p.TLVs.Get(smpp.TagMessagePayload)
	if string(p.Source.Addr) != "123456789" || p.Source.TON != 5 || string(p.Dest.Addr) != "+33700000002" ||
		p.Dest.NPI != 1 || string(p.ShortMessage) != "hello world" || p.RegisteredDelivery != 1 || string(pl) != "payload" {
		t.Errorf("PDU after Apply: %+v payload %q", p, pl)
	}
	// The PDU still encodes and decodes.
	var back smpp.PDU
	if err := back.Decode(p.AppendTo(nil)); err != nil || string(back.Dest.Addr) != "+33700000002" {
		t.Errorf("re-decode: %v %q", err, back.Dest.Addr)
	}
}

func TestInterceptorParamUnchanged(t *testing.T) {
	out, _, _, err := icRun(t, "p = routable.pdu.params\np['source_addr'] = '2012'\np['source_addr_ton'] = 1\n", submit())
	if err != nil {
		t.Fatal(err)
	}
	if out.Edits.Changed() != 0 {
		t.Errorf("same values reported changed: %v", out.Edits.Changed().Names())
	}
}

func TestInterceptorPayloadRemoved(t *testing.T) {
	pdu := submit()
	pdu.TLVs = pdu.TLVs.AppendUint16(smpp.TagSarMsgRefNum, 9).Append(smpp.TagMessagePayload, []byte("long"))
	out, p, _, err := icRun(t, "routable.pdu.params.pop('message_payload')\n", pdu)
	if err != nil {
		t.Fatal(err)
	}
	out.Edits.Apply()
	if _, ok := p.TLVs.Get(smpp.TagMessagePayload); ok {
		t.Error("message_payload still there")
	}
	if v, ok := p.TLVs.Uint(smpp.TagSarMsgRefNum); !ok || v != 9 {
		t.Errorf("other TLVs lost: %v %v", v, ok)
	}
}

func TestInterceptorParamErrors(t *testing.T) {
	tests := []struct{ src, want string }{
		{"routable.pdu.params['source_addr'] = 12\n", "source_addr must be a str or bytes, got int"},
		{"routable.pdu.params['esm_class'] = '3'\n", "esm_class must be an int, got string"},
		{"routable.pdu.params['esm_class'] = 256\n", "esm_class must be in 0..255"},
		{"routable.pdu.params['data_coding'] = -1\n", "data_coding must be in 0..255"},
		{"routable.pdu.params['destination_addr'] = '1' * 21\n", "destination_addr is 21 octets long, at most 20 fit"},
		{"routable.pdu.params['short_message'] = 'x' * 255\n", "short_message is 255 octets long, at most 254 fit"},
		{"routable.pdu.params['source_addr'] = 'a\\x00b'\n", "source_addr must not contain a NUL"},
		{"routable.pdu.params['no_such'] = 1\n", `pdu param "no_such" is not`},
		{"routable.pdu.params.pop('source_addr')\n", "source_addr was removed"},
		{"routable.lockPduParam('nope')\n", `lockPduParam: "nope"`},
		{"smpp_status = '8'\n", "smpp_status must be an int or None, got string"},
		{"http_status = 4.5\n", "http_status must be an int or None, got float"},
	}
	for _, tc := range tests {
		_, p, _, err := icRun(t, tc.src, submit())
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v, want %q", tc.src, err, tc.want)
		}
		if string(p.Source.Addr) != "2012" || string(p.Dest.Addr) != "33600000001" {
			t.Errorf("%q: PDU changed on error", tc.src)
		}
	}
}

func TestInterceptorStatusesAndLocks(t *testing.T) {
	out, _, _, err := icRun(t, `
routable.pdu.params['sm_default_msg_id'] = 10
routable.lockPduParam('sm_default_msg_id')
routable.lockPduParam('source_addr_ton')
locked = routable.pduParamIsLocked('sm_default_msg_id') and not routable.pduParamIsLocked('esm_class')
smpp_status = 11 if locked else 0
`, submit())
	if err != nil {
		t.Fatal(err)
	}
	if !out.Locked.Has(ParamSMDefaultMsgID) || !out.Locked.HasName("source_addr_ton") || out.Locked.Has(ParamEsmClass) {
		t.Errorf("locked %v", out.Locked.Names())
	}
	if out.SMPPStatus != (Assigned{V: 11, Set: true}) || out.HTTPStatus.Set {
		t.Errorf("statuses %+v %+v", out.SMPPStatus, out.HTTPStatus)
	}
	// None and no assignment are unset; reading the predeclared gives 0.
	out, _, _, err = icRun(t, "x = smpp_status + http_status\n", submit())
	if err != nil || out.SMPPStatus.Set || out.HTTPStatus.Set {
		t.Errorf("unset: %+v %+v %v", out.SMPPStatus, out.HTTPStatus, err)
	}
	out, _, _, err = icRun(t, "smpp_status = None\nhttp_status = 403\n", submit())
	if err != nil || out.SMPPStatus.Set || out.HTTPStatus != (Assigned{V: 403, Set: true}) {
		t.Errorf("None: %+v %+v %v", out.SMPPStatus, out.HTTPStatus, err)
	}
}

func TestFilterParamsReadOnly(t *testing.T) {
	p, err := Compile("pyCode", "routable.pdu.params['source_addr'] = 'x'\nresult = True\n")
	if err != nil {
		t.Fatal(err)
	}
	pdu := submit()
	if _, err := p.Run(&Input{PDU: pdu}, Limits{Timeout: time.Minute}); err == nil || !strings.Contains(err.Error(), "frozen") {
		t.Errorf("filter wrote a param: %v", err)
	}
	if string(pdu.Source.Addr) != "2012" {
		t.Error("PDU changed")
	}
	p, _ = Compile("pyCode", "routable.lockPduParam('source_addr')\n")
	if _, err := p.Run(&Input{PDU: pdu}, Limits{Timeout: time.Minute}); err == nil {
		t.Error("lockPduParam available to a filter")
	}
	p, _ = Compile("pyCode", "result = not routable.pduParamIsLocked('source_addr')\n")
	if out, err := p.Run(&Input{PDU: pdu}, Limits{Timeout: time.Minute}); err != nil || !out.Result {
		t.Errorf("pduParamIsLocked in a filter: %v %v", out.Result, err)
	}
}

func TestRegisteredDeliveryBuiltin(t *testing.T) {
	tests := []struct {
		expr string
		want string
	}{
		{"RegisteredDelivery(RegisteredDeliveryReceipt.SMSC_DELIVERY_RECEIPT_REQUESTED)", "1"},
		{"RegisteredDelivery(RegisteredDeliveryReceipt.SMSC_DELIVERY_RECEIPT_REQUESTED_FOR_FAILURE, [RegisteredDeliverySmeOriginatedAcks.SME_DELIVERY_ACK_REQUESTED], True)", "22"},
		{"RegisteredDelivery(0, intermediateNotification=True)", "16"},
	}
	for _, tc := range tests {
		out, _, _, err := icRun(t, "v = "+tc.expr+"\n", submit())
		if err != nil {
			t.Fatalf("%s: %v", tc.expr, err)
		}
		if got := out.Globals["v"].String(); got != tc.want {
			t.Errorf("%s = %s, want %s", tc.expr, got, tc.want)
		}
	}
	if _, _, _, err := icRun(t, "v = RegisteredDelivery(7)\n", submit()); err == nil {
		t.Error("receipt 7 accepted")
	}
}

func TestParamNames(t *testing.T) {
	for _, n := range ParamNames() {
		p, ok := ParseParam(n)
		if !ok || p.String() != n {
			t.Errorf("%s: %v %v", n, p, ok)
		}
	}
	if _, ok := ParseParam("Source_Addr"); ok {
		t.Error("names are case sensitive, as python dict keys")
	}
	var s ParamSet
	s = s.With(ParamShortMessage).With(ParamSourceAddr)
	if got := strings.Join(s.Names(), ","); got != "source_addr,short_message" {
		t.Errorf("names %s", got)
	}
}

// Scripts have no way out: no open, no load, no import, no network.
func TestNoIO(t *testing.T) {
	for _, src := range []string{
		"f = open('/etc/passwd')\n",
		"load('os.star', 'system')\n",
		"import os\n",
		"r = requests.post('http://example.com')\n",
		"exec('x = 1')\n",
	} {
		if _, err := Compile("script", src); err == nil {
			t.Errorf("%q compiled", src)
		}
	}
}

// Optional parameters a script sees by name when the PDU carries them,
// and may set (adding the TLV), change or delete: the 2-octet ones are
// ints up to 65535, the 1-octet ones up to 255, callback_num a string.
func TestInterceptorOptionalParams(t *testing.T) {
	pdu := submit()
	pdu.TLVs = pdu.TLVs.AppendUint16(smpp.TagSarMsgRefNum, 9).AppendUint8(smpp.TagSarTotalSegments, 2).
		AppendUint8(smpp.TagSarSegmentSeqnum, 1).AppendUint16(smpp.TagUserMessageReference, 777).
		Append(smpp.TagSCInterfaceVersion, []byte{0x34}) // not a script parameter: kept as it is
	out, p, _, err := icRun(t, `
p = routable.pdu.params
if p['sar_msg_ref_num'] != 9 or p['sar_total_segments'] != 2 or p['user_message_reference'] != 777:
    fail('read: %r' % p)
if 'destination_port' in p or 'callback_num' in p:
    fail('absent TLVs shown: %r' % p)
p['user_message_reference'] = 65535
p['destination_port'] = 2948
p['callback_num'] = '\x01\x01\x0133600000000'
p.pop('sar_segment_seqnum')
`, pdu)
	if err != nil {
		t.Fatal(err)
	}
	want := "user_message_reference,destination_port,sar_segment_seqnum,callback_num"
	if got := strings.Join(out.Edits.Changed().Names(), ","); got != want {
		t.Errorf("changed %s, want %s", got, want)
	}
	out.Edits.Apply()
	get := func(tag smpp.Tag) (uint32, bool) { return p.TLVs.Uint(tag) }
	if v, ok := get(smpp.TagUserMessageReference); !ok || v != 65535 {
		t.Errorf("user_message_reference %v %v", v, ok)
	}
	if v, ok := get(smpp.TagDestinationPort); !ok || v != 2948 {
		t.Errorf("destination_port %v %v", v, ok)
	}
	if v, ok := p.TLVs.Get(smpp.TagCallbackNum); !ok || string(v) != "\x01\x01\x0133600000000" {
		t.Errorf("callback_num %q %v", v, ok)
	}
	if _, ok := p.TLVs.Get(smpp.TagSarSegmentSeqnum); ok {
		t.Error("sar_segment_seqnum still there")
	}
	if v, ok := get(smpp.TagSarMsgRefNum); !ok || v != 9 {
		t.Errorf("sar_msg_ref_num %v %v", v, ok)
	}
	if v, ok := p.TLVs.Get(smpp.TagSCInterfaceVersion); !ok || string(v) != "\x34" {
		t.Errorf("a TLV scripts do not know was lost: %q %v", v, ok)
	}
	var back smpp.PDU
	if err := back.Decode(p.AppendTo(nil)); err != nil {
		t.Fatalf("the edited PDU does not decode: %v", err)
	}

	for _, tc := range []struct{ src, want string }{
		{"routable.pdu.params['source_port'] = 65536\n", "source_port must be in 0..65535"},
		{"routable.pdu.params['payload_type'] = 256\n", "payload_type must be in 0..255"},
		{"routable.pdu.params['callback_num'] = 'x' * 20\n", "callback_num is 20 octets long, at most 19 fit"},
		{"routable.pdu.params['sar_msg_ref_num'] = '9'\n", "sar_msg_ref_num must be an int, got string"},
	} {
		if _, _, _, err := icRun(t, tc.src, submit()); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v, want %q", tc.src, err, tc.want)
		}
	}
}
