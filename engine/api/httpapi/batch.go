package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"
	"unsafe"

	"github.com/gwd-project/gwd/engine/recovery"
	"github.com/gwd-project/gwd/engine/thrower"
	"github.com/gwd-project/gwd/router"
	"github.com/gwd-project/gwd/store"
)

// Batches (POST /secure/sendbatch)
//
// A batch is checked whole when it arrives — every message and every
// destination validated as /send would validate it, its content encoded
// and split — and refused whole (400, nothing stored) if any part is bad;
// Jasmin skips such messages silently. An accepted batch is written to the
// store before the answer: its definition (object kind "batch") and its
// progress (kind "batch-state"), in one atomic write. Then it runs in the
// background on one of Options.BatchWorkers workers, at most
// Options.BatchRate messages per second and within the user's
// http_throughput (a batch waits for the quota rather than failing), each
// message going through the same checks and gateway as /send, with the
// user's credentials as they are when the message goes. Progress is saved
// after every window of Options.BatchWindow messages, so a restart resumes
// a batch where it was: a clean Close loses and repeats nothing, a crash
// may repeat at most the window in flight. A scheduled batch (schedule_at)
// waits in the store until its time, across restarts.
//
// Callbacks (batch_config callback_url / errback_url) are GET requests
// with batchId, to, status (1 or 0) and statusText (the HTTP API's answer,
// `Success "<id>"` or `Error "<reason>"`), in that order, one per message
// once its outcome is known. They are the thrower's callbacks of kind
// thrower.Batch (queue "throw/batch", Options.Thrower): stored durably,
// retried with back-off and kept as dead letters when given up, as DLRs
// are, made through the egress guard's dialer (the URL is the user's) and
// accepted on any 2xx answer, the body ignored (Jasmin's manual asks
// nothing of it). A window's callbacks are stored before its progress is: a crash
// may repeat the window in flight, its messages and callbacks, and loses
// no callback (at-least-once).
//
// GET /secure/batch/{batchId} shows a batch's progress (state scheduled,
// running, done or cancelled; total, sent, failed) and DELETE cancels a
// running or scheduled batch: the messages already handed to the gateway
// go, the others do not. Only the batch's owner sees or cancels it. The
// progress of a finished batch is kept Options.BatchRetention.

// Object kinds in the store.
const (
	kindBatch      = "batch"
	kindBatchState = "batch-state"
)

// Batches are work in progress, not configuration: profiles (jCli
// persist/load) neither copy nor replace them.
func init() {
	store.RegisterRuntimeKind(kindBatch)
	store.RegisterRuntimeKind(kindBatchState)
}

// Batch states.
const (
	stateScheduled = "scheduled"
	stateRunning   = "running"
	stateDone      = "done"
	stateCancelled = "cancelled"
)

// scheduleLayout is schedule_at's absolute form, in the server's local
// time.
const scheduleLayout = "2006-01-02 15:04:05"

// batchSpec is what a batch sends: stored once, never changed.
type batchSpec struct {
	ID          string         `json:"id"`
	UID         string         `json:"uid"`
	CallbackURL string         `json:"callback_url,omitempty"`
	ErrbackURL  string         `json:"errback_url,omitempty"`
	Messages    []batchMessage `json:"messages"`
}

// batchMessage is one message of a batch: its parameters (globals merged
// in, "to" left out) and its destinations.
type batchMessage struct {
	Params [][2]string `json:"params"`
	To     []string    `json:"to"`
}

// batchStatus is a batch's progress, stored after each window.
type batchStatus struct {
	ID         string    `json:"batchId"`
	UID        string    `json:"uid"`
	State      string    `json:"state"`
	Total      int       `json:"total"`
	Next       int       `json:"next"` // messages handed to the gateway (sent + failed)
	Sent       int       `json:"sent"`
	Failed     int       `json:"failed"`
	Created    time.Time `json:"created"`
	ScheduleAt time.Time `json:"schedule_at,omitzero"`
	Finished   time.Time `json:"finished,omitzero"`
}

// batchRun is a batch the server knows.
type batchRun struct {
	mu        sync.Mutex
	st        batchStatus
	spec      *batchSpec // nil until a worker loads it
	timer     *time.Timer
	stop      chan struct{} // closed on cancel
	queued    bool
	active    bool
	persistMu sync.Mutex // orders the writes of st
}

func (b *batchRun) state() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.st.State
}

// batches runs the server's batches.
type batches struct {
	s  *Server
	db *store.DB
	th Thrower

	mu      sync.Mutex
	cond    *sync.Cond
	all     map[string]*batchRun
	queue   []*batchRun
	closing bool

	quit chan struct{}
	wg   sync.WaitGroup
}

func newBatches(s *Server) *batches {
	m := &batches{s: s, db: s.opts.Store, th: s.opts.Thrower, all: make(map[string]*batchRun),
		quit: make(chan struct{})}
	m.cond = sync.NewCond(&m.mu)
	for range s.opts.BatchWorkers {
		m.wg.Add(1)
		go func() {
			defer m.wg.Done()
			recovery.Loop("httpapi", s.log, m.quit, m.work)
		}()
	}
	return m
}

// load picks up the batches in the store: unfinished and scheduled ones
// are scheduled again; finished ones past retention are deleted.
func (m *batches) load() error {
	if m.db == nil {
		return nil
	}
	objs, err := m.db.Objects(kindBatchState)
	if err != nil {
		return fmt.Errorf("read batches: %w", err)
	}
	now := m.s.now()
	var errs []error
	for _, o := range objs {
		var st batchStatus
		if err := json.Unmarshal(o.Value, &st); err != nil || st.ID != o.ID {
			errs = append(errs, fmt.Errorf("batch %s: unreadable progress: %v", o.ID, err))
			continue
		}
		b := &batchRun{st: st, stop: make(chan struct{})}
		switch st.State {
		case stateDone, stateCancelled:
			if now.Sub(st.Finished) > m.s.opts.BatchRetention {
				if err := m.db.DeleteObject(kindBatchState, st.ID); err != nil {
					errs = append(errs, fmt.Errorf("batch %s: delete: %w", st.ID, err))
				}
				continue
			}
			m.mu.Lock()
			m.all[st.ID] = b
			m.mu.Unlock()
		default:
			m.mu.Lock()
			m.all[st.ID] = b
			m.mu.Unlock()
			m.schedule(b)
		}
	}
	return errors.Join(errs...)
}

// schedule queues b now or at its schedule_at.
func (m *batches) schedule(b *batchRun) {
	b.mu.Lock()
	at := b.st.ScheduleAt
	b.mu.Unlock()
	if d := at.Sub(m.s.now()); !at.IsZero() && d > 0 {
		b.mu.Lock()
		b.timer = time.AfterFunc(d, func() { m.enqueue(b) })
		b.mu.Unlock()
		return
	}
	m.enqueue(b)
}

func (m *batches) enqueue(b *batchRun) {
	b.mu.Lock()
	if b.st.State == stateCancelled || b.st.State == stateDone || b.queued {
		b.mu.Unlock()
		return
	}
	b.queued = true
	b.mu.Unlock()
	m.mu.Lock()
	if !m.closing {
		m.queue = append(m.queue, b)
		m.cond.Signal()
	}
	m.mu.Unlock()
}

// next waits for a batch to run; nil when closing.
func (m *batches) next() *batchRun {
	m.mu.Lock()
	defer m.mu.Unlock()
	for len(m.queue) == 0 && !m.closing {
		m.cond.Wait()
	}
	if m.closing {
		return nil
	}
	b := m.queue[0]
	m.queue[0] = nil
	m.queue = m.queue[1:]
	return b
}

func (m *batches) work() {
	for {
		b := m.next()
		if b == nil {
			return
		}
		m.run(b)
	}
}

// close stops the workers (each saves its batch's progress first, its
// window's callbacks stored).
func (m *batches) close() {
	m.mu.Lock()
	m.closing = true
	for _, b := range m.all {
		b.mu.Lock()
		if b.timer != nil {
			b.timer.Stop()
		}
		b.mu.Unlock()
	}
	m.cond.Broadcast()
	m.mu.Unlock()
	close(m.quit)
	m.wg.Wait()
}

func (m *batches) isClosing() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.closing
}

func (m *batches) get(id string) *batchRun {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.all[id]
}

// persist writes b's progress. Writes are ordered: the last one holds the
// latest progress.
func (m *batches) persist(b *batchRun) error {
	b.persistMu.Lock()
	defer b.persistMu.Unlock()
	b.mu.Lock()
	v, err := json.Marshal(&b.st)
	id := b.st.ID
	b.mu.Unlock()
	if err != nil {
		return fmt.Errorf("batch %s: encode progress: %w", id, err)
	}
	if err := m.db.PutObject(kindBatchState, id, v); err != nil {
		return fmt.Errorf("batch %s: save progress: %w", id, err)
	}
	return nil
}

// finish records a batch's end (done or cancelled) and drops its
// definition from the store.
func (m *batches) finish(b *batchRun, state string) {
	b.mu.Lock()
	if b.st.State != stateCancelled {
		b.st.State = state
	}
	b.st.Finished = m.s.now()
	id := b.st.ID
	b.mu.Unlock()
	if err := m.persist(b); err != nil {
		m.s.log.Error("httpapi: batch end", "batch", id, "err", err)
		return
	}
	if err := m.db.DeleteObject(kindBatch, id); err != nil {
		m.s.log.Error("httpapi: batch end", "batch", id, "err", err)
	}
}

// loadSpec returns b's definition, read from the store the first time.
func (m *batches) loadSpec(b *batchRun) (*batchSpec, error) {
	b.mu.Lock()
	spec, id := b.spec, b.st.ID
	b.mu.Unlock()
	if spec != nil {
		return spec, nil
	}
	v, err := m.db.Object(kindBatch, id)
	if err != nil {
		return nil, fmt.Errorf("batch %s: read definition: %w", id, err)
	}
	spec = new(batchSpec)
	if err := json.Unmarshal(v, spec); err != nil {
		return nil, fmt.Errorf("batch %s: decode definition: %w", id, err)
	}
	b.mu.Lock()
	b.spec = spec
	b.mu.Unlock()
	return spec, nil
}

// sleepUntil waits until t; false when b was cancelled or the server is
// closing.
func (m *batches) sleepUntil(b *batchRun, t time.Time) bool {
	select {
	case <-b.stop:
		return false
	case <-m.quit:
		return false
	default:
	}
	d := time.Until(t)
	if d <= 0 {
		return true
	}
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-tm.C:
		return true
	case <-b.stop:
		return false
	case <-m.quit:
		return false
	}
}

// flight is one batch message handed to the gateway.
type flight struct {
	j       *sendJob
	msg     *batchMessage
	to      string
	o       outcome
	started bool
}

// run sends b's remaining messages.
func (m *batches) run(b *batchRun) {
	b.mu.Lock()
	b.queued = false
	if b.st.State == stateCancelled || b.st.State == stateDone {
		b.mu.Unlock()
		return
	}
	b.active = true
	b.st.State = stateRunning
	id := b.st.ID
	b.mu.Unlock()
	defer func() {
		b.mu.Lock()
		b.active = false
		b.mu.Unlock()
	}()
	spec, err := m.loadSpec(b)
	if err != nil && (errors.Is(err, store.ErrClosed) || m.isClosing()) {
		return // not the batch's fault: it runs on the next start
	}
	if err != nil {
		// Without its definition the batch cannot run: count the rest
		// failed and end it, rather than retry forever.
		m.s.log.Error("httpapi: batch cannot run", "batch", id, "err", err)
		b.mu.Lock()
		b.st.Failed += b.st.Total - b.st.Next
		b.st.Next = b.st.Total
		b.mu.Unlock()
		m.finish(b, stateDone)
		return
	}
	if err := m.persist(b); err != nil {
		m.s.log.Error("httpapi: batch", "batch", id, "err", err)
		return
	}
	offsets := make([]int, len(spec.Messages)+1)
	for i, msg := range spec.Messages {
		offsets[i+1] = offsets[i] + len(msg.To)
	}
	total := offsets[len(spec.Messages)]
	interval := time.Duration(float64(time.Second) / m.s.opts.BatchRate)
	pace := time.Now()
	fl := make([]flight, 0, m.s.opts.BatchWindow)
	cbs := m.newCallbacks(spec)
	for {
		b.mu.Lock()
		k, state := b.st.Next, b.st.State
		b.mu.Unlock()
		if state == stateCancelled || k >= total {
			break
		}
		n := min(m.s.opts.BatchWindow, total-k)
		fl = fl[:0]
		interrupted := false
		for i := range n {
			if !m.sleepUntil(b, pace) {
				interrupted = true
				break
			}
			if now := time.Now(); pace.Before(now.Add(-interval)) {
				pace = now
			}
			pace = pace.Add(interval)
			mi := sort.SearchInts(offsets, k+i+1) - 1
			msg := &spec.Messages[mi]
			to := msg.To[k+i-offsets[mi]]
			f := flight{j: m.s.getJob(), msg: msg, to: to}
			f.o, f.started, interrupted = m.start(b, f.j, spec.UID, msg, to)
			if interrupted {
				m.s.putJob(f.j)
				break
			}
			fl = append(fl, f)
		}
		sent, failed := 0, 0
		for i := range fl {
			f := &fl[i]
			if !m.settle(b, spec.UID, f) {
				return // cancelled or closing: the window goes again on the next start
			}
			if f.o.ok() {
				sent++
			} else {
				failed++
			}
			cbs.throw(f, i)
		}
		if !cbs.wait(fl) {
			return // progress not saved: the window goes again on the next start
		}
		b.mu.Lock()
		b.st.Next += len(fl)
		b.st.Sent += sent
		b.st.Failed += failed
		b.mu.Unlock()
		if err := m.persist(b); err != nil {
			m.s.log.Error("httpapi: batch", "batch", id, "err", err)
			return
		}
		if interrupted {
			select {
			case <-m.quit:
				return // resumes on the next start
			default:
			}
		}
	}
	if b.state() == stateCancelled {
		m.finish(b, stateCancelled)
		return
	}
	m.finish(b, stateDone)
}

// settle waits for f's outcome. A message the gateway refused for a
// passing reason — the store busy, its disk full, the connector's queue
// full — is not failed: the batch was acknowledged, so its messages wait
// (the refusal's Retry-After, doubling to transientMaxWait) and go again.
// False when the batch was cancelled or the server is closing meanwhile.
func (m *batches) settle(b *batchRun, uid string, f *flight) bool {
	wait := time.Second
	for {
		reuse := true
		if f.started {
			f.o, reuse = m.s.await(f.j)
		}
		if reuse {
			m.s.putJob(f.j)
		}
		f.j = nil
		if !transient(f.o.err) {
			return true
		}
		mTransientRetries.Inc()
		if !m.sleepUntil(b, time.Now().Add(wait)) {
			return false
		}
		wait = min(2*wait, transientMaxWait)
		f.j = m.s.getJob()
		var interrupted bool
		f.o, f.started, interrupted = m.start(b, f.j, uid, f.msg, f.to)
		if interrupted {
			m.s.putJob(f.j)
			return false
		}
	}
}

// transientMaxWait is the longest pause between two tries of a batch
// message the gateway refused for a passing reason.
const transientMaxWait = 10 * time.Second

// transient says whether err is a refusal that passes by itself.
func transient(err error) bool {
	var rf router.Refusal
	if err == nil || !errors.As(err, &rf) {
		return false
	}
	switch rf.Kind() {
	case router.RefusedBusy, router.RefusedDiskFull, router.RefusedQueueFull:
		return true
	}
	return false
}

// maxThroughputWait is the longest a batch message waits for the user's
// http_throughput before it fails.
const maxThroughputWait = 30 * time.Second

// start validates, checks and hands one batch message to the gateway.
// started is false when it was refused before (o says why); interrupted
// when the batch was cancelled or the server is closing while it waited
// for the user's throughput quota (nothing was handed over then).
func (m *batches) start(b *batchRun, j *sendJob, uid string, msg *batchMessage, to string) (o outcome, started, interrupted bool) {
	mRequests.Inc()
	j.args = j.args[:0]
	for _, p := range msg.Params {
		j.args = append(j.args, arg{stringBytes(p[0]), stringBytes(p[1])})
	}
	j.args = append(j.args, arg{[]byte("to"), stringBytes(to)})
	if err := j.req.parse(j.args, epBatch, true); err != nil {
		return refused(err), false, false
	}
	if err := m.s.prepare(j, uid); err != nil {
		return refused(err), false, false
	}
	u := j.sub.User
	deadline := time.Now().Add(maxThroughputWait)
	for !u.Allow(router.ChannelHTTP) {
		if time.Now().After(deadline) {
			return refused(router.ErrThroughputExceeded), false, false
		}
		wait := 50 * time.Millisecond
		if q := u.MT.Quota.HTTPThroughput; q.Set && q.V > 0 {
			wait = min(time.Duration(int64(1e15)/int64(q.V)), time.Second)
		}
		if !m.sleepUntil(b, time.Now().Add(wait)) {
			return outcome{}, false, true
		}
	}
	m.s.b.SubmitMT(&j.sub, j.done)
	return outcome{}, true, false
}

// batchCallbacks stores one window's callbacks with the thrower: one
// per message of the window, each Throw answered on res by its slot.
// Everything is made once per run and reused window after window.
type batchCallbacks struct {
	m      *batches
	spec   *batchSpec
	cb     thrower.Callback
	params [4]thrower.Param
	text   []byte
	res    chan cbResult
	dones  []func(error)
	n      int // Throws not answered yet
}

type cbResult struct {
	i   int // the flight's index in its window
	err error
}

// busyRetry is the pause before a callback the store refused as busy
// (store.ErrBusy) is thrown again.
const busyRetry = 50 * time.Millisecond

func (m *batches) newCallbacks(spec *batchSpec) *batchCallbacks {
	c := &batchCallbacks{m: m, spec: spec, res: make(chan cbResult, m.s.opts.BatchWindow),
		dones: make([]func(error), m.s.opts.BatchWindow)}
	for i := range c.dones {
		c.dones[i] = func(err error) { c.res <- cbResult{i, err} }
	}
	c.cb = thrower.Callback{Kind: thrower.Batch, Method: "GET", Ref: spec.ID, UserURL: true}
	if m.th == nil && (spec.CallbackURL != "" || spec.ErrbackURL != "") {
		// Accepted by a server that had one; resumed by one without.
		m.s.log.Error("httpapi: batch callbacks lost: no callback thrower", "batch", spec.ID)
	}
	return c
}

// throw hands the callback of flight i, if the batch asked for it, to the
// thrower: GET with batchId, to, status (1 or 0) and statusText
// (`Success "<id>"` or `Error "<reason>"`), in that order, as Jasmin
// sends them.
func (c *batchCallbacks) throw(f *flight, i int) {
	base, status := c.spec.CallbackURL, "1"
	c.text = append(c.text[:0], `Success "`...)
	c.text = append(c.text, f.o.id...)
	if !f.o.ok() {
		base, status = c.spec.ErrbackURL, "0"
		c.text = append(c.text[:0], `Error "`...)
		c.text = append(c.text, f.o.msg...)
	}
	if base == "" {
		return
	}
	if c.m.th == nil {
		mCallbackErrors.Inc()
		return
	}
	c.text = append(c.text, '"')
	c.params = [4]thrower.Param{{Key: "batchId", Value: c.spec.ID}, {Key: "to", Value: f.to},
		{Key: "status", Value: status}, {Key: "statusText", Value: unsafeString(c.text)}}
	c.cb.URL, c.cb.Params = base, c.params[:]
	c.n++
	c.m.th.Throw(&c.cb, c.dones[i]) // copies what it stores before it returns
}

// wait returns once every callback thrown is stored: true when the
// window's progress may be saved. A callback the store refuses as busy is
// thrown again; false when the server closes meanwhile, or the thrower or
// the store closed, so the window's progress is not saved and it is sent
// again, callbacks included, on the next start (at-least-once). Other
// errors (a failed store) lose the callback: logged and counted in
// httpapi_batch_callback_error_count, as are those of a server without a
// thrower.
func (c *batchCallbacks) wait(fl []flight) bool {
	ok := true
	for c.n > 0 {
		r := <-c.res
		c.n--
		switch {
		case r.err == nil:
		case errors.Is(r.err, thrower.ErrClosed) || errors.Is(r.err, store.ErrClosed):
			ok = false
		case errors.Is(r.err, store.ErrBusy) && ok:
			select {
			case <-c.m.quit:
				ok = false
			case <-time.After(busyRetry):
				c.throw(&fl[r.i], r.i)
			}
		default:
			mCallbackErrors.Inc()
			c.m.s.log.Error("httpapi: batch callback not stored, lost", "batch", c.spec.ID, "to", fl[r.i].to,
				"err", r.err)
		}
	}
	return ok
}

// cancel stops a running or scheduled batch; conflict is true when it
// had already ended.
func (m *batches) cancel(b *batchRun) (st batchStatus, conflict bool, err error) {
	b.mu.Lock()
	switch b.st.State {
	case stateDone, stateCancelled:
		st = b.st
		b.mu.Unlock()
		return st, true, nil
	}
	b.st.State = stateCancelled
	if b.timer != nil {
		b.timer.Stop()
	}
	close(b.stop)
	idle := !b.active
	b.mu.Unlock()
	if idle {
		// No worker has it: end it here (a worker that pops it later
		// sees it cancelled).
		m.finish(b, stateCancelled)
	} else {
		// The worker ends it once the messages in flight are answered.
		err = m.persist(b)
	}
	b.mu.Lock()
	st = b.st
	b.mu.Unlock()
	return st, false, err
}

// stringBytes views s as bytes that nobody writes.
func stringBytes(s string) []byte {
	return unsafe.Slice(unsafe.StringData(s), len(s))
}
