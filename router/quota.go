package router

import (
	"strings"

	"github.com/gwd-project/gwd/router/ledger"
)

// Quota changes against an external ledger.
//
// In the gateway the users' balance and sms_count live in the store's
// ledger, which every charge debits. A jCli or admin-API update of those
// quotas must be computed against the ledger's value at the instant it is
// written, under the ledger's lock: reading the value, changing it here and
// writing it back would lose the charges made in between. QuotaEdit takes
// the quota lines out of an update; its Apply is pure, for the ledger to run
// under its lock.

// QuotaEdit is the balance and sms_count lines of a user update, folded
// per counter in order ("quota balance 10" then "+5" sets 15).
type QuotaEdit struct {
	ops []credLedgerOp
}

// Empty reports whether the update changes no counter.
func (q *QuotaEdit) Empty() bool { return q == nil || len(q.ops) == 0 }

// Replaces reports whether a counter is set to a value (or unlimited)
// rather than moved by +N / -N: charges reserved before such a change no
// longer count.
func (q *QuotaEdit) Replaces() bool {
	if q == nil {
		return false
	}
	for _, op := range q.ops {
		if !op.rel {
			return true
		}
	}
	return false
}

// Apply returns c after the edit, with the router's rules: +N / -N on an
// unlimited counter starts from 0; a counter may not go below zero. On
// error c is returned unchanged with a FieldError naming the counter.
func (q *QuotaEdit) Apply(c ledger.Counters) (ledger.Counters, error) {
	if q.Empty() {
		return c, nil
	}
	n := c
	if err := acctApplyLedger(&n, q.ops); err != nil {
		return c, err
	}
	return n, nil
}

// SplitQuota separates the balance and sms_count lines of changes from
// the others, checking their values. The other changes are returned in
// order, untouched.
func SplitQuota(changes []Change) (*QuotaEdit, []Change, error) {
	e := &credEdit{u: &User{}}
	var rest []Change
	for _, c := range changes {
		if !isQuotaLine(c) {
			rest = append(rest, c)
			continue
		}
		if err := e.change(c.Key, c.Arg, nil); err != nil {
			return nil, nil, err
		}
	}
	return &QuotaEdit{ops: e.ops}, rest, nil
}

// isQuotaLine reports whether c is "mt_messaging_cred quota balance|sms_count …".
func isQuotaLine(c Change) bool {
	if c.Key != CredMT {
		return false
	}
	f := strings.Fields(c.Arg)
	return len(f) >= 2 && strings.EqualFold(f[0], "quota") &&
		(strings.EqualFold(f[1], "balance") || strings.EqualFold(f[1], "sms_count"))
}
