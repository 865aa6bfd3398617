package store

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

// copyDir copies the files of src (flat) into a new folder under t's
// temporary directory: a fixture is opened from a copy, never in place.
func copyDir(t *testing.T, src string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), filepath.Base(src))
	if err := os.MkdirAll(dst, 0o750); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, e.Name()), b, 0o640); err != nil {
			t.Fatal(err)
		}
	}
	return dst
}

// v1Pairs encodes details as version 1 stored them: uvarint n, then each
// name and value length-prefixed, names sorted.
func v1Pairs(kv ...string) []byte {
	b := binary.AppendUvarint(nil, uint64(len(kv)/2))
	for _, s := range kv {
		b = ixAppendStr(b, s)
	}
	return b
}

// A store written by the gwd before typed events (testdata/store-v1-events,
// made by testdata/store-v1-events.go.txt with the wal of fe8f858) opens,
// and its events read as typed events; new events join them.
func TestEventsOfAVersion1Store(t *testing.T) {
	t0 := time.Unix(1_700_000_000, 0)
	now := t0.Add(time.Minute)
	db, err := Open(copyDir(t, filepath.Join("testdata", "store-v1-events")), Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	x, err := NewIndex(db, TTLs{}, IndexOptions{Now: func() time.Time { return now }, SweepEvery: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = x.Close() })
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	want := map[string][]Event{
		"gw-jb": {
			{Type: EventRecord, At: at(0), Data: v1Pairs("channel_id", "ch-1", "event_url", "http://127.0.0.1:9/events",
				"from", "1234", "parts", "2", "to", "+27820000001")},
			{Type: EventSubmitted, At: at(1), Connector: "smsc-a", SMSCID: "0A1B"},
			{Type: EventPending, At: at(2), Connector: "smsc-a", SMSCID: "0a1b", Stat: "ENROUTE"},
			{Type: EventDelivered, At: at(3), Connector: "smsc-a", SMSCID: "0a1b", Stat: "DELIVRD"},
		},
		"gw-rej": {{Type: EventRejected, At: at(4), Connector: "smsc-b", Status: "ESME_RINVDSTADR"}},
		"gw-exp": {{Type: EventFailed, At: at(5), Connector: "smsc-b", Status: "ESME_ROK"}},
		"gw-can": {{Type: EventCancelled, At: at(6), Connector: "smsc-c"}},
		"gw-unk": {{Type: EventPending, At: at(7), Connector: "smsc-c", Status: "ESME_RSYSERR"}},
	}
	check := func(id string, want []Event) {
		t.Helper()
		state, evs, err := x.MessageState(id)
		if err != nil {
			t.Fatalf("%s: %v", id, err)
		}
		if state != want[len(want)-1].Type || len(evs) != len(want) {
			t.Fatalf("%s: state %d, events %+v", id, state, evs)
		}
		for i := range want {
			got := evs[i]
			if !got.At.Equal(want[i].At) {
				t.Errorf("%s event %d: at %v, want %v", id, i, got.At, want[i].At)
			}
			got.At = want[i].At
			if !reflect.DeepEqual(got, want[i]) {
				t.Errorf("%s event %d:\n got %+v\nwant %+v", id, i, got, want[i])
			}
		}
	}
	for id, evs := range want {
		check(id, evs)
	}
	// A version-2 event after the version-1 ones, in order.
	ev := Event{Type: EventFailed, At: now, Connector: "smsc-c", SMSCID: "77", Stat: "UNDELIV"}
	addEventSync(t, x, "gw-unk", ev)
	check("gw-unk", append(want["gw-unk"], ev))
}

// An event is written with no allocation but its key and value (one
// buffer) and the Write's closure: no map, no sorting of names.
func TestAddEventWriteAllocations(t *testing.T) {
	_, x := openIndex(t, Options{}, TTLs{}, IndexOptions{})
	ev := Event{Type: EventSubmitted, At: time.Unix(1_700_000_000, 0), Connector: "smsc-a", SMSCID: "1A2B3C"}
	n := testing.AllocsPerRun(100, func() {
		if _, err := x.AddEventWrite("gw-1", ev, nil); err != nil {
			t.Fatal(err)
		}
	})
	if n > 2 {
		t.Fatalf("AddEventWrite: %.0f allocations, want at most 2", n)
	}
}
