package router

import (
	"errors"
	"github.com/gwd-project/gwd/router/ledger"
	"testing"
)

func TestSplitQuota(t *testing.T) {
	bal := func(v string) ledger.Counters {
		m, err := ledger.ParseMoney(v)
		if err != nil {
			t.Fatal(err)
		}
		return ledger.Counters{Balance: m, HasBalance: true}
	}
	for _, tc := range []struct {
		name     string
		lines    []string // mt_messaging_cred arguments
		in       ledger.Counters
		want     ledger.Counters
		replaces bool
		err      string
	}{
		{"add to a balance", []string{"quota balance +10"}, bal("2.5"), bal("12.5"), false, ""},
		{"take from a balance", []string{"quota balance -22.4"}, bal("30"), bal("7.6"), false, ""},
		{"add on unlimited starts from 0", []string{"quota sms_count +100"}, ledger.Counters{}, ledger.Counters{SMS: 100, HasSMS: true}, false, ""},
		{"set outright", []string{"quota balance 44.2"}, bal("3"), bal("44.2"), true, ""},
		{"unlimited", []string{"quota sms_count none"}, ledger.Counters{SMS: 4, HasSMS: true}, ledger.Counters{}, true, ""},
		{"set then add folds", []string{"quota balance 10", "quota balance +5"}, bal("1"), bal("15"), true, ""},
		{"below zero refused", []string{"quota balance -5"}, bal("3"), bal("3"), false, "mt_messaging_cred quota balance: would go below zero (current value 3.0)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			changes := []Change{{Key: "gid", Arg: "g1"}}
			for _, l := range tc.lines {
				changes = append(changes, Change{Key: CredMT, Arg: l})
			}
			changes = append(changes, Change{Key: CredMT, Arg: "quota early_percent 25"})
			q, rest, err := SplitQuota(changes)
			if err != nil {
				t.Fatal(err)
			}
			if len(rest) != 2 || rest[0].Key != "gid" || rest[1].Arg != "quota early_percent 25" {
				t.Fatalf("other changes: %+v", rest)
			}
			if q.Empty() || q.Replaces() != tc.replaces {
				t.Fatalf("empty %v replaces %v", q.Empty(), q.Replaces())
			}
			got, err := q.Apply(tc.in)
			if tc.err != "" {
				var fe *FieldError
				if !errors.As(err, &fe) || err.Error() != tc.err {
					t.Fatalf("error %v, want %q", err, tc.err)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Fatalf("counters %+v, want %+v", got, tc.want)
			}
		})
	}
	if _, _, err := SplitQuota([]Change{{Key: CredMT, Arg: "quota balance abc"}}); err == nil {
		t.Fatal("a bad number was accepted")
	}
	if q, rest, err := SplitQuota([]Change{{Key: "gid", Arg: "g"}}); err != nil || !q.Empty() || len(rest) != 1 {
		t.Fatalf("no quota lines: %v %v %v", q, rest, err)
	}
}
