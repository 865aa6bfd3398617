//go:build chaos

package chaos

import (
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/gwd-project/gwd/smpp"
)

// idleConns is how many idle TCP connections the flood holds open.
const idleConns = 10_000

// raiseNoFile lifts this process's open-file limit to its hard limit:
// the flood holds idleConns sockets, and gwd, started from here,
// inherits the limit. It returns the limit now.
func raiseNoFile() (uint64, error) {
	var l syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
		return 0, fmt.Errorf("getrlimit: %w", err)
	}
	l.Cur = l.Max
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
		return 0, fmt.Errorf("setrlimit: %w", err)
	}
	return l.Cur, nil
}

// noFile is the open-file limit TestMain set.
var noFile uint64

// floodSkip says why the flood cannot run here, if it cannot.
func floodSkip() string {
	if noFile < idleConns+2000 {
		return fmt.Sprintf("flood: the open-file limit is %d, the flood needs %d (raise the hard limit: ulimit -Hn)", noFile, idleConns+2000)
	}
	return ""
}

// acked is how many MT have been acknowledged so far.
func (h *harness) acked() int {
	h.led.mu.Lock()
	defer h.led.mu.Unlock()
	return len(h.led.acked)
}

// flood opens idleConns idle connections and starts ESMEs that pipeline
// submit_sm as fast as they can and never read an answer; meanwhile the
// normal load must keep being acknowledged.
func flood(t *testing.T, h *harness, m runMode) injected {
	var idle []net.Conn
	defer func() {
		for _, c := range idle {
			c.Close()
		}
	}()
	for len(idle) < idleConns {
		c, err := net.DialTimeout("tcp", h.addr(h.smppPort), 5*time.Second)
		if err != nil {
			t.Fatalf("idle connection %d: %v", len(idle)+1, err)
		}
		idle = append(idle, c)
	}
	const flooders = 2
	var written, cut atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range flooders {
		r, err := dialRaw(h)
		if err != nil {
			t.Fatalf("flooding ESME: %v", err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer r.close()
			batch := make([]smpp.PDU, 100)
			for s := uint32(2); ; {
				select {
				case <-stop:
					return
				default:
				}
				for i := range batch {
					batch[i] = submitPDU(s, nextContent("f"))
					s++
				}
				if err := r.write(time.Second, batch...); err != nil {
					if !strings.Contains(err.Error(), "timeout") {
						cut.Add(1) // gwd closed it: answers piled up unread
						return
					}
					continue
				}
				written.Add(int64(len(batch)))
			}
		}()
	}
	before := h.acked()
	served := waitFor(m.phase+10*time.Second, func() bool { return h.acked() >= before+1000 })
	time.Sleep(m.phase)
	close(stop)
	wg.Wait()
	if !served {
		t.Errorf("under the flood the normal load got %d acknowledgements, want 1000 more", h.acked()-before)
	}
	if h.gwd.exited() {
		t.Fatalf("gwd died under the flood:\n%s", h.gwd.tail(30))
	}
	return injected{fmt.Sprintf("%d idle connections; %d ESMEs pipelined %d submit_sm never reading (%d cut off by gwd)",
		idleConns, flooders, written.Load(), cut.Load()), 0}
}

// slowStore: every store commit waits (GWD_CHAOS_COMMIT_DELAY); ESMEs
// that pipeline far beyond the window get ESME_RTHROTTLED, and what they
// got ESME_ROK for reaches the SMSC.
func slowStore(t *testing.T, h *harness, m runMode) injected {
	const pipeliners, each = 4, 2000
	var wg sync.WaitGroup
	var mu sync.Mutex
	statuses := map[smpp.Status]int{}
	for range pipeliners {
		r, err := dialRaw(h)
		if err != nil {
			t.Fatalf("pipelining ESME: %v", err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer r.close()
			contents := map[uint32]string{}
			ps := make([]smpp.PDU, each)
			for i := range ps {
				seq := uint32(i + 2)
				contents[seq] = nextContent("p")
				ps[i] = submitPDU(seq, contents[seq])
			}
			if err := r.write(30*time.Second, ps...); err != nil {
				t.Errorf("pipelining: %v", err)
				return
			}
			for range each {
				cmd, st, seq, _, err := r.read(60 * time.Second)
				if err != nil {
					t.Errorf("answers of the pipelined submits: %v", err)
					return
				}
				if cmd != smpp.SubmitSMResp {
					continue
				}
				mu.Lock()
				statuses[st]++
				mu.Unlock()
				if st == smpp.ESME_ROK {
					h.led.ack(contents[seq], "") // no receipt asked for
				} else {
					h.led.refuse(st.String())
				}
			}
		}()
	}
	wg.Wait()
	time.Sleep(m.phase) // the mixed load, slowed, goes on
	if log := h.gwd.tail(1000); !strings.Contains(log, "every store commit waits "+commitDelay) {
		t.Errorf("gwd did not take GWD_CHAOS_COMMIT_DELAY (a build without -tags chaos?):\n%s", h.gwd.tail(10))
	}
	if statuses[smpp.ESME_RTHROTTLED] == 0 {
		t.Errorf("%d ESMEs pipelined %d submit_sm each against a slow store: answers %v, none ESME_RTHROTTLED", pipeliners, each, statuses)
	}
	return injected{fmt.Sprintf("every store commit %s late; %d ESMEs pipelined %d submit_sm each: %d ESME_ROK, %d ESME_RTHROTTLED",
		commitDelay, pipeliners, each, statuses[smpp.ESME_ROK], statuses[smpp.ESME_RTHROTTLED]), 0}
}

// commitDelay is the slow store's delay per group commit.
const commitDelay = "100ms"
