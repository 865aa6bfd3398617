package store

import (
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

func addEventSync(t testing.TB, x *Index, gid string, ev Event) {
	t.Helper()
	ch := make(chan error, 1)
	x.AddEvent(gid, ev, func(err error) { ch <- err })
	if err := <-ch; err != nil {
		t.Fatal(err)
	}
}

func eventTypes(evs []Event) []EventType {
	var out []EventType
	for _, e := range evs {
		out = append(out, e.Type)
	}
	return out
}

func eventStats(evs []Event) []string {
	var out []string
	for _, e := range evs {
		out = append(out, e.Stat)
	}
	return out
}

func TestMessageEventsOrdered(t *testing.T) {
	clk := newIxClock()
	_, x := openIndex(t, Options{}, TTLs{}, IndexOptions{Now: clk.Now})
	if _, _, err := x.MessageState("gw-1"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown message: %v", err)
	}
	want := []Event{
		{Type: EventSubmitted, Connector: "smsc-a", SMSCID: "1A"},
		{Type: EventPending, Connector: "smsc-a", SMSCID: "1a", Stat: "ENROUTE"},
		{Type: EventPending},
		{Type: EventDelivered, Connector: "smsc-a", SMSCID: "1a", Stat: "DELIVRD", Status: "ESME_ROK"},
		{Type: EventRecord, Data: []byte{0, 1, 2, 255}},
	}
	// Handed over back to back without waiting: order is call order, even
	// across a bucket boundary (buckets are 12 h long by default).
	var wg sync.WaitGroup
	for i, ev := range want {
		ev.At = clk.Now()
		want[i].At = ev.At
		wg.Add(1)
		x.AddEvent("gw-1", ev, func(err error) {
			if err != nil {
				t.Error(err)
			}
			wg.Done()
		})
		if i == 1 {
			clk.Add(13 * time.Hour)
		}
	}
	wg.Wait()
	addEventSync(t, x, "gw-2", Event{Type: EventRejected})

	state, evs, err := x.MessageState("gw-1")
	if err != nil {
		t.Fatal(err)
	}
	if state != EventRecord {
		t.Fatalf("state %d", state)
	}
	if len(evs) != len(want) {
		t.Fatalf("events %v", eventTypes(evs))
	}
	for i := range want {
		got := evs[i]
		if !got.At.Equal(want[i].At) {
			t.Fatalf("event %d: at %v, want %v", i, got.At, want[i].At)
		}
		got.At = want[i].At
		if !reflect.DeepEqual(got, want[i]) {
			t.Fatalf("event %d: got %+v, want %+v", i, evs[i], want[i])
		}
	}
	if state, evs, err := x.MessageState("gw-2"); err != nil || state != EventRejected || len(evs) != 1 {
		t.Fatalf("gw-2: %d %v %v", state, evs, err)
	}
}

// Concurrent AddEvent for one message: none lost, each writer's own events
// in its order.
func TestMessageEventsConcurrent(t *testing.T) {
	_, x := openIndex(t, Options{}, TTLs{}, IndexOptions{})
	const writers, each = 8, 50
	var wg sync.WaitGroup
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			var inner sync.WaitGroup
			for i := 0; i < each; i++ {
				inner.Add(1)
				x.AddEvent("gw", Event{Type: EventPending, Connector: strconv.Itoa(w), SMSCID: strconv.Itoa(i)}, func(err error) {
					if err != nil {
						t.Error(err)
					}
					inner.Done()
				})
			}
			inner.Wait()
		}(w)
	}
	wg.Wait()
	_, evs, err := x.MessageState("gw")
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != writers*each {
		t.Fatalf("%d events, want %d", len(evs), writers*each)
	}
	next := make([]int, writers)
	for _, e := range evs {
		w, _ := strconv.Atoi(e.Connector)
		i, _ := strconv.Atoi(e.SMSCID)
		if i != next[w] {
			t.Fatalf("writer %d: event %d after %d", w, i, next[w]-1)
		}
		next[w]++
	}
}

func TestMessageEventsSurviveReopen(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "store")
	open := func() (*DB, *Index) {
		db, err := Open(dir, Options{})
		if err != nil {
			t.Fatal(err)
		}
		x, err := NewIndex(db, TTLs{}, IndexOptions{SweepEvery: -1})
		if err != nil {
			t.Fatal(err)
		}
		return db, x
	}
	db, x := open()
	for i := 0; i < 3; i++ {
		addEventSync(t, x, "gw", Event{Type: EventPending, Stat: fmt.Sprintf("step-%d", i)})
	}
	_ = x.Close()
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	for round := 0; round < 2; round++ {
		db, x = open()
		addEventSync(t, x, "gw", Event{Type: EventPending + EventType(round), Stat: fmt.Sprintf("step-%d", 3+round)})
		state, evs, err := x.MessageState("gw")
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"step-0", "step-1", "step-2", "step-3", "step-4"}[:4+round]
		if state != EventPending+EventType(round) || !reflect.DeepEqual(eventStats(evs), want) {
			t.Fatalf("round %d: state %d events %v", round, state, eventStats(evs))
		}
		_ = x.Close()
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

func TestMessageEventsExpire(t *testing.T) {
	clk := newIxClock()
	ttl := 100 * time.Second
	db, x := openIndex(t, Options{}, TTLs{Outbound: ttl}, IndexOptions{Now: clk.Now})
	addEventSync(t, x, "gw", Event{Type: EventSubmitted})
	clk.Add(50 * time.Second)
	addEventSync(t, x, "gw", Event{Type: EventPending})
	clk.Add(60 * time.Second) // submitted is 110 s old, pending 60 s
	state, evs, err := x.MessageState("gw")
	if err != nil || state != EventPending || len(evs) != 1 {
		t.Fatalf("after 110 s: %d %v %v", state, eventTypes(evs), err)
	}
	clk.Add(50 * time.Second)
	if _, _, err := x.MessageState("gw"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("after 160 s: %v", err)
	}
	if n := countKeys(t, db, ksEvent); n != 2 {
		t.Fatalf("%d event keys before the sweep", n)
	}
	clk.Add(time.Hour)
	if err := x.Sweep(clk.Now()); err != nil {
		t.Fatal(err)
	}
	if n := countKeys(t, db, ksEvent); n != 0 {
		t.Fatalf("%d event keys after the sweep", n)
	}
}

func TestMessageEventsBadInput(t *testing.T) {
	db, x := openIndex(t, Options{}, TTLs{}, IndexOptions{})
	for _, c := range []struct {
		gid string
		ev  Event
	}{
		{"", Event{Type: EventSubmitted}},
		{"g\x00h", Event{Type: EventSubmitted}},
		{"g", Event{}},
		{"g", Event{Type: maxEventType + 1}},
		{"g", Event{Type: EventPending, Stat: strings.Repeat("x", 1025)}},
	} {
		ch := make(chan error, 1)
		x.AddEvent(c.gid, c.ev, func(err error) { ch <- err })
		if err := <-ch; err == nil {
			t.Fatalf("%q %+v accepted", c.gid, c.ev)
		}
	}
	if n := countKeys(t, db, ksEvent); n != 0 {
		t.Fatalf("%d event keys written by bad input", n)
	}
	if _, _, err := x.MessageState(""); err == nil || errors.Is(err, ErrNotFound) {
		t.Fatalf("MessageState(\"\"): %v", err)
	}
}
