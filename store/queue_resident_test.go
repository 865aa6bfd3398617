package store

import (
	"fmt"
	"testing"
)

// TestQueueMaxResidentBoundsMemory: a queue limited to 16 resident
// messages holds no more than 16 in memory however many wait (also while
// reading them back from disk, and after a reopen), and still hands every
// message out once, in order.
func TestQueueMaxResidentBoundsMemory(t *testing.T) {
	dir := t.TempDir()
	db, q := openQueueIn(t, dir, "throw/dlr/r0")
	q.SetMaxResident(16)
	const n = 1000
	for i := range n {
		appendSync(t, q, msg(0, fmt.Sprint(i)))
	}
	if r, total := q.Resident(), q.Stats().Total(); r > 16 || total != n {
		t.Fatalf("resident %d (limit 16), total %d (want %d)", r, total, n)
	}
	for i := range n / 2 {
		m := take(t, q)
		if m == nil || string(m.Payload) != fmt.Sprint(i) {
			t.Fatalf("take %d: %v", i, m)
		}
		ackSync(t, q, m)
		if r := q.Resident(); r > 16 {
			t.Fatalf("after %d takes: resident %d (limit 16)", i+1, r)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	// Reopened with the default limit, then limited: what recovery loaded
	// beyond the limit is let go and read again in order.
	db, q = openQueueIn(t, dir, "throw/dlr/r0")
	defer db.Close()
	if r := q.Resident(); r != n/2 {
		t.Fatalf("recovery loaded %d, want %d", r, n/2)
	}
	q.SetMaxResident(16)
	if r := q.Resident(); r != 16 {
		t.Fatalf("after SetMaxResident(16): resident %d", r)
	}
	for i := n / 2; i < n; i++ {
		m := take(t, q)
		if m == nil || string(m.Payload) != fmt.Sprint(i) {
			t.Fatalf("take %d after reopen: %v", i, m)
		}
		ackSync(t, q, m)
		if r := q.Resident(); r > 16 {
			t.Fatalf("resident %d (limit 16)", r)
		}
	}
	if m := take(t, q); m != nil {
		t.Fatalf("left over: %q", m.Payload)
	}
}

// openQueueIn opens the store in dir (no fsync) and its queue name; the
// caller closes the store.
func openQueueIn(t *testing.T, dir, name string) (*DB, *Queue) {
	t.Helper()
	db, err := Open(dir, Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	q, err := db.Queue(name)
	if err != nil {
		db.Close()
		t.Fatal(err)
	}
	return db, q
}
