package thrower

import (
	"bytes"
	"errors"
	"fmt"
	"time"

	"github.com/gwd-project/gwd/engine/recovery"
	"github.com/gwd-project/gwd/engine/redact"
	"github.com/gwd-project/gwd/store"
	"github.com/valyala/fasthttp"
)

// feed takes due callbacks from the kind's queue and from the heads of
// its retry queues and hands them to the workers (or parks them; see
// admit), sleeping until an append lands, a worker stores a retry, the
// earliest head falls due, or Close. A retry queue's head that is not due
// stays leased in held[k] meanwhile: nothing else of the queue is looked
// at, and nothing waits in memory but those heads.
func (l *lane) feed() {
	stop := l.t.stop
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	var key []byte
	var held [numLevels]*store.Msg
	defer func() {
		for k, m := range held {
			if m != nil {
				_ = l.retry[k].Requeue(m, 0) // back to the head; its record never left the store
			}
		}
	}()
	for {
		select {
		case <-stop:
			return
		default:
		}
		now := l.t.now().UnixNano()
		progressed := false
		var next int64 // the earliest head not yet due; 0: none
		for k := range held {
			if held[k] == nil {
				if l.filled.Load()&(1<<k) == 0 {
					continue
				}
				l.filled.And(^uint32(1 << k))
				m, err := l.retry[k].Take()
				if err != nil {
					l.t.log.Error("thrower: read retry queue", "kind", l.kind.String(), "level", k, "err", err)
				}
				if m == nil {
					continue
				}
				held[k] = m
			}
			if nb, _, ok := peekRecord(held[k].Payload); ok && nb > now {
				if next == 0 || nb < next {
					next = nb
				}
				continue
			}
			c := leased{m: held[k], q: l.retry[k]}
			held[k] = nil
			l.filled.Or(1 << k) // take the next one on the following pass
			progressed = true
			if !l.dispatch(c, now, &key) {
				return
			}
		}
		m, err := l.q.Take()
		if err != nil {
			l.t.log.Error("thrower: read queue", "kind", l.kind.String(), "err", err)
			timer.Reset(time.Second)
			select {
			case <-stop:
				return
			case <-timer.C:
			}
			continue
		}
		if m != nil {
			if !l.dispatch(leased{m: m, q: l.q}, now, &key) {
				return
			}
			continue
		}
		if progressed {
			continue
		}
		var due <-chan time.Time
		if next != 0 {
			timer.Reset(max(time.Duration(next-now), time.Millisecond))
			due = timer.C
		}
		select {
		case <-stop:
			return
		case <-l.q.Notify():
		case <-l.wake:
		case <-due:
		}
		timer.Stop()
	}
}

// dispatch admits c and hands the job to a worker; false after Close (c
// given back to its queue).
func (l *lane) dispatch(c leased, now int64, key *[]byte) bool {
	j, ok := l.admit(c, now, key)
	if !ok {
		return true
	}
	select {
	case l.jobs <- j:
		return true
	case <-l.t.stop:
		if j.d != nil {
			l.mu.Lock()
			j.d.inFlight--
			if j.probe {
				j.d.probing = false
			}
			l.mu.Unlock()
		}
		_ = c.q.Requeue(c.m, 0) // back to ready; its record never left the store
		return false
	}
}

// poke makes the feeder look at its queues again (a worker stored a
// retry).
func (l *lane) poke() {
	select {
	case l.wake <- struct{}{}:
	default:
	}
}

// worker makes one request at a time; everything it needs is reused.
type worker struct {
	l      *lane
	sign   *signer // nil: unsigned
	req    *fasthttp.Request
	resp   *fasthttp.Response
	rec    record
	uri    []byte
	form   []byte
	next   []byte
	msgs   [1]store.NewMsg
	stored chan error
	ackCB  func(error)
	addCB  func([]uint64, error)
}

func (l *lane) work() {
	defer l.t.wg.Done()
	w := &worker{l: l, sign: newSigner(l.signKey), req: fasthttp.AcquireRequest(), resp: fasthttp.AcquireResponse(),
		stored: make(chan error, 1)}
	w.ackCB = func(err error) { w.stored <- err }
	w.addCB = func(_ []uint64, err error) { w.stored <- err }
	defer func() {
		fasthttp.ReleaseRequest(w.req)
		fasthttp.ReleaseResponse(w.resp)
	}()
	for j := range l.jobs {
		w.handleGuarded(j)
		// Done with one callback, the worker goes on with those waiting
		// for the same destination, in the slot it holds; the breaker may
		// have opened meanwhile, so each is gated again.
		for c, ok := l.next(j.d); ok; c, ok = l.next(j.d) {
			w.handleGuarded(job{leased: c, d: j.d, op: opAttempt, until: -1})
		}
	}
}

// handleGuarded is handle with a recover: a panic outside the request
// (the request's own is a failed attempt, see attemptGuarded) drops the
// record, as a corrupt one is dropped, rather than retry it into the
// same bug forever; it is logged with its stack and counted in
// gwd_panics_total{where="thrower"}, and the worker goes on.
func (w *worker) handleGuarded(j job) {
	defer func() {
		if v := recover(); v != nil {
			recovery.Report("thrower", w.l.t.log, v)
			w.l.unprobe(j)
			w.l.corrupt.Add(1)
			if err := w.ack(j.leased, store.Write{}); err != nil {
				w.l.t.log.Error("thrower: drop callback after a panic", "kind", w.l.kind.String(), "seq", j.m.Seq, "err", err)
			}
		}
	}()
	w.handle(j)
}

// attemptGuarded is attempt with a recover: a panic while making the
// request (in the HTTP client, a signer) is a failed attempt, retried
// and given up on as the policy says.
func (w *worker) attemptGuarded(now time.Time) (err error) {
	defer func() {
		if v := recover(); v != nil {
			recovery.Report("thrower", w.l.t.log, v)
			err = fmt.Errorf("request: internal error (panic: %v)", v)
		}
	}()
	return w.attempt(now)
}

// ack removes c from its queue, with extra in the same write.
func (w *worker) ack(c leased, extra store.Write) error {
	c.q.Ack(c.m, extra, w.ackCB)
	return <-w.stored
}

// handle does j: an attempt at its callback with the outcome stored, a
// callback put off, or an old retry moved to its queue.
func (w *worker) handle(j job) {
	l, log := w.l, w.l.t.log
	r := &w.rec
	if err := r.decode(j.m.Payload); err != nil {
		l.unprobe(j)
		l.corrupt.Add(1)
		corruptRecords[l.kind-1].Inc()
		log.Error("thrower: dropping corrupt record", "kind", l.kind.String(), "seq", j.m.Seq, "err", err)
		if err := w.ack(j.leased, store.Write{}); err != nil {
			log.Error("thrower: drop corrupt record", "kind", l.kind.String(), "seq", j.m.Seq, "err", err)
		}
		return
	}
	now := l.t.now()
	switch j.op {
	case opMove:
		w.store(j.leased, l.pol.deferLevel(time.Duration(r.notBefore-now.UnixNano())), r.tries, r.notBefore, r.first)
		return
	case opDefer:
		w.putOff(j.leased, j.down, j.until, now)
		return
	}
	if j.until < 0 { // a parked callback: gate it now
		l.mu.Lock()
		j.until, j.probe = l.gate(j.d, now.UnixNano())
		l.mu.Unlock()
		if j.until != 0 {
			w.putOff(j.leased, j.d, j.until, now)
			return
		}
	}
	l.inFlight.Add(1)
	err := w.attemptGuarded(now)
	l.inFlight.Add(-1)
	l.outcome(j.d, j.probe, err, now.UnixNano())
	if err == nil {
		if err := w.ack(j.leased, store.Write{}); err != nil {
			// Left leased: it comes back (and is sent again) after a restart.
			log.Error("thrower: remove delivered callback", "kind", l.kind.String(), "ref", string(r.ref), "err", err)
		}
		l.delivered.Add(1)
		requests[l.kind-1][outcomeOK].Inc()
		return
	}

	msg := redact.Text(err.Error())
	l.lastErr.Store(&lastError{msg: msg, at: now})
	tries := r.tries + 1
	first := r.first
	if first == 0 {
		first = now.UnixNano()
	}
	if l.pol.givenUp(tries, first, now.UnixNano()) {
		w.bury(j.leased, tries, first, now, msg)
		return
	}
	l.retries.Add(1)
	requests[l.kind-1][outcomeRetry].Inc()
	k := l.pol.retryLevel(tries)
	delay := l.pol.retryDelay(k)
	log.Debug("thrower: attempt failed, will retry", "kind", l.kind.String(), "ref", string(r.ref),
		"attempt", tries, "in", delay, "err", msg)
	w.store(j.leased, k, tries, now.Add(delay).UnixNano(), first)
}

// putOff sends c, not attempted, to the retry queue that brings it back
// at until or before (its destination d is down, or full when d is nil);
// one put off past its TTL goes to the dead letters.
func (w *worker) putOff(c leased, d *dest, until int64, now time.Time) {
	l, r := w.l, &w.rec
	first := r.first
	if first == 0 {
		first = now.UnixNano()
	}
	if l.pol.deferralExpired(first, now.UnixNano()) {
		w.bury(c, r.tries, first, now, redact.Text(l.downReason(d)))
		return
	}
	l.deferred.Add(1)
	k := l.pol.deferLevel(time.Duration(until - now.UnixNano()))
	w.store(c, k, r.tries, now.Add(l.pol.backoff(k)).UnixNano(), first)
}

// store writes c's record, with its count and times, to retry queue k and
// then removes it from its queue: only once the new record is durable
// does the old one go, so a crash between the two writes leaves both and
// the callback may be made once more (at-least-once).
func (w *worker) store(c leased, k int, tries uint32, notBefore, first int64) {
	l, log := w.l, w.l.t.log
	w.next = rewriteRecord(w.next[:0], c.m.Payload, tries, notBefore, first)
	w.msgs[0] = store.NewMsg{Payload: w.next}
	l.retry[k].Append(w.msgs[:], store.Write{}, w.addCB)
	w.msgs[0] = store.NewMsg{}
	if err := <-w.stored; err != nil {
		// The store refused: the old record, its count not advanced,
		// comes back after retry_delay rather than be lost.
		log.Error("thrower: store retry", "kind", l.kind.String(), "ref", string(w.rec.ref), "err", err)
		l.requeueLater(c)
		return
	}
	l.filled.Or(1 << k)
	l.poke()
	if err := w.ack(c, store.Write{}); err != nil {
		log.Error("thrower: remove retried record", "kind", l.kind.String(), "ref", string(w.rec.ref), "err", err)
	}
}

// requeueLater gives c back to its queue after retry_delay (the store
// could not take its retry record).
func (l *lane) requeueLater(c leased) {
	time.AfterFunc(max(l.pol.RetryDelay, time.Second), func() {
		if err := c.q.Requeue(c.m, 0); err != nil {
			l.t.log.Error("thrower: requeue", "kind", l.kind.String(), "err", err)
		}
		for k, q := range l.retry {
			if q == c.q {
				l.filled.Or(1 << k)
			}
		}
		l.poke()
	})
}

// bury moves c to the kind's dead letters, in the same write as its
// removal from the queue, with its attempts, times and last error.
func (w *worker) bury(c leased, tries uint32, first int64, now time.Time, lastErr string) {
	l, log, r := w.l, w.l.t.log, &w.rec
	id, put := l.dead.Put(store.DeadLetter{Attempts: tries, First: time.Unix(0, first), Last: now,
		LastError: lastErr, Record: c.m.Payload})
	if err := w.ack(c, put); err != nil {
		log.Error("thrower: store dead letter", "kind", l.kind.String(), "ref", string(r.ref), "err", err)
		l.requeueLater(c)
		return
	}
	l.failed.Add(1)
	requests[l.kind-1][outcomeFailed].Inc()
	log.Warn("thrower: gave up, kept as a dead letter", "kind", l.kind.String(), "ref", string(r.ref), "url", w.logURL(),
		"attempts", tries, "dead_letter", id, "err", lastErr)
}

var (
	ackJasmin = []byte("ACK/Jasmin")
	formType  = []byte("application/x-www-form-urlencoded")
	plainText = []byte("text/plain")
	strAccept = []byte("Accept")
	strGET    = []byte(fasthttp.MethodGet)
	strPOST   = []byte(fasthttp.MethodPost)
)

// errNoACK is an answer 200 without ACK/Jasmin.
var errNoACK = errors.New("answer 200 without ACK/Jasmin")

// attempt makes the request once and reports whether it was accepted.
func (w *worker) attempt(now time.Time) error {
	l, r, req, resp := w.l, &w.rec, w.req, w.resp
	req.Reset()
	resp.Reset()

	base := r.url
	if i := bytes.IndexByte(base, '#'); i >= 0 {
		base = base[:i]
	}
	uri := append(w.uri[:0], base...)
	method := strPOST
	if r.method == methodGET {
		method = strGET
		req.Header.SetMethodBytes(method)
		if len(r.params) > 0 {
			switch q := bytes.IndexByte(base, '?'); {
			case q < 0:
				uri = append(uri, '?')
			case q < len(base)-1 && base[len(base)-1] != '&':
				uri = append(uri, '&')
			}
			uri = appendForm(uri, r.params)
		}
	} else {
		req.Header.SetMethodBytes(method)
		if len(r.body) > 0 {
			req.Header.SetContentTypeBytes(r.contentType)
			req.SetBodyRaw(r.body)
		} else {
			w.form = appendForm(w.form[:0], r.params)
			req.Header.SetContentTypeBytes(formType)
			req.SetBodyRaw(w.form)
		}
	}
	w.uri = uri
	req.SetRequestURIBytes(uri)
	req.Header.SetUserAgent(l.userAgent)
	if r.accept == AcceptJasminACK {
		req.Header.SetBytesKV(strAccept, plainText)
	}
	client := l.client
	if r.userURL {
		client = l.userClient
	}
	if w.sign != nil {
		// Sign what goes on the request line: the URI as the client
		// will send it (no fragment, no credentials, "/" for no path).
		u := req.URI()
		u.DisablePathNormalizing = client.DisablePathNormalizing
		w.sign.sign(req, method, u.RequestURI(), now)
	}

	// Redirects are not followed (DoTimeout never does): a 3xx answer is
	// a failed attempt, so a receiver cannot send gwd elsewhere.
	if err := client.DoTimeout(req, resp, l.pol.Timeout); err != nil {
		return fmt.Errorf("request: %w", err)
	}
	status := resp.StatusCode()
	switch r.accept {
	case AcceptJasminACK:
		if status != fasthttp.StatusOK {
			return fmt.Errorf("answer %d, not 200", status)
		}
		if !bytes.Equal(bytes.TrimSpace(resp.Body()), ackJasmin) {
			return errNoACK
		}
	default:
		if status < 200 || status > 299 {
			return fmt.Errorf("answer %d, not 2xx", status)
		}
	}
	return nil
}

// logURL is the callback's URL for a log line: without its query string
// when Config.Privacy is set, and never with credentials (redact.URL:
// userinfo and password-like parameters masked).
func (w *worker) logURL() string {
	u := w.rec.url
	if i := bytes.IndexByte(u, '#'); i >= 0 {
		u = u[:i]
	}
	if w.l.t.privacy {
		if i := bytes.IndexByte(u, '?'); i >= 0 {
			u = u[:i]
		}
	}
	return redact.URL(string(u))
}

// appendForm appends params form-encoded (key=value&…), as Python's
// urlencode does: space as '+', letters, digits and "-._~" as they are,
// every other octet as %XX.
func appendForm(dst []byte, params []kv) []byte {
	for i, p := range params {
		if i > 0 {
			dst = append(dst, '&')
		}
		dst = appendEscaped(dst, p.key)
		dst = append(dst, '=')
		dst = appendEscaped(dst, p.value)
	}
	return dst
}

const upperHex = "0123456789ABCDEF"

func appendEscaped(dst, s []byte) []byte {
	for _, c := range s {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9',
			c == '-', c == '.', c == '_', c == '~':
			dst = append(dst, c)
		case c == ' ':
			dst = append(dst, '+')
		default:
			dst = append(dst, '%', upperHex[c>>4], upperHex[c&15])
		}
	}
	return dst
}
