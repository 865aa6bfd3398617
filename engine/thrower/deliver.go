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

// feed takes ready callbacks from the queue and hands them to the workers
// (or, when their destination is at its limit, parks them; see admit),
// sleeping until an append lands, a worker requeues, a retry falls due or
// Close.
func (l *lane) feed() {
	stop := l.t.stop
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	var key []byte
	for {
		select {
		case <-stop:
			return
		default:
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
			j, ok := l.admit(m, &key)
			if !ok {
				continue
			}
			select {
			case l.jobs <- j:
			case <-stop:
				if j.d != nil {
					l.mu.Lock()
					j.d.inFlight--
					l.mu.Unlock()
				}
				_ = l.q.Requeue(m, 0) // back to ready; its record never left the store
				return
			}
			continue
		}
		var due <-chan time.Time
		if next := l.q.NextDue(); !next.IsZero() {
			d := max(time.Until(next), time.Millisecond)
			timer.Reset(d)
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

// poke makes the feeder look at the queue again (a requeue changed the
// next due time).
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
		// Done with one callback, the worker goes on with those waiting
		// for the same destination, in the slot it holds.
		for m := j.m; m != nil; m = l.next(j.d) {
			w.handleGuarded(m)
		}
	}
}

// handleGuarded is handle with a recover: a panic outside the request
// (the request's own is a failed attempt, see attemptGuarded) drops the
// record, as a corrupt one is dropped, rather than retry it into the
// same bug forever; it is logged with its stack and counted in
// gwd_panics_total{where="thrower"}, and the worker goes on.
func (w *worker) handleGuarded(m *store.Msg) {
	defer func() {
		if v := recover(); v != nil {
			recovery.Report("thrower", w.l.t.log, v)
			w.l.corrupt.Add(1)
			if err := w.ack(m); err != nil {
				w.l.t.log.Error("thrower: drop callback after a panic", "kind", w.l.kind.String(), "seq", m.Seq, "err", err)
			}
		}
	}()
	w.handle(m)
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

func (w *worker) ack(m *store.Msg) error {
	w.l.q.Ack(m, store.Write{}, w.ackCB)
	return <-w.stored
}

// handle makes one attempt at m's callback (due: admit saw to that) and
// stores the outcome.
func (w *worker) handle(m *store.Msg) {
	l, log := w.l, w.l.t.log
	r := &w.rec
	if err := r.decode(m.Payload); err != nil {
		l.corrupt.Add(1)
		corruptRecords[l.kind-1].Inc()
		log.Error("thrower: dropping corrupt record", "kind", l.kind.String(), "seq", m.Seq, "err", err)
		if err := w.ack(m); err != nil {
			log.Error("thrower: drop corrupt record", "kind", l.kind.String(), "seq", m.Seq, "err", err)
		}
		return
	}
	now := l.t.now()
	l.inFlight.Add(1)
	err := w.attemptGuarded(now)
	l.inFlight.Add(-1)
	if err == nil {
		if err := w.ack(m); err != nil {
			// Left leased: it comes back (and is sent again) after a restart.
			log.Error("thrower: remove delivered callback", "kind", l.kind.String(), "ref", string(r.ref), "err", err)
		}
		l.delivered.Add(1)
		requests[l.kind-1][outcomeOK].Inc()
		return
	}

	l.lastErr.Store(&lastError{msg: redact.Text(err.Error()), at: now})
	tries := r.tries + 1
	if int64(tries) > int64(l.pol.MaxRetries) {
		l.failed.Add(1)
		requests[l.kind-1][outcomeFailed].Inc()
		log.Warn("thrower: gave up", "kind", l.kind.String(), "ref", string(r.ref), "url", w.logURL(),
			"attempts", tries, "err", redact.Text(err.Error()))
		if err := w.ack(m); err != nil {
			log.Error("thrower: remove failed callback", "kind", l.kind.String(), "ref", string(r.ref), "err", err)
		}
		return
	}
	l.retries.Add(1)
	requests[l.kind-1][outcomeRetry].Inc()
	log.Debug("thrower: attempt failed, will retry", "kind", l.kind.String(), "ref", string(r.ref),
		"attempt", tries, "in", l.pol.RetryDelay, "err", redact.Text(err.Error()))
	// The retry is a new record carrying the count and its time; only once
	// it is durable does the old one go.
	w.next = retryRecord(w.next[:0], m.Payload, tries, now.Add(l.pol.RetryDelay).UnixNano())
	w.msgs[0] = store.NewMsg{Payload: w.next}
	l.q.Append(w.msgs[:], store.Write{}, w.addCB)
	w.msgs[0] = store.NewMsg{}
	if err := <-w.stored; err != nil {
		// The store refused: retry from memory (the old record, its count
		// not advanced) rather than lose the callback.
		log.Error("thrower: store retry", "kind", l.kind.String(), "ref", string(r.ref), "err", err)
		if err := l.q.Requeue(m, l.pol.RetryDelay); err != nil {
			log.Error("thrower: requeue", "kind", l.kind.String(), "err", err)
		}
		l.poke()
		return
	}
	if err := w.ack(m); err != nil {
		log.Error("thrower: remove retried record", "kind", l.kind.String(), "ref", string(r.ref), "err", err)
	}
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
