package mt

import (
	"strings"
	"testing"
)

func TestIssued(t *testing.T) {
	id := NewID()
	if !Issued(id) {
		t.Fatalf("%s: not issued", id)
	}
	if !Issued(strings.ToUpper(id)) {
		t.Fatalf("%s in capitals: not issued", id)
	}
	// The next counter value has not been given out yet.
	next := []byte(id)
	last := next[len(next)-1]
	if last == 'f' {
		t.Skip("counter ends in f")
	}
	if last == '9' {
		next[len(next)-1] = 'a'
	} else {
		next[len(next)-1] = last + 1
	}
	for _, bad := range []string{string(next), "", "x", id[:35], id + "0",
		"00000000-0000-4000-8000-000000000001", // another process's prefix
		strings.Replace(id, "-", "x", 1)} {
		if Issued(bad) {
			t.Errorf("%q: issued", bad)
		}
	}
}
