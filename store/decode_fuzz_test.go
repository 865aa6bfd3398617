package store

import (
	"bytes"
	"reflect"
	"testing"
	"time"

	"github.com/gwd-project/gwd/router/ledger"
)

// The decoders of what the store keeps (a queue record, a DLR mapping, a
// message event, a user's counters) meet whatever a damaged disk holds:
// they must answer an error, never panic, and accept what the encoders
// wrote.
func FuzzStoredValues(f *testing.F) {
	f.Add(encodeRecord(12345, []byte("payload")))
	f.Add(encodeCounters(ledger.Counters{Balance: 5 * ledger.MoneyUnit, HasBalance: true, SMS: 3, HasSMS: true}))
	dv := []byte{dlrVersion}
	dv = appendU64(dv, 1)
	dv = appendU64(dv, 2)
	dv = append(dv, 0, 1, 0, 2)
	dv = ixAppendStr(dv, "gw-1")
	dv = ixAppendBytes(dv, []byte("dest"))
	f.Add(dv)
	f.Add(appendEventValue(nil, &Event{Type: EventDelivered, At: time.Unix(1_700_000_000, 0),
		Connector: "smsc", SMSCID: "1A", Stat: "DELIVRD", Data: []byte{1}}, 1))
	ev := []byte{eventV1} // as gwd wrote events before they were typed
	ev = appendU64(ev, 1)
	ev = appendU64(ev, uint64(time.Unix(1_700_000_000, 0).UnixNano()))
	ev = ixAppendStr(ev, "submitted")
	ev = append(ev, 1)
	ev = ixAppendStr(ev, "connector")
	ev = ixAppendStr(ev, "smsc")
	f.Add(ev)
	f.Add([]byte{})
	f.Add([]byte{1})
	f.Fuzz(func(t *testing.T, v []byte) {
		key := make([]byte, 14)
		if m, err := decodeRecord(key, v, 0); err == nil {
			if !bytes.Equal(encodeRecord(m.Expires, m.Payload), v) {
				t.Fatalf("record %x does not re-encode", v)
			}
		}
		if c, err := decodeCounters(v); err == nil {
			if c2, err := decodeCounters(encodeCounters(c)); err != nil || c2 != c {
				t.Fatalf("counters %+v: round trip %+v %v", c, c2, err)
			}
		}
		var d DLR
		if err := decodeDLR(v, &d); err == nil && len(v) < 1+8+8+2+2+2 {
			t.Fatalf("DLR decoded from %d octets: %+v", len(v), d)
		}
		if ev, err := decodeEvent(v); err == nil {
			if ev.Type == EventNone || ev.Type > maxEventType {
				t.Fatalf("event of type %d decoded from %x", ev.Type, v)
			}
			if ev2, err := decodeEvent(appendEventValue(nil, &ev, 1)); err != nil || !reflect.DeepEqual(ev2, ev) {
				t.Fatalf("event %+v: round trip %+v %v", ev, ev2, err)
			}
		}
	})
}
