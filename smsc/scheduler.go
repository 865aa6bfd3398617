package smsc

import (
	"container/heap"
	"errors"
	"sync"
	"time"

	"github.com/gwd-project/gwd/engine/session"
	"github.com/gwd-project/gwd/smpp"
)

type jobKind uint8

const (
	jobResp jobKind = iota
	jobReceipt
	jobMO
)

// job is delayed work: a held-back response, a receipt or an MO part.
type job struct {
	due   int64
	order uint64 // push order: jobs due at the same instant run first in, first out
	kind  jobKind

	// jobResp
	s      *session.Session
	cmd    smpp.CommandID
	seq    uint32
	status smpp.Status

	// jobReceipt and jobMO
	systemID string // receipts: the submitter; MO: a target, or "" for any
	msgID    string
	src, dst smpp.Address
	stat     string
	text     string
	submitAt time.Time
	attempts int
	mo       *smpp.PDU // jobMO: the part to send (owned)
}

type jobHeap []*job

func (h jobHeap) Len() int { return len(h) }
func (h jobHeap) Less(i, j int) bool {
	return h[i].due < h[j].due || h[i].due == h[j].due && h[i].order < h[j].order
}
func (h jobHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *jobHeap) Push(x any)   { *h = append(*h, x.(*job)) }
func (h *jobHeap) Pop() any {
	old := *h
	n := len(old)
	j := old[n-1]
	old[n-1] = nil
	*h = old[:n-1]
	return j
}

// scheduler runs delayed jobs from one goroutine, without a goroutine or
// timer per message.
type scheduler struct {
	sim    *Sim
	mu     sync.Mutex
	h      jobHeap
	pushed uint64
	kick   chan struct{}
	due    []*job
}

func newScheduler(sim *Sim) *scheduler {
	return &scheduler{sim: sim, kick: make(chan struct{}, 1)}
}

func (sc *scheduler) push(j *job) {
	sc.mu.Lock()
	sc.pushed++
	j.order = sc.pushed
	heap.Push(&sc.h, j)
	first := sc.h[0] == j
	sc.mu.Unlock()
	if first {
		select {
		case sc.kick <- struct{}{}:
		default:
		}
	}
}

func (sc *scheduler) run(stop <-chan struct{}) {
	t := time.NewTimer(time.Hour)
	defer t.Stop()
	for {
		now := time.Now().UnixNano()
		sc.mu.Lock()
		sc.due = sc.due[:0]
		for len(sc.h) > 0 && sc.h[0].due <= now {
			sc.due = append(sc.due, heap.Pop(&sc.h).(*job))
		}
		wait := time.Hour
		if len(sc.h) > 0 {
			wait = time.Duration(sc.h[0].due - now)
		}
		sc.mu.Unlock()
		for i, j := range sc.due {
			sc.sim.runJob(j)
			sc.due[i] = nil
		}
		t.Reset(wait)
		select {
		case <-stop:
			return
		case <-sc.kick:
		case <-t.C:
		}
	}
}

// retryDelay spaces deliver_sm retries after an error or a timeout
// (Config.DeliverAttempts of them).
const retryDelay = time.Second

func (sim *Sim) runJob(j *job) {
	switch j.kind {
	case jobResp:
		_ = j.s.Respond(j.cmd, j.seq, j.status, []byte(j.msgID))
	case jobReceipt:
		sim.sendReceipt(j)
	case jobMO:
		sim.sendMO(j)
	}
}

func (sim *Sim) later(j *job, d time.Duration) {
	j.due = time.Now().Add(d).UnixNano()
	sim.sched.push(j)
}

func (sim *Sim) sendReceipt(j *job) {
	b := sim.pickReceiver(j.systemID)
	if b == nil {
		sim.hold(j)
		return
	}
	p := receiptPDU(j)
	if _, err := b.s.Send(&p, j); err != nil {
		sim.sendFailed(j, err)
		return
	}
	sim.total.ReceiptsSent.Add(1)
	b.c.ReceiptsSent.Add(1)
}

// sendFailed parks a deliver_sm that found the window full until a
// response frees a slot; other failures (a bind going away) retry shortly.
func (sim *Sim) sendFailed(j *job, err error) {
	if errors.Is(err, session.ErrWindowFull) {
		sim.mu.Lock()
		if len(sim.blocked) < maxHeld {
			sim.blocked = append(sim.blocked, j)
			sim.mu.Unlock()
			return
		}
		sim.mu.Unlock()
	}
	sim.later(j, 10*time.Millisecond)
}

// unblock sends the oldest parked deliver_sm now that a slot is free.
func (sim *Sim) unblock(n int) {
	sim.mu.Lock()
	n = min(n, len(sim.blocked)-sim.blockedHead)
	// A copy: once the lock is released, parking appends into the same
	// backing array (found by the race detector under bench's load).
	jobs := append([]*job(nil), sim.blocked[sim.blockedHead:sim.blockedHead+n]...)
	sim.blockedHead += n
	if sim.blockedHead == len(sim.blocked) {
		sim.blocked, sim.blockedHead = sim.blocked[:0], 0
	}
	now := time.Now().UnixNano()
	for _, j := range jobs {
		j.due = now
	}
	sim.mu.Unlock()
	for _, j := range jobs {
		sim.sched.push(j)
	}
}

// hold keeps a receipt until its system_id binds a receiver.
func (sim *Sim) hold(j *job) {
	sim.mu.Lock()
	if len(sim.binds[j.systemID]) > 0 {
		// A receiver bound since pickReceiver looked, and Bound has
		// already released the held receipts: holding this one would
		// strand it until yet another bind.
		sim.mu.Unlock()
		sim.later(j, 0)
		return
	}
	defer sim.mu.Unlock()
	if sim.heldN >= maxHeld {
		sim.total.ReceiptsLost.Add(1)
		return
	}
	sim.held[j.systemID] = append(sim.held[j.systemID], j)
	sim.heldN++
}

// receiptPDU builds the deliver_sm receipt: esm_class 0x04, the SMPP v3.4
// Appendix B text, and the receipted_message_id and message_state TLVs.
func receiptPDU(j *job) smpp.PDU {
	p := smpp.PDU{Header: smpp.Header{Command: smpp.DeliverSM}}
	p.Source, p.Dest = j.src, j.dst
	p.EsmClass = 0x04
	now := time.Now()
	dlvrd, errCode := "000", "000"
	switch j.stat {
	case "DELIVRD":
		dlvrd = "001"
	case "UNDELIV", "REJECTD", "EXPIRED", "DELETED", "UNKNOWN":
		errCode = "001"
	}
	r := smpp.Receipt{
		ID: []byte(j.msgID), Sub: []byte("001"), Dlvrd: []byte(dlvrd),
		SubmitDate: j.submitAt.AppendFormat(nil, "0601021504"),
		DoneDate:   now.AppendFormat(nil, "0601021504"),
		Stat:       []byte(j.stat), Err: []byte(errCode), Text: []byte(j.text),
	}
	p.ShortMessage = r.AppendTo(nil)
	state, _ := smpp.MessageStateFromStat([]byte(j.stat))
	p.TLVs = smpp.TLVs(nil).AppendCString(smpp.TagReceiptedMessageID, []byte(j.msgID)).AppendUint8(smpp.TagMessageState, state)
	return p
}

// Response implements session.App for deliver_sm the simulator sent.
func (a *app) Response(s *session.Session, resp *smpp.PDU, ctx any) {
	sim := a.sim()
	defer sim.unblock(1)
	j, _ := ctx.(*job)
	if j == nil {
		return
	}
	b, _ := s.User.(*bind)
	ok := resp.Status == smpp.ESME_ROK
	switch j.kind {
	case jobReceipt:
		if ok {
			sim.rec.line("DLR", []byte(j.msgID), []byte(j.stat))
			sim.total.ReceiptsAcked.Add(1)
			if b != nil {
				b.c.ReceiptsAcked.Add(1)
			}
			return
		}
	case jobMO:
		if ok {
			sim.rec.line("MO", j.mo.ShortMessage)
			sim.total.MOAcked.Add(1)
			if b != nil {
				b.c.MOAcked.Add(1)
			}
			return
		}
	}
	sim.retry(j)
}

// NoResponse implements session.App: deliver_sm unanswered or cut off.
func (a *app) NoResponse(s *session.Session, cmd smpp.CommandID, seq uint32, ctx any, reason error) {
	if j, _ := ctx.(*job); j != nil {
		a.sim().retry(j)
	}
	a.sim().unblock(1)
}

func (sim *Sim) retry(j *job) {
	j.attempts++
	if j.attempts >= sim.cfg.DeliverAttempts {
		if j.kind == jobReceipt {
			sim.total.ReceiptsLost.Add(1)
		} else {
			sim.total.MOFailed.Add(1)
		}
		return
	}
	sim.later(j, retryDelay)
}
