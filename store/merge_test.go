package store

import (
	"errors"
	"testing"
	"time"
)

// The writes one event causes, merged into one: a queue ack carrying a
// DLR mapping and a message event; later a DLR delete and an event. Each
// part does what it does alone, in one commit, and a lookup held for the
// mapping is answered by the merged write.
func TestMergedWrites(t *testing.T) {
	db, x := openIndex(t, Options{}, TTLs{}, IndexOptions{Hold: 5 * time.Second})
	q, err := db.Queue("mt/c")
	if err != nil {
		t.Fatal(err)
	}
	appended := make(chan error, 1)
	q.Append([]NewMsg{{Payload: []byte("m")}}, Write{}, func(_ []uint64, err error) { appended <- err })
	if err := <-appended; err != nil {
		t.Fatal(err)
	}
	m, err := q.Take()
	if err != nil {
		t.Fatal(err)
	}
	held := lookupAsync(x, "c", "s1")

	var order []string
	put, err := x.PutDLRWrite(DLR{Connector: "c", SMSCID: "s1", GatewayID: "gw-1"}, func(err error) { order = append(order, "dlr") })
	if err != nil {
		t.Fatal(err)
	}
	ev, err := x.AddEventWrite("gw-1", Event{Type: EventSubmitted}, func(err error) { order = append(order, "event") })
	if err != nil {
		t.Fatal(err)
	}
	w := Merge(put, ev)
	commits := db.CommitStats().Commits
	acked := make(chan error, 1)
	q.Ack(m, w, func(err error) { acked <- err })
	if err := <-acked; err != nil {
		t.Fatal(err)
	}
	if len(order) != 2 || order[0] != "dlr" || order[1] != "event" {
		t.Fatalf("completions %v", order)
	}
	if n := db.CommitStats().Commits - commits; n != 1 {
		t.Fatalf("%d commits for one merged write", n)
	}
	select {
	case r := <-held:
		if r.err != nil || r.d.GatewayID != "gw-1" {
			t.Fatalf("held lookup: %+v", r)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("held lookup not answered by the merged write")
	}
	if st := q.Stats(); st.Leased != 0 || st.Ready[0] != 0 {
		t.Fatalf("queue after the ack: %+v", st)
	}
	if state, evs, err := x.MessageState("gw-1"); err != nil || state != EventSubmitted || len(evs) != 1 {
		t.Fatalf("events: %q %v %v", state, evs, err)
	}

	// The receipt: delete the mapping and record the outcome together.
	d, err := lookupWait(t, x, "c", "s1")
	if err != nil {
		t.Fatal(err)
	}
	remaining := -1
	del, err := x.DeleteDLRWrite(d, func(n int, err error) { remaining = n })
	if err != nil {
		t.Fatal(err)
	}
	ev2, err := x.AddEventWrite("gw-1", Event{Type: EventDelivered}, nil)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	w = Merge(del, ev2)
	db.Submit(Write{Apply: w.Apply, Done: func(err error) { w.Done(err); done <- err }})
	if err := <-done; err != nil || remaining != 0 {
		t.Fatalf("delete: %v, remaining %d", err, remaining)
	}
	if _, err := x.getDLR("c", "s1", x.now()); !errors.Is(err, ErrNotFound) {
		t.Fatalf("mapping still there: %v", err)
	}
	if state, evs, _ := x.MessageState("gw-1"); state != EventDelivered || len(evs) != 2 {
		t.Fatalf("after the receipt: %q %v", state, evs)
	}

	// Bad input is an error and no write.
	if _, err := x.PutDLRWrite(DLR{Connector: "c"}, nil); err == nil {
		t.Fatal("an empty SMSC id was accepted")
	}
	if _, err := x.AddEventWrite("gw-1", Event{}, nil); err == nil {
		t.Fatal("an empty event type was accepted")
	}
	if _, err := x.DeleteDLRWrite(DLR{Connector: "c", SMSCID: "nope", GatewayID: "g"}, nil); !errors.Is(err, ErrNotFound) {
		t.Fatalf("delete of an unknown mapping: %v", err)
	}
}
