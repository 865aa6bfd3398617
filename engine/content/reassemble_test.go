package content

import (
	"errors"
	"fmt"
	"testing"
	"time"
)

var testNow = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

type addResult struct {
	complete string
	tokens   string
	dup      any
}

func add(t *testing.T, r *Reassembler, key string, ref uint16, total, seq uint8, payload string, token any, now time.Time) addResult {
	t.Helper()
	full, tokens, dup, err := r.Add(key, Concat{Ref: ref, Total: total, Seq: seq}, []byte(payload), token, now)
	if err != nil {
		t.Fatalf("Add(%s, ref %d, %d/%d): %v", key, ref, seq, total, err)
	}
	res := addResult{dup: dup}
	if full != nil {
		res.complete = string(full)
		res.tokens = fmt.Sprint(tokens)
	}
	return res
}

func TestReassemblerOrders(t *testing.T) {
	for _, tc := range []struct {
		name  string
		order []uint8
	}{
		{"in order", []uint8{1, 2, 3}},
		{"reverse", []uint8{3, 2, 1}},
		{"middle first", []uint8{2, 3, 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := NewReassembler(time.Minute, 10)
			payloads := map[uint8]string{1: "Hello ", 2: "long ", 3: "world"}
			for i, seq := range tc.order {
				res := add(t, r, "c1/100/200", 42, 3, seq, payloads[seq], fmt.Sprintf("t%d", seq), testNow)
				last := i == len(tc.order)-1
				if (res.complete != "") != last {
					t.Fatalf("after part %d: complete %q", seq, res.complete)
				}
				if last && (res.complete != "Hello long world" || res.tokens != "[t1 t2 t3]") {
					t.Errorf("complete %q tokens %s", res.complete, res.tokens)
				}
			}
			if r.Len() != 0 {
				t.Errorf("Len after completion = %d", r.Len())
			}
		})
	}
}

func TestReassemblerDuplicate(t *testing.T) {
	r := NewReassembler(time.Minute, 10)
	if res := add(t, r, "k", 1, 2, 1, "first", "a", testNow); res.dup != nil || res.complete != "" {
		t.Fatalf("%+v", res)
	}
	if res := add(t, r, "k", 1, 2, 1, "again", "b", testNow); res.dup != "a" || res.complete != "" {
		t.Fatalf("duplicate: %+v, want dup a", res)
	}
	res := add(t, r, "k", 1, 2, 2, "+end", "c", testNow)
	if res.complete != "again+end" || res.tokens != "[b c]" || res.dup != nil {
		t.Errorf("after duplicate: %+v", res)
	}
	// A duplicate of a part whose group completed starts a new group.
	if res := add(t, r, "k", 1, 2, 2, "late", "d", testNow); res.complete != "" || r.Len() != 1 {
		t.Errorf("late duplicate: %+v, Len %d", res, r.Len())
	}
}

func TestReassemblerInterleaved(t *testing.T) {
	r := NewReassembler(time.Minute, 10)
	add(t, r, "A", 7, 2, 1, "A7-1 ", "a1", testNow)
	add(t, r, "B", 7, 2, 2, "B7-2", "b2", testNow) // same ref, other key
	add(t, r, "A", 8, 2, 2, "A8-2", "a8", testNow) // same key, other ref
	if r.Len() != 3 {
		t.Fatalf("Len = %d, want 3", r.Len())
	}
	if res := add(t, r, "B", 7, 2, 1, "B7-1 ", "b1", testNow); res.complete != "B7-1 B7-2" || res.tokens != "[b1 b2]" {
		t.Errorf("B: %+v", res)
	}
	if res := add(t, r, "A", 7, 2, 2, "A7-2", "a2", testNow); res.complete != "A7-1 A7-2" || res.tokens != "[a1 a2]" {
		t.Errorf("A7: %+v", res)
	}
	if r.Len() != 1 {
		t.Errorf("Len = %d, want 1 (A8)", r.Len())
	}
}

func TestReassemblerSinglePartAndCopy(t *testing.T) {
	r := NewReassembler(time.Minute, 1)
	full, tokens, dup, err := r.Add("k", Concat{Ref: 1, Total: 1, Seq: 1}, []byte("solo"), "t", testNow)
	if err != nil || string(full) != "solo" || fmt.Sprint(tokens) != "[t]" || dup != nil || r.Len() != 0 {
		t.Fatalf("single part: %q %v %v %v, Len %d", full, tokens, dup, err, r.Len())
	}
	// Add copies the payload: the caller may reuse its frame.
	buf := []byte("part1")
	full, _, _, err = r.Add("k", Concat{Ref: 2, Total: 2, Seq: 1}, buf, 1, testNow)
	if err != nil || full != nil {
		t.Fatal(err)
	}
	copy(buf, "XXXXX")
	if res := add(t, r, "k", 2, 2, 2, "+2", 2, testNow); res.complete != "part1+2" {
		t.Errorf("complete %q: the stored payload aliased the caller's buffer", res.complete)
	}
}

func TestReassemblerBadParts(t *testing.T) {
	r := NewReassembler(time.Minute, 10)
	add(t, r, "k", 5, 3, 1, "one", "t1", testNow)
	for _, tc := range []struct {
		name string
		c    Concat
		want error
	}{
		{"total differs", Concat{Ref: 5, Total: 4, Seq: 2}, ErrConcatMismatch},
		{"seq 0", Concat{Ref: 5, Total: 3, Seq: 0}, nil},
		{"seq above total", Concat{Ref: 5, Total: 3, Seq: 4}, nil},
		{"total 0", Concat{Ref: 6, Total: 0, Seq: 0}, nil},
	} {
		full, tokens, dup, err := r.Add("k", tc.c, []byte("x"), "bad", testNow)
		if err == nil || full != nil || tokens != nil || dup != nil || (tc.want != nil && !errors.Is(err, tc.want)) {
			t.Errorf("%s: Add = %q %v %v %v", tc.name, full, tokens, dup, err)
		}
	}
	if r.Len() != 1 {
		t.Errorf("bad parts changed the pending groups: Len %d", r.Len())
	}
	add(t, r, "k", 5, 3, 2, "two", "t2", testNow)
	if res := add(t, r, "k", 5, 3, 3, "three", "t3", testNow); res.complete != "onetwothree" || res.tokens != "[t1 t2 t3]" {
		t.Errorf("after bad parts: %+v", res)
	}
}

func TestReassemblerExpire(t *testing.T) {
	r := NewReassembler(time.Minute, 10)
	add(t, r, "old", 1, 3, 3, "c", "o3", testNow)
	add(t, r, "old", 1, 3, 1, "a", "o1", testNow.Add(30*time.Second)) // later parts do not extend the group
	add(t, r, "new", 2, 2, 1, "x", "n1", testNow.Add(40*time.Second))
	if ex := r.Expire(testNow.Add(59 * time.Second)); len(ex) != 0 {
		t.Fatalf("expired before the timeout: %+v", ex)
	}
	ex := r.Expire(testNow.Add(time.Minute))
	if len(ex) != 1 {
		t.Fatalf("Expire = %+v, want the old group", ex)
	}
	e := ex[0]
	if e.Key != "old" || e.Ref != 1 || e.Total != 3 || len(e.Parts) != 2 ||
		string(e.Parts[1]) != "a" || string(e.Parts[3]) != "c" || fmt.Sprint(e.Tokens) != "[o1 o3]" {
		t.Errorf("expired %+v", e)
	}
	if r.Len() != 1 {
		t.Errorf("Len = %d, want 1", r.Len())
	}
	// The expired group is forgotten: its parts start a new group.
	if res := add(t, r, "old", 1, 3, 2, "b", "o2", testNow.Add(61*time.Second)); res.complete != "" {
		t.Errorf("part of an expired group completed %q", res.complete)
	}
	ex = r.Expire(testNow.Add(10 * time.Minute))
	if len(ex) != 2 || ex[0].Key != "new" || ex[1].Key != "old" || r.Len() != 0 {
		t.Errorf("Expire all = %+v, Len %d", ex, r.Len())
	}
	if ex := r.Expire(testNow.Add(time.Hour)); ex != nil {
		t.Errorf("Expire on empty = %+v", ex)
	}
	// A timeout of 0 keeps groups until they complete.
	r = NewReassembler(0, 0)
	add(t, r, "k", 1, 2, 1, "a", 1, testNow)
	if ex := r.Expire(testNow.Add(1000 * time.Hour)); ex != nil || r.Len() != 1 {
		t.Errorf("timeout 0 expired %+v", ex)
	}
}

func TestReassemblerMaxPending(t *testing.T) {
	r := NewReassembler(time.Minute, 2)
	add(t, r, "k", 1, 2, 1, "a", "1a", testNow)
	add(t, r, "k", 2, 2, 1, "b", "2a", testNow.Add(time.Second))
	full, tokens, dup, err := r.Add("k", Concat{Ref: 3, Total: 2, Seq: 1}, []byte("c"), "3a", testNow)
	if !errors.Is(err, ErrPendingFull) || full != nil || tokens != nil || dup != nil || r.Len() != 2 {
		t.Fatalf("third group: %q %v %v %v, Len %d; want ErrPendingFull", full, tokens, dup, err, r.Len())
	}
	// Parts of pending groups are still taken, and completing one makes room.
	if res := add(t, r, "k", 2, 2, 2, "B", "2b", testNow); res.complete != "bB" {
		t.Fatalf("pending group refused: %+v", res)
	}
	add(t, r, "k", 3, 2, 1, "c", "3a", testNow)
	if r.Len() != 2 {
		t.Errorf("Len = %d", r.Len())
	}
	// Single-part messages need no room.
	if full, _, _, err := r.Add("k", Concat{Ref: 4, Total: 1, Seq: 1}, []byte("s"), "s", testNow); err != nil || string(full) != "s" {
		t.Errorf("single part while full: %q %v", full, err)
	}
	// Expiry makes room too, oldest first.
	ex := r.Expire(testNow.Add(time.Minute))
	if len(ex) != 2 || ex[0].Ref != 1 || ex[1].Ref != 3 {
		t.Errorf("Expire = %+v", ex)
	}
}
