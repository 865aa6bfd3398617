package gateway

import (
	"errors"

	"github.com/gwd-project/gwd/engine/mt"
	"github.com/gwd-project/gwd/engine/recovery"
	"github.com/gwd-project/gwd/router"
	"github.com/gwd-project/gwd/smpp"
)

// Scripts run on a small pool of worker goroutines ([scripts] workers,
// twice the CPUs by default), never on an event loop: interceptors, and
// the route and interceptor lookups an EvalPyFilter decides. A lookup is
// first made on the caller's goroutine without running scripts
// (router's LookupInline): most messages are answered there. One that
// needs a script is copied (the session's buffers are reused) and handed
// over; the worker makes the whole lookup and goes on — charge, store,
// and the answer through the caller's done, as the store's durable-write
// callback answers any message later. The hand-over queue is bounded
// ([scripts] queue): when it is full the message is refused at once
// (ScriptsBusyError: ESME_RTHROTTLED, HTTP 503 with Retry-After; an MO is
// answered ESME_RTHROTTLED) rather than blocking an event loop.

func (g *Gateway) startScripts() {
	g.scripts = make(chan func(), g.cfg.Scripts.Queue)
	for range g.cfg.Scripts.WorkerCount() {
		g.scriptWG.Add(1)
		go func() {
			defer g.scriptWG.Done()
			for f := range g.scripts {
				// A panic in a script run (gwd's script glue) costs that
				// message its answer, not the process.
				recovery.Run("scripts", g.log, f)
			}
		}()
	}
}

func (g *Gateway) stopScripts() {
	close(g.scripts)
	g.scriptWG.Wait()
}

// offload hands f to the script workers; false when their queue is full.
func (g *Gateway) offload(f func()) bool {
	select {
	case g.scripts <- f:
		return true
	default:
		return false
	}
}

// ScriptsBusyError refuses a message that needs a script (an interceptor,
// or a route an EvalPyFilter decides) while the script workers' queue is
// full ([scripts] queue; router.RefusedBusy): nothing was kept.
type ScriptsBusyError struct{}

// ScriptsBusyRetryAfter is the Retry-After, in seconds, of a
// ScriptsBusyError.
const ScriptsBusyRetryAfter = "1"

func (ScriptsBusyError) Error() string {
	return "gateway: script workers busy: message refused"
}
func (ScriptsBusyError) Kind() router.RefusalKind { return router.RefusedBusy }
func (ScriptsBusyError) Text() string             { return "Gateway busy, message not stored: retry later" }
func (ScriptsBusyError) RetryAfterHeader() string { return ScriptsBusyRetryAfter }

var errScriptsBusy router.Refusal = ScriptsBusyError{}

// submitScripted continues s on a script worker, where its route lookup
// may run scripts.
func (g *Gateway) submitScripted(s *mt.Submit, done func(string, error)) {
	cp := copySubmit(s)
	if !g.offload(func() { g.submit(cp, done, true) }) {
		done("", errScriptsBusy)
	}
}

// routeMOScripted continues an MO on a script worker, where its route
// lookup may run scripts; the SMSC is answered ESME_RTHROTTLED when the
// workers' queue is full.
func (g *Gateway) routeMOScripted(cid string, p *smpp.PDU, tags []int64, respond func(smpp.Status)) {
	cp := *p
	cp.Own()
	tags = append([]int64(nil), tags...)
	if !g.offload(func() { g.routeMO(cid, &cp, tags, respond, true) }) {
		respond(smpp.ESME_RTHROTTLED)
	}
}

// errNeedsScript is route's answer when the lookup needs a script and
// the caller may not run one.
var errNeedsScript = errors.New("gateway: the route lookup needs a script")
