package router

import (
	"github.com/gwd-project/gwd/router/ledger"
	"time"
)

// Throughput quotas (mt_messaging_cred quota http_throughput and
// smpps_throughput): the most messages per second a user may submit through
// each channel.
//
// Jasmin enforces them as a minimum spacing: a message that comes less than
// 1/throughput seconds after the user's last accepted one on that channel is
// refused (HTTP 403 "User throughput exceeded", SMPP ESME_RTHROTTLED), and a
// refused message does not count. gwd does the same with a GCRA cell per
// user and channel: one atomic word holding the earliest time the next
// message may come, advanced by compare-and-swap, so the check takes no lock
// and does not allocate. Unset (ND) is unlimited; 0 accepts nothing (Jasmin
// divides by it); fractional values are honoured (0.5 is one message every
// two seconds).

// throughputEpoch anchors the monotonic clock of the cells.
var throughputEpoch = time.Now()

func throughputNow() int64 { return int64(time.Since(throughputEpoch)) }

// ThroughputError is ErrThroughputExceeded's type.
type ThroughputError struct{}

func (*ThroughputError) Error() string { return "User throughput exceeded" }

// Kind is RefusedThroughput.
func (*ThroughputError) Kind() RefusalKind { return RefusedThroughput }

// Text is Jasmin's text.
func (*ThroughputError) Text() string { return "User throughput exceeded" }

// ErrThroughputExceeded refuses a message over the user's throughput quota.
var ErrThroughputExceeded error = &ThroughputError{}

// Allow says whether u may submit one more message through ch now, and
// counts it if so.
func (u *User) Allow(ch Channel) bool { return u.AllowAt(ch, throughputNow()) }

// AllowAt is Allow at a given time, in nanoseconds of a monotonic clock
// (tests drive it).
func (u *User) AllowAt(ch Channel, now int64) bool {
	var q Optional[ledger.Money]
	var cell int
	switch ch {
	case ChannelHTTP:
		q, cell = u.MT.Quota.HTTPThroughput, 0
	case ChannelSMPPS:
		q, cell = u.MT.Quota.SMPPSThroughput, 1
	default:
		return false
	}
	if !q.Set {
		return true
	}
	if q.V <= 0 {
		return false
	}
	// Spacing in ns: 1e9 / (q.V / 1e6) = 1e15 / q.V (≤ 1e15: q.V ≥ 1).
	interval := int64(1e15) / int64(q.V)
	c := &u.live.tat[cell]
	for {
		tat := c.Load()
		if tat > now {
			return false
		}
		if c.CompareAndSwap(tat, now+interval) {
			return true
		}
	}
}

// Allow is User.Allow for the current version of user uid; false when the
// user is unknown.
func (a *Accounts) Allow(uid string, ch Channel) bool {
	u := a.User(uid)
	return u != nil && u.Allow(ch)
}
