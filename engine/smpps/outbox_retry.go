package smpps

import (
	"strconv"
	"strings"
	"time"

	"github.com/gwd-project/gwd/engine/backoff"
	"github.com/gwd-project/gwd/smpp"
	"github.com/gwd-project/gwd/store"
)

// Outbox retries on disk
//
// A deliver_sm the ESME refused or did not answer is written, with a
// backoff.Header (attempts, not-before, first failure) in front of its
// PDU, to one of the user's retry queues by back-off level
// (retryQueueName), then removed from where it was: the outbox's delayed
// heap stays empty and only each level's head is held in memory. The
// pump takes due heads first (user.TakeDue), then the outbox. Past its
// validity, or outbox_retry_ttl after its first failure, it goes to the
// "outbox" dead letters (deadletters.go). Records without a header (never
// retried, or written before) read as attempt 0.

// retryLevels is how many retry queues a user has: the first delay
// (SetRetryDelay, 10 s) doubled up to MaxRetryDelay takes 7; the last
// level repeats the cap.
const retryLevels = 8

// retryResident is how many records of one retry queue stay in memory.
const retryResident = 64

// retryPrefix starts every retry queue's name: "outr/<level>/<uid>".
const retryPrefix = "outr/"

func retryQueueName(uid string, k int) string {
	return retryPrefix + strconv.Itoa(k) + "/" + uid
}

// uidOfQueue is the user of an outbox or retry queue name, "" for
// another name.
func uidOfQueue(name string) string {
	if uid, ok := strings.CutPrefix(name, outboxPrefix); ok {
		return uid
	}
	if rest, ok := strings.CutPrefix(name, retryPrefix); ok {
		if _, uid, ok := strings.Cut(rest, "/"); ok {
			return uid
		}
	}
	return ""
}

// TakeDue makes the user a pump.Source: the due heads of its retry queues.
func (u *user) TakeDue(now int64) (*store.Msg, *store.Queue, int64, error) {
	return u.retries.TakeDue(now)
}

// Requeued makes the user a pump.Source.
func (u *user) Requeued(q *store.Queue) { u.retries.Requeued(q) }

// retry sends d, refused or unanswered (why), to the retry queue of its
// next back-off level; past its TTL it goes to the dead letters instead.
// It runs on a session's event loop and never blocks: the old record is
// removed once the new one is durable (a crash between the two sends it
// once more).
func (u *user) retry(d *delivery, why string) {
	s := u.s
	m, from := d.Msg, d.Queue()
	h, body := backoff.Split(m.Payload)
	now := time.Now()
	h.Tries++
	if h.First == 0 {
		h.First = now.UnixNano()
	}
	if ttl := s.cfg.OutboxRetryTTL(); ttl > 0 && now.UnixNano()-h.First >= int64(ttl) {
		u.bury(d, h, now, "retry TTL passed; last: "+why)
		return
	}
	k := min(int(h.Tries)-1, retryLevels-1)
	delay := backoff.Delay(time.Duration(s.retryBase.Load()), MaxRetryDelay, k)
	h.NotBefore = now.Add(delay).UnixNano()
	if m.Expires != 0 {
		// Offered (and found expired) at its validity, not later.
		h.NotBefore = min(h.NotBefore, m.Expires)
	}
	nm := store.NewMsg{Priority: m.Priority, Payload: backoff.AppendRecord(make([]byte, 0, backoff.HeaderLen+len(body)), h, body)}
	if m.Expires != 0 {
		nm.Expires = time.Unix(0, m.Expires)
	}
	u.retries.Put(k, nm, func(err error) {
		if err != nil {
			// Not stored: kept in memory for this back-off instead.
			s.log.Error("outbox retry not stored; retried from memory", "uid", u.uid, "seq", m.Seq, "err", err)
			if err := from.Requeue(m, delay); err != nil {
				s.log.Error("outbox requeue", "uid", u.uid, "seq", m.Seq, "err", err)
			}
			return
		}
		from.Ack(m, store.Write{}, u.removed)
	})
}

// removed is the done of an Ack that took a record out of the outbox or
// a retry queue other than as delivered from the outbox: the outbox's
// caps follow what the retry queues hold.
func (u *user) removed(err error) {
	if err != nil {
		u.s.log.Error("outbox: remove retried record", "uid", u.uid, "err", err)
	}
	u.recap()
}

// recap sets the outbox's caps to outbox_max_* less what the retry queues
// hold, so that both together stay within them. When the retries take it
// all, the outbox is capped at one octet, which every record exceeds (a
// cap of 0 would mean none). Called when a record enters or leaves a
// retry queue, never per message delivered from the outbox.
func (u *user) recap() {
	maxMsgs, maxBytes := u.s.cfg.OutboxMaxMessages, int64(u.s.cfg.OutboxMaxBytes)
	st := u.retries.Stats()
	full := false
	if maxMsgs > 0 {
		maxMsgs -= st.Held
		full = maxMsgs <= 0
	}
	if maxBytes > 0 {
		maxBytes -= st.Bytes
		full = full || maxBytes <= 0
	}
	if full {
		maxMsgs, maxBytes = 0, 1
	}
	u.q.SetCaps(maxMsgs, maxBytes)
}

// expired reports whether d's validity has passed; one that has is
// settled: to the dead letters (or dropped, with outbox_retry_ttl 0).
func (u *user) expired(d *delivery, now time.Time) bool {
	if d.Msg.Expires == 0 || d.Msg.Expires > now.UnixNano() {
		return false
	}
	h, _ := backoff.Split(d.Msg.Payload)
	u.bury(d, h, now, "validity period expired")
	return true
}

// expiredInQueue is the OnExpire of the outbox and its retry queues: a
// record the queue found past its validity and removed goes to the dead
// letters (in a write of its own, just after the removal), or is dropped
// with outbox_retry_ttl 0.
func (u *user) expiredInQueue(m *store.Msg) {
	s := u.s
	dead := s.deadLetters()
	if dead == nil || s.cfg.OutboxRetryTTL() == 0 {
		s.log.Warn("deliver_sm expired in outbox", "uid", u.uid, "seq", m.Seq)
		return
	}
	h, body := backoff.Split(m.Payload)
	_, w := dead.Put(store.DeadLetter{Attempts: h.Tries, First: h.FirstTime(), Last: time.Now(),
		LastError: "validity period expired", Record: deadRecord(u.uid, body)})
	done := w.Done
	w.Done = func(err error) {
		done(err)
		if err != nil {
			s.log.Error("expired deliver_sm lost: dead letter not stored", "uid", u.uid, "seq", m.Seq, "err", err)
		}
		u.recap()
	}
	s.Stats.DeadLetters.Add(1)
	s.db.Submit(w)
}

// bury moves d to the "outbox" dead letters in the same write as its
// removal; with outbox_retry_ttl 0 it is dropped with a log line.
func (u *user) bury(d *delivery, h backoff.Header, now time.Time, why string) {
	s := u.s
	dead := s.deadLetters()
	if dead == nil || s.cfg.OutboxRetryTTL() == 0 {
		s.log.Warn("deliver_sm expired in outbox", "uid", u.uid, "seq", d.Msg.Seq, "why", why)
		d.AckThen(store.Write{}, u.removed)
		return
	}
	_, body := backoff.Split(d.Msg.Payload)
	_, w := dead.Put(store.DeadLetter{Attempts: h.Tries, First: h.FirstTime(), Last: now, LastError: why,
		Record: deadRecord(u.uid, body)})
	s.Stats.DeadLetters.Add(1)
	d.AckThen(w, u.removed)
}

// whyRefused is the dead letters' last error for a refused deliver_sm.
func whyRefused(resp *smpp.PDU) string {
	return "ESME answered " + resp.Status.String()
}

// whyUnanswered is it for one that got no answer in time.
func whyUnanswered(reason error) string {
	return "no deliver_sm_resp in time: " + reason.Error()
}
