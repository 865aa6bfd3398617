package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"testing"
	"time"
)

// TestDeadLettersPutWithAckListMoveDelete: a dead letter is stored in the
// same write as the ack of its queue record, listed in pages oldest first
// with what it carried, counted across a reopen, moved back to a queue in
// one write and deleted by id.
func TestDeadLettersPutWithAckListMoveDelete(t *testing.T) {
	dir := t.TempDir()
	db, q := openQueueIn(t, dir, "throw/dlr")
	dl, err := db.DeadLetters("dlr")
	if err != nil {
		t.Fatal(err)
	}
	first := time.Unix(1700000000, 0)
	for i := range 5 {
		appendSync(t, q, msg(0, fmt.Sprint("cb", i)))
	}
	var ids []uint64
	for i := range 5 {
		m := take(t, q)
		id, w := dl.Put(DeadLetter{Attempts: uint32(i + 1), First: first, Last: first.Add(time.Hour),
			LastError: "answer 503", Record: m.Payload})
		ids = append(ids, id)
		errc := make(chan error, 1)
		q.Ack(m, w, func(err error) { errc <- err })
		if err := <-errc; err != nil {
			t.Fatal(err)
		}
	}
	if n, total := dl.Len(), q.Stats().Total(); n != 5 || total != 0 {
		t.Fatalf("dead letters %d, queued %d", n, total)
	}
	page, err := dl.List(0, 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(page) != 3 || page[0].ID != ids[0] || string(page[0].Record) != "cb0" || page[0].Attempts != 1 ||
		!page[0].First.Equal(first) || !page[0].Last.Equal(first.Add(time.Hour)) || page[0].LastError != "answer 503" {
		t.Fatalf("first page: %+v", page)
	}
	rest, err := dl.List(page[2].ID, 10)
	if err != nil || len(rest) != 2 || string(rest[1].Record) != "cb4" {
		t.Fatalf("second page: %+v, %v", rest, err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	db, q = openQueueIn(t, dir, "throw/dlr")
	defer db.Close()
	if dl, err = db.DeadLetters("dlr"); err != nil || dl.Len() != 5 {
		t.Fatalf("reopened: %v, %d dead letters", err, dl.Len())
	}
	if id, _ := dl.Put(DeadLetter{}); id <= ids[4] {
		t.Fatalf("id %d after a reopen is not above %d", id, ids[4])
	}
	if err := dl.Delete(ids[1]); err != nil {
		t.Fatal(err)
	}
	if err := dl.Delete(ids[1]); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second delete: %v", err)
	}
	n, err := dl.MoveTo(q, []uint64{ids[3], 42}, func(d DeadLetter) []byte { return append([]byte("again:"), d.Record...) })
	if err != nil || n != 1 {
		t.Fatalf("move one: %d, %v", n, err)
	}
	if n, err = dl.MoveTo(q, nil, func(d DeadLetter) []byte { return d.Record }); err != nil || n != 3 {
		t.Fatalf("move all: %d, %v", n, err)
	}
	if got := fmt.Sprint(drain(t, q)); got != "[again:cb3 cb0 cb2 cb4]" || dl.Len() != 0 {
		t.Fatalf("queue after replay: %s, %d dead letters left", got, dl.Len())
	}
	if left, _ := dl.List(0, 10); len(left) != 0 {
		t.Fatalf("left: %+v", left)
	}
}

// A dead letter's stored value meets whatever a damaged disk holds: the
// decoder answers an error or a dead letter that encodes back to the same
// value, never a panic.
func FuzzDeadLetterDecode(f *testing.F) {
	f.Add(encodeDeadLetter(DeadLetter{Attempts: 4, First: time.Unix(1_700_000_000, 0), Last: time.Unix(1_700_000_100, 0),
		LastError: "answer 503, not 200", Record: []byte("record")}))
	f.Add(encodeDeadLetter(DeadLetter{}))
	f.Add([]byte{1})
	f.Add([]byte{2, 0, 0, 0, 0})
	d := &DeadLetters{kind: "dlr", prefix: []byte("x-dlr")}
	key := d.key(7)
	f.Fuzz(func(t *testing.T, v []byte) {
		dl, err := d.decode(key, v)
		if err != nil {
			return
		}
		if dl.ID != 7 {
			t.Fatalf("id %d from key %x", dl.ID, key)
		}
		if got := encodeDeadLetter(dl); string(got) != string(v) && !nonMinimalUvarint(v) {
			t.Fatalf("value %x decodes to %+v, which encodes as %x", v, dl, got)
		}
	})
}

// nonMinimalUvarint says whether the error length of value v is written in
// more octets than needed (0x80 0x00 for 0): the decoder accepts it, the
// encoder never writes it.
func nonMinimalUvarint(v []byte) bool {
	n, w := binary.Uvarint(v[21:])
	return w != len(binary.AppendUvarint(nil, n))
}
