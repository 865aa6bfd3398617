package junebug

import (
	"reflect"
	"testing"
)

// A message's record is written as an older gwd wrote it (the store's
// version-1 details: count, then sorted names and values, each with a
// length), so that records from before typed events read the same.
func TestRecordEncoding(t *testing.T) {
	// What gwd stored for a message before typed events (store v1 details of
	// its "junebug" event).
	old := "\x05" +
		"\x0achannel_id" + "\x04ch-1" +
		"\x09event_url" + "\x19http://127.0.0.1:9/events" +
		"\x04from" + "\x041234" +
		"\x05parts" + "\x012" +
		"\x02to" + "\x0c+27820000001"
	want := record{channelID: "ch-1", to: "+27820000001", from: "1234", eventURL: "http://127.0.0.1:9/events", parts: 2}
	got, ok := parseRecord([]byte(old))
	if !ok || !reflect.DeepEqual(got, want) {
		t.Fatalf("old record: %+v %v, want %+v", got, ok, want)
	}
	if b := want.appendTo(nil); string(b) != old {
		t.Fatalf("record encodes as %q, want %q", b, old)
	}
	// No from, reply_to or event_url: left out; to always written.
	bare := record{channelID: "c", parts: 1}
	if b := bare.appendTo(nil); string(b) != "\x03\x0achannel_id\x01c\x05parts\x011\x02to\x00" {
		t.Fatalf("bare record encodes as %q", b)
	}
	for _, bad := range []string{"", "\x01", "\x01\x0achannel_id", "\x01\x02to\x01x", "\x02\x02to\x01x"} {
		if r, ok := parseRecord([]byte(bad)); ok {
			t.Errorf("%q parsed as a record: %+v", bad, r)
		}
	}
}
