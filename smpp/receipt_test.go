package smpp

import (
	"bytes"
	"errors"
	"fmt"
	"testing"
	"time"
)

// rcpt is Receipt with strings, for readable tables; "-" marks a field
// that must be absent (nil).
type rcpt struct {
	ID, Sub, Dlvrd, SubmitDate, DoneDate, Stat, Err, Text string
}

func (r rcpt) check(t *testing.T, name string, got Receipt) {
	t.Helper()
	fields := []struct {
		name string
		want string
		got  []byte
	}{
		{"id", r.ID, got.ID}, {"sub", r.Sub, got.Sub}, {"dlvrd", r.Dlvrd, got.Dlvrd},
		{"submit date", r.SubmitDate, got.SubmitDate}, {"done date", r.DoneDate, got.DoneDate},
		{"stat", r.Stat, got.Stat}, {"err", r.Err, got.Err}, {"text", r.Text, got.Text},
	}
	for _, f := range fields {
		if f.want == "-" {
			if f.got != nil {
				t.Errorf("%s: %s = %q, want absent", name, f.name, f.got)
			}
			continue
		}
		if f.got == nil || string(f.got) != f.want {
			t.Errorf("%s: %s = %q (nil %v), want %q", name, f.name, f.got, f.got == nil, f.want)
		}
	}
}

func TestParseReceipt(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want rcpt
	}{
		{"canonical",
			"id:0123456789 sub:001 dlvrd:001 submit date:2401311200 done date:2401311201 stat:DELIVRD err:000 text:Hello world",
			rcpt{"0123456789", "001", "001", "2401311200", "2401311201", "DELIVRD", "000", "Hello world"}},
		{"appendix B placeholder text",
			"id:IIIIIIIIII sub:SSS dlvrd:DDD submit date:YYMMDDhhmm done date:YYMMDDhhmm stat:DDDDDDD err:E text: . . . . . . . . .",
			rcpt{"IIIIIIIIII", "SSS", "DDD", "YYMMDDhhmm", "YYMMDDhhmm", "DDDDDDD", "E", " . . . . . . . . ."}},
		{"keys in capitals",
			"ID:abc SUB:001 DLVRD:000 SUBMIT DATE:2401311200 DONE DATE:2401311300 STAT:UNDELIV ERR:011 TEXT:x",
			rcpt{"abc", "001", "000", "2401311200", "2401311300", "UNDELIV", "011", "x"}},
		{"mixed case, as some SMSCs send",
			"id:abc sub:001 dlvrd:001 Submit date:2401311200 Done date:2401311201 Stat:DELIVRD Err:000 Text:hi",
			rcpt{"abc", "001", "001", "2401311200", "2401311201", "DELIVRD", "000", "hi"}},
		{"12-digit dates",
			"id:7 sub:001 dlvrd:001 submit date:240131120059 done date:240131120102 stat:DELIVRD err:000 text:",
			rcpt{"7", "001", "001", "240131120059", "240131120102", "DELIVRD", "000", ""}},
		{"fields in another order",
			"stat:EXPIRED err:000 done date:2401311200 id:ff00 dlvrd:000 sub:001 submit date:2401301200 text:late",
			rcpt{"ff00", "001", "000", "2401301200", "2401311200", "EXPIRED", "000", "late"}},
		{"only id and stat", "id:42 stat:ACCEPTD", rcpt{"42", "-", "-", "-", "-", "ACCEPTD", "-", "-"}},
		{"no text", "id:42 sub:001 dlvrd:001 stat:DELIVRD err:000", rcpt{"42", "001", "001", "-", "-", "DELIVRD", "000", "-"}},
		{"extra spaces",
			"  id:  42   sub :001  dlvrd:001   submit   date : 2401311200 done\tdate:2401311201  stat:  DELIVRD   err:000  text:  two spaces",
			rcpt{"42", "001", "001", "2401311200", "2401311201", "DELIVRD", "000", "  two spaces"}},
		{"underscored date keys", "id:1 submit_date:2401311200 done_date:2401311201 stat:DELIVRD",
			rcpt{"1", "-", "-", "2401311200", "2401311201", "DELIVRD", "-", "-"}},
		{"non-hex id with punctuation", "id:MSG-2024/01.31_#7 stat:DELIVRD",
			rcpt{"MSG-2024/01.31_#7", "-", "-", "-", "-", "DELIVRD", "-", "-"}},
		{"id with a colon", "id:a:b:c stat:DELIVRD", rcpt{"a:b:c", "-", "-", "-", "-", "DELIVRD", "-", "-"}},
		{"uuid id", "id:5f3c9a7e-1b2d-4c3e-9f00-0a1b2c3d4e5f sub:001 dlvrd:001 stat:DELIVRD err:000 text:",
			rcpt{"5f3c9a7e-1b2d-4c3e-9f00-0a1b2c3d4e5f", "001", "001", "-", "-", "DELIVRD", "000", ""}},
		{"unknown keys end values",
			"id:1 sub:001 dlvrd:001 submit date:2401311200 done date:2401311201 stat:DELIVRD err:000 mcc:234 mnc:10 text:x",
			rcpt{"1", "001", "001", "2401311200", "2401311201", "DELIVRD", "000", "x"}},
		{"text keeps what looks like keys", "id:1 stat:DELIVRD text:id:2 stat:REJECTD err:999",
			rcpt{"1", "-", "-", "-", "-", "DELIVRD", "-", "id:2 stat:REJECTD err:999"}},
		{"text keeps line ends", "id:1 stat:DELIVRD text:a\r\n", rcpt{"1", "-", "-", "-", "-", "DELIVRD", "-", "a\r\n"}},
		{"empty values", "id:9 sub: dlvrd: stat:DELIVRD err: text:", rcpt{"9", "", "", "-", "-", "DELIVRD", "", ""}},
		{"first non-empty wins", "id: id:1 id:2 stat:DELIVRD stat:UNDELIV", rcpt{"1", "-", "-", "-", "-", "DELIVRD", "-", "-"}},
		{"key glued to previous value is not a key", "id:1stat:X stat:DELIVRD", rcpt{"1stat:X", "-", "-", "-", "-", "DELIVRD", "-", "-"}},
		{"newlines between fields", "id:1\nsub:001\nstat:DELIVRD\nerr:000", rcpt{"1", "001", "-", "-", "-", "DELIVRD", "000", "-"}},
		{"stat word not validated", "id:1 stat:SOMETHING", rcpt{"1", "-", "-", "-", "-", "SOMETHING", "-", "-"}},
	}
	for _, tc := range tests {
		r, err := ParseReceipt([]byte(tc.in))
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		tc.want.check(t, tc.name, r)
	}
}

func TestParseReceiptErrors(t *testing.T) {
	tests := []struct {
		in   string
		want error
	}{
		{"", ErrReceiptNoID},
		{"hello world", ErrReceiptNoID},
		{"sub:001 dlvrd:001 stat:DELIVRD", ErrReceiptNoID},
		{"id: stat:DELIVRD", ErrReceiptNoID},
		{"id:   \t", ErrReceiptNoID},
		{"text:id:1 stat:DELIVRD", ErrReceiptNoID},
		{"id:1", ErrReceiptNoStat},
		{"id:1 sub:001 dlvrd:001 err:000 text:x", ErrReceiptNoStat},
		{"id:1 stat: err:000", ErrReceiptNoStat},
		{"id:1 text:stat:DELIVRD", ErrReceiptNoStat},
		{"identity:1 status:DELIVRD", ErrReceiptNoID},
		{"xid:1 stat:DELIVRD", ErrReceiptNoID},
	}
	for _, tc := range tests {
		_, err := ParseReceipt([]byte(tc.in))
		if !errors.Is(err, tc.want) {
			t.Errorf("ParseReceipt(%q) error %v, want %v", tc.in, err, tc.want)
		}
	}
}

func TestParseReceiptAliases(t *testing.T) {
	in := []byte("id:abc sub:001 stat:DELIVRD err:000 text:hello")
	orig := append([]byte(nil), in...)
	r, err := ParseReceipt(in)
	if err != nil {
		t.Fatal(err)
	}
	if &r.ID[0] != &in[3] || &r.Text[0] != &in[len(in)-5] {
		t.Fatalf("fields do not alias the input")
	}
	// Fields are capped: appending copies instead of overwriting the input.
	for _, f := range [][]byte{r.ID, r.Sub, r.Stat, r.Err, r.Text} {
		_ = append(f, "XXXXXXXX"...)
	}
	if !bytes.Equal(in, orig) {
		t.Fatalf("appending to a field changed the input: %q", in)
	}
}

func TestReceiptAppendTo(t *testing.T) {
	r := Receipt{
		ID: []byte("0a1b2c3d"), Sub: []byte("001"), Dlvrd: []byte("001"),
		SubmitDate: []byte("2401311200"), DoneDate: []byte("2401311201"),
		Stat: []byte("DELIVRD"), Err: []byte("000"), Text: []byte("Hello"),
	}
	want := "id:0a1b2c3d sub:001 dlvrd:001 submit date:2401311200 done date:2401311201 stat:DELIVRD err:000 text:Hello"
	if got := string(r.AppendTo(nil)); got != want {
		t.Fatalf("AppendTo\n got %q\nwant %q", got, want)
	}
	if got := string(r.AppendTo([]byte("x "))); got != "x "+want {
		t.Fatalf("AppendTo does not append: %q", got)
	}

	// Text is cut to ReceiptTextLen octets.
	r.Text = []byte("The quick brown fox jumps over the lazy dog")
	out := r.AppendTo(nil)
	if !bytes.HasSuffix(out, []byte(" text:The quick brown fox ")) {
		t.Fatalf("text not cut to 20 octets: %q", out)
	}
	r.Text = []byte("exactly twenty chars")
	if out := r.AppendTo(nil); !bytes.HasSuffix(out, []byte(" text:exactly twenty chars")) {
		t.Fatalf("20-octet text changed: %q", out)
	}

	// Empty fields stay empty.
	if got := string((&Receipt{ID: []byte("1"), Stat: []byte("UNDELIV")}).AppendTo(nil)); got !=
		"id:1 sub: dlvrd: submit date: done date: stat:UNDELIV err: text:" {
		t.Fatalf("sparse receipt: %q", got)
	}
}

func TestReceiptRoundTrip(t *testing.T) {
	for _, st := range []byte{1, 2, 3, 4, 5, 6, 7, 8} {
		r := Receipt{
			ID: []byte(fmt.Sprintf("msg-%d", st)), Sub: []byte("001"), Dlvrd: []byte("000"),
			SubmitDate: []byte("2401311200"), DoneDate: []byte("240131120130"),
			Stat: []byte(StatFromMessageState(st)), Err: []byte("0" + fmt.Sprint(st) + "0"), Text: []byte("text: with id:colons, cut here"),
		}
		got, err := ParseReceipt(r.AppendTo(nil))
		if err != nil {
			t.Fatal(err)
		}
		rcpt{string(r.ID), "001", "000", "2401311200", "240131120130", StatFromMessageState(st), string(r.Err), "text: with id:colons"}.
			check(t, StatFromMessageState(st), got)
		if s, ok := MessageStateFromStat(got.Stat); !ok || s != st {
			t.Errorf("message_state %d came back as %d, %v", st, s, ok)
		}
	}
}

func TestMessageStateFromStat(t *testing.T) {
	tests := []struct {
		stat string
		want byte
		ok   bool
	}{
		{"ENROUTE", MessageStateEnroute, true},
		{"DELIVRD", MessageStateDelivered, true},
		{"EXPIRED", MessageStateExpired, true},
		{"DELETED", MessageStateDeleted, true},
		{"UNDELIV", MessageStateUndeliverable, true},
		{"ACCEPTD", MessageStateAccepted, true},
		{"UNKNOWN", MessageStateUnknown, true},
		{"REJECTD", MessageStateRejected, true},
		{"delivrd", MessageStateDelivered, true},
		{"Undeliv", MessageStateUndeliverable, true},
		{"DELIVERED", MessageStateDelivered, true},
		{"UNDELIVERABLE", MessageStateUndeliverable, true},
		{"ACCEPTED", MessageStateAccepted, true},
		{"rejected", MessageStateRejected, true},
		{"", 0, false},
		{"DELIV", 0, false},
		{"DELIVRD ", 0, false},
		{"FAILED", 0, false},
		{"DELIVRE", 0, false},
		{"D\xc5LIVRD", 0, false},
		{"DELIVRD\x00", 0, false},
	}
	for _, tc := range tests {
		got, ok := MessageStateFromStat([]byte(tc.stat))
		if got != tc.want || ok != tc.ok {
			t.Errorf("MessageStateFromStat(%q) = %d, %v; want %d, %v", tc.stat, got, ok, tc.want, tc.ok)
		}
	}
}

func TestStatFromMessageState(t *testing.T) {
	want := map[byte]string{
		0: "UNKNOWN", 1: "ENROUTE", 2: "DELIVRD", 3: "EXPIRED", 4: "DELETED",
		5: "UNDELIV", 6: "ACCEPTD", 7: "UNKNOWN", 8: "REJECTD", 9: "UNKNOWN", 255: "UNKNOWN",
	}
	for s, w := range want {
		if got := StatFromMessageState(s); got != w {
			t.Errorf("StatFromMessageState(%d) = %q, want %q", s, got, w)
		}
	}
	// The constants are the SMPP v3.4 values.
	consts := []byte{MessageStateEnroute, MessageStateDelivered, MessageStateExpired, MessageStateDeleted,
		MessageStateUndeliverable, MessageStateAccepted, MessageStateUnknown, MessageStateRejected}
	for i, c := range consts {
		if int(c) != i+1 {
			t.Errorf("message_state constant %d = %d", i, c)
		}
	}
}

func TestReceiptTime(t *testing.T) {
	loc := time.FixedZone("X", 3600)
	tests := []struct {
		in   string
		want time.Time
		ok   bool
	}{
		{"2401311259", time.Date(2024, 1, 31, 12, 59, 0, 0, loc), true},
		{"240131125930", time.Date(2024, 1, 31, 12, 59, 30, 0, loc), true},
		{"0002290000", time.Date(2000, 2, 29, 0, 0, 0, 0, loc), true},
		{"9912312359", time.Date(2099, 12, 31, 23, 59, 0, 0, loc), true},
		{"2402300000", time.Time{}, false}, // 30 February
		{"2304310000", time.Time{}, false}, // 31 April
		{"2413010000", time.Time{}, false},
		{"2400010000", time.Time{}, false},
		{"2401002400", time.Time{}, false},
		{"2401012400", time.Time{}, false},
		{"2401012360", time.Time{}, false},
		{"240101235960", time.Time{}, false},
		{"24013112", time.Time{}, false},
		{"24013112000", time.Time{}, false},
		{"20240131120000", time.Time{}, false},
		{"24013112O0", time.Time{}, false},
		{"", time.Time{}, false},
		{"YYMMDDhhmm", time.Time{}, false},
	}
	for _, tc := range tests {
		got, ok := ReceiptTime([]byte(tc.in), loc)
		if ok != tc.ok || !got.Equal(tc.want) {
			t.Errorf("ReceiptTime(%q) = %v, %v; want %v, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}
