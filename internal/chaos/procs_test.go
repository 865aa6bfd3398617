//go:build chaos

package chaos

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// bins are the binaries TestMain builds once for every scenario.
var bins struct{ gwd, sim string }

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "gwd-chaos-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "chaos:", err)
		os.Exit(1)
	}
	if noFile, err = raiseNoFile(); err != nil {
		fmt.Fprintln(os.Stderr, "chaos:", err)
		os.Exit(1)
	}
	bins.gwd, bins.sim = filepath.Join(dir, "gwd"), filepath.Join(dir, "smppsim")
	for _, b := range [][]string{{"-tags", "chaos", "-o", bins.gwd, "./cmd/gwd"}, {"-o", bins.sim, "./cmd/smppsim"}} {
		cmd := exec.Command("go", append([]string{"build"}, b...)...)
		cmd.Dir = "../.." // the module root, from this package's directory
		if out, err := cmd.CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "chaos: go build %v: %v\n%s", b, err, out)
			os.RemoveAll(dir)
			os.Exit(1)
		}
	}
	code := m.Run()
	if err := printSummary(); err != nil {
		fmt.Fprintln(os.Stderr, "chaos:", err)
		code = 1
	}
	os.RemoveAll(dir)
	os.Exit(code)
}

// freePort returns a loopback TCP port nothing listens on now.
func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// waitFor polls cond until it holds or d passes; it reports whether it held.
func waitFor(d time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(d)
	for {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// listening reports whether something accepts TCP connections at addr.
func listening(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
	if err != nil {
		return false
	}
	c.Close()
	return true
}

// proc is a child process whose output goes to a log file.
type proc struct {
	cmd  *exec.Cmd
	log  string
	done chan struct{}
}

func startProc(t testing.TB, log string, env []string, bin string, args ...string) *proc {
	t.Helper()
	f, err := os.OpenFile(log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = f, f
	cmd.Env = append(os.Environ(), env...)
	if err := cmd.Start(); err != nil {
		f.Close()
		t.Fatalf("start %s: %v", bin, err)
	}
	p := &proc{cmd: cmd, log: log, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); f.Close(); close(p.done) }()
	return p
}

func (p *proc) pid() int { return p.cmd.Process.Pid }

// exited reports whether the process has ended.
func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// kill sends sig and waits for the process to end (SIGKILL after 10 s).
func (p *proc) kill(sig syscall.Signal) {
	_ = p.cmd.Process.Signal(sig)
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// tail returns the last lines of the process's log, for failure messages.
func (p *proc) tail(n int) string {
	b, _ := os.ReadFile(p.log)
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// procStatusKB reads a field (VmRSS, VmHWM) of /proc/PID/status in KiB.
func procStatusKB(pid int, field string) int64 {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), field+":"); ok {
			n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return n
		}
	}
	return 0
}

// rssSampler follows gwd's RSS through restarts: VmRSS every 100 ms, and
// VmHWM (the kernel's own peak) whenever a process is about to end.
type rssSampler struct {
	pid  atomic.Int64
	mu   sync.Mutex
	max  int64 // KiB, the highest of every sample and VmHWM
	stop chan struct{}
	wg   sync.WaitGroup
}

func newRSSSampler() *rssSampler {
	r := &rssSampler{stop: make(chan struct{})}
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-r.stop:
				return
			case <-t.C:
				if pid := r.pid.Load(); pid > 0 {
					r.note(procStatusKB(int(pid), "VmRSS"))
				}
			}
		}
	}()
	return r
}

func (r *rssSampler) note(kb int64) {
	r.mu.Lock()
	r.max = max(r.max, kb)
	r.mu.Unlock()
}

// peak notes VmHWM of pid: call it before the process ends.
func (r *rssSampler) peak(pid int) { r.note(procStatusKB(pid, "VmHWM")) }

// maxMB is the highest RSS seen, in MiB.
func (r *rssSampler) maxMB() int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.max / 1024
}

func (r *rssSampler) close() { close(r.stop); r.wg.Wait() }
