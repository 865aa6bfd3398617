package load

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/valyala/fasthttp"

	"github.com/gwd-project/gwd/smpp"
)

func FuzzParseSendResponse(f *testing.F) {
	f.Add([]byte(`Success "07033084-5cfd-4812-90a4-e4d24ffb6e3d"`))
	f.Add([]byte(`Error "No route found"`))
	f.Fuzz(func(t *testing.T, body []byte) {
		id, err := ParseSendResponse(body)
		if err != nil {
			return
		}
		if len(id) == 0 || bytes.IndexByte(id, '"') >= 0 || !bytes.Contains(body, id) {
			t.Fatalf("ParseSendResponse(%q) = %q", body, id)
		}
		again, err := ParseSendResponse([]byte(`Success "` + string(id) + `"`))
		if err != nil || !bytes.Equal(again, id) {
			t.Fatalf("id %q does not survive a round trip: %q, %v", id, again, err)
		}
	})
}

func FuzzParseRESTResponse(f *testing.F) {
	f.Add([]byte(`{"data": "Success \"c723d42a-c3ee-452c-940b-3d8e8b944868"}`))
	f.Add([]byte(`{"message": "Error \"No route found"}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		id, data, err := ParseRESTResponse(body, nil)
		if err == ErrNoData {
			return
		}
		// What the reader found as "data" is what encoding/json finds, when
		// the body is valid JSON with one plain "data" key.
		if json.Valid(body) && bytes.Count(body, []byte("data")) == 1 && !bytes.Contains(body, []byte(`\u`)) {
			var v map[string]json.RawMessage
			var s string
			if json.Unmarshal(body, &v) == nil && json.Unmarshal(v["data"], &s) == nil && s != string(data) {
				t.Fatalf("data %q, encoding/json says %q", data, s)
			}
		}
		enc, _ := json.Marshal(map[string]string{"data": string(data)})
		id2, data2, err2 := ParseRESTResponse(enc, nil)
		if !bytes.Equal(data2, data) || !bytes.Equal(id2, id) || (err == nil) != (err2 == nil) {
			t.Fatalf("re-encoded %s parses to %q/%q/%v, first %q/%q/%v", enc, id2, data2, err2, id, data, err)
		}
	})
}

func FuzzParseSimStats(f *testing.F) {
	f.Add([]byte(`{"uptime":"3s","bound_now":1,"total":{"submits":5,"submit_ok":5,"receipts_sent":5},"binds_open":[]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		c, err := ParseSimStats(body)
		if err != nil {
			return
		}
		enc, _ := json.Marshal(map[string]SimCounters{"total": c})
		c2, err := ParseSimStats(enc)
		if err != nil || c2 != c {
			t.Fatalf("round trip %+v → %+v, %v", c, c2, err)
		}
	})
}

func FuzzReceiptOf(f *testing.F) {
	p := smpp.PDU{Header: smpp.Header{Command: smpp.DeliverSM, Seq: 1}}
	p.EsmClass = 0x04
	p.ShortMessage = []byte("id:0a1b sub:001 dlvrd:001 submit date:2611220310 done date:2611220310 stat:DELIVRD err:000 text:hi")
	p.TLVs = smpp.TLVs(nil).AppendCString(smpp.TagReceiptedMessageID, []byte("0a1b")).AppendUint8(smpp.TagMessageState, 2)
	f.Add(p.AppendTo(nil))
	f.Fuzz(func(t *testing.T, frame []byte) {
		var p smpp.PDU
		if len(frame) < smpp.HeaderLen || p.Decode(frame) != nil {
			return
		}
		id, st, ok := ReceiptOf(&p)
		if !ok {
			return
		}
		if len(id) == 0 || st < 1 || st > 8 {
			t.Fatalf("ReceiptOf = %q, state %d", id, st)
		}
		if tlv, has := p.TLVs.CString(smpp.TagReceiptedMessageID); has && len(tlv) > 0 && !bytes.Equal(tlv, id) {
			t.Fatalf("id %q, receipted_message_id %q", id, tlv)
		}
		if v, has := p.TLVs.Uint(smpp.TagMessageState); has && v >= 1 && v <= 8 && byte(v) != st {
			t.Fatalf("state %d, message_state TLV %d", st, v)
		}
	})
}

func FuzzParseCallback(f *testing.F) {
	f.Add("id=17540177-95ec&level=1&message_status=ESME_ROK&connector=smsc1")
	f.Add("id=17540177-95ec&level=2&message_status=DELIVRD&connector=smsc1&id_smsc=6B02&sub=001&dlvrd=001&err=000&text=hello")
	f.Fuzz(func(t *testing.T, form string) {
		var args fasthttp.Args
		args.Parse(form)
		cb := ParseCallback(&args)
		want := bytes.HasPrefix(cb.Status, []byte("ESME_")) || (len(cb.Status) == 0 && string(args.Peek("level")) == "1")
		if cb.Level1 != want || !bytes.Equal(cb.ID, args.Peek("id")) {
			t.Fatalf("ParseCallback(%q) = %+v", form, cb)
		}
	})
}

func FuzzParseSourceAddrs(f *testing.F) {
	f.Add("127.0.0.2-127.0.0.254")
	f.Add("127.0.0.1,::1-::2")
	f.Fuzz(func(t *testing.T, s string) {
		addrs, err := ParseSourceAddrs(s)
		if err != nil {
			if addrs != nil {
				t.Fatalf("ParseSourceAddrs(%q) = %v with error %v", s, addrs, err)
			}
			return
		}
		if len(addrs) > MaxSourceAddrs || (s != "" && len(addrs) == 0) {
			t.Fatalf("ParseSourceAddrs(%q): %d addresses", s, len(addrs))
		}
		for _, a := range addrs {
			if !a.IsValid() || a.Zone() != "" {
				t.Fatalf("ParseSourceAddrs(%q): %v", s, a)
			}
		}
	})
}
