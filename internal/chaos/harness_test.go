//go:build chaos

package chaos

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Credentials of the account the load uses, and of gwd's admin API
// (its loopback-only defaults).
const (
	user, password = "chaos", "chaospw"
	adminUser      = "jcliadmin"
	adminPassword  = "jclipwd"
	// moToHTTP is the MO destination routed to the HTTP connector; every
	// other MO goes to the ESMEs.
	moToHTTP, moToESME = "5555", "1234"
)

// harness is one scenario's world: smppsim, gwd on its own store, the
// callback receiver and the ledger of what was acknowledged and received.
type harness struct {
	t    *testing.T
	dir  string
	sim  *proc
	gwd  *proc
	recv *receiver
	led  *ledger
	rss  *rssSampler

	simPort, simStats                                    int
	smppPort, httpPort, adminPort, jcliPort, junebugPort int
	gwdSet                                               []string // extra -set for gwd
	gwdEnv                                               []string
	storeDir                                             string
	record                                               string // smppsim's -record file
	client                                               *http.Client
	// endLoad stops the scenario's load (once; faults may end it early).
	endLoad func()
}

// newHarness starts smppsim and gwd, configures gwd through its admin API
// (a connector to the simulator, the chaos account, MT and MO routes), and
// the receiver. Everything stops when the test ends.
func newHarness(t *testing.T, gwdSet, gwdEnv []string, storeDir string) *harness {
	dir := t.TempDir()
	if storeDir == "" {
		storeDir = filepath.Join(dir, "store")
	}
	h := &harness{t: t, dir: dir, gwdSet: gwdSet, gwdEnv: gwdEnv, storeDir: storeDir,
		record: filepath.Join(dir, "smsc.record"), client: &http.Client{Timeout: 10 * time.Second}}
	h.simPort, h.simStats = freePort(t), freePort(t)
	h.smppPort, h.httpPort, h.adminPort, h.jcliPort, h.junebugPort = freePort(t), freePort(t), freePort(t), freePort(t), freePort(t)
	h.led = newLedger()
	h.recv = startReceiver(t, h.led)
	h.rss = newRSSSampler()
	t.Cleanup(h.rss.close)
	h.sim = startProc(t, filepath.Join(dir, "smppsim.log"), nil, bins.sim,
		"-listen", fmt.Sprintf("127.0.0.1:%d", h.simPort), "-stats", fmt.Sprintf("127.0.0.1:%d", h.simStats),
		"-record", h.record, "-window", "1000", "-receipt-delay", "20ms", "-receipt-delay-max", "300ms",
		// As a real SMSC, it keeps a receipt or MO gwd refused (killed, disk
		// full) for minutes, not 5 s.
		"-deliver-attempts", "600")
	t.Cleanup(func() { h.sim.kill(syscall.SIGTERM) })
	if !waitFor(10*time.Second, func() bool { return listening(fmt.Sprintf("127.0.0.1:%d", h.simStats)) }) {
		t.Fatalf("smppsim did not start:\n%s", h.sim.tail(20))
	}
	h.startGwd()
	t.Cleanup(func() {
		if h.gwd != nil && !h.gwd.exited() {
			h.rss.peak(h.gwd.pid())
			h.gwd.kill(syscall.SIGTERM)
		}
	})
	h.configure()
	return h
}

// startGwd starts gwd on the harness's store and waits for its listeners.
func (h *harness) startGwd() {
	h.t.Helper()
	args := []string{
		"-set", "store.path=" + h.storeDir, "-set", "store.sync=true",
		"-set", "smpp-server.bind=127.0.0.1", "-set", "smpp-server.port=" + strconv.Itoa(h.smppPort),
		"-set", "http-api.bind=127.0.0.1", "-set", "http-api.port=" + strconv.Itoa(h.httpPort),
		"-set", "admin-api.port=" + strconv.Itoa(h.adminPort), "-set", "jcli.port=" + strconv.Itoa(h.jcliPort),
		"-set", "junebug.port=" + strconv.Itoa(h.junebugPort),
		"-set", "callbacks.allow_networks=127.0.0.0/8", "-set", "log.level=warn",
		"-set", "dlr-thrower.retry_delay=1", "-set", "deliversm-thrower.retry_delay=1",
		"-set", "dlr-thrower.max_retries=100", "-set", "deliversm-thrower.max_retries=100",
	}
	for _, s := range h.gwdSet {
		args = append(args, "-set", s)
	}
	if a := os.Getenv("CHAOS_PPROF"); a != "" {
		args = append(args, "-pprof", a) // profile gwd while a scenario runs
	}
	h.gwd = startProc(h.t, filepath.Join(h.dir, "gwd.log"), h.gwdEnv, bins.gwd, args...)
	h.rss.pid.Store(int64(h.gwd.pid()))
	up := waitFor(20*time.Second, func() bool {
		return h.gwd.exited() || listening(h.addr(h.smppPort)) && listening(h.addr(h.httpPort)) && listening(h.addr(h.adminPort))
	})
	if !up || h.gwd.exited() {
		h.t.Fatalf("gwd did not start:\n%s", h.gwd.tail(30))
	}
}

// keepLogs copies gwd's and smppsim's logs and smppsim's record out of
// the test's directory (removed when it ends), for a failure's post-mortem.
func (h *harness) keepLogs() {
	dir, err := os.MkdirTemp("", "gwd-chaos-"+strings.ReplaceAll(h.t.Name(), "/", "-")+"-")
	if err != nil {
		h.t.Logf("keep logs: %v", err)
		return
	}
	for _, name := range []string{"gwd.log", "smppsim.log", "smsc.record"} {
		b, err := os.ReadFile(filepath.Join(h.dir, name))
		if err == nil {
			err = os.WriteFile(filepath.Join(dir, name), b, 0o644)
		}
		if err != nil {
			h.t.Logf("keep %s: %v", name, err)
		}
	}
	h.t.Logf("logs kept in %s", dir)
}

// killGwd SIGKILLs gwd (its VmHWM noted first) and starts it again on
// the same store.
func (h *harness) killGwd() {
	h.rss.peak(h.gwd.pid())
	h.gwd.kill(syscall.SIGKILL)
	h.startGwd()
}

func (h *harness) addr(port int) string { return fmt.Sprintf("127.0.0.1:%d", port) }

// configure adds, through the admin API, what the load needs. It is
// durable: a restarted gwd has it.
func (h *harness) configure() {
	h.t.Helper()
	for _, c := range []struct{ path, body string }{
		{"/admin/connectors", fmt.Sprintf(`{"cid": "sim", "host": "127.0.0.1", "port": %d, "username": "gwd", "password": "gwd",
			"submit_throughput": 0, "con_fail_delay": 1, "con_loss_delay": 1, "window": 100, "requeue_delay": 2}`, h.simPort)},
		{"/admin/connectors/sim/start", ``},
		{"/admin/groups", `{"gid": "chaos"}`},
		{"/admin/users", fmt.Sprintf(`{"uid": "%s", "gid": "chaos", "username": "%[1]s", "password": "%s",
			"mt_messaging_cred": {"authorization": {"http_bulk": true}},
			"smpps_cred": {"quota": {"max_bindings": null}}}`, user, password)},
		{"/admin/mtroutes", `{"type": "DefaultRoute", "connector": "smppc(sim)", "rate": 0.0}`},
		{"/admin/httpconnectors", fmt.Sprintf(`{"cid": "moh", "url": "%s/mo", "method": "POST"}`, h.recv.url)},
		{"/admin/filters", `{"type": "DestinationAddrFilter", "fid": "tohttp", "destination_addr": "^` + moToHTTP + `$"}`},
		{"/admin/moroutes", `{"type": "StaticMORoute", "order": 10, "filters": "tohttp", "connector": "http(moh)"}`},
		{"/admin/moroutes", `{"type": "DefaultRoute", "connector": "smpps(` + user + `)"}`},
	} {
		code, body := h.do("POST", fmt.Sprintf("http://127.0.0.1:%d%s", h.adminPort, c.path), adminUser, adminPassword, c.body)
		if code/100 != 2 {
			h.t.Fatalf("admin POST %s: %d %s", c.path, code, body)
		}
	}
	if !waitFor(20*time.Second, func() bool { return h.simBound() >= 1 }) {
		h.t.Fatalf("gwd's connector did not bind to smppsim:\n%s", h.gwd.tail(20))
	}
}

// do makes an HTTP request with Basic credentials (none when u is "")
// and returns the status and body; a transport error is status 0.
func (h *harness) do(method, u, basicUser, basicPW, body string) (int, string) {
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, u, r)
	if err != nil {
		h.t.Fatal(err)
	}
	if basicUser != "" {
		req.SetBasicAuth(basicUser, basicPW)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := h.client.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// simStatsJSON is the part of smppsim's GET /stats the suite reads.
type simStatsJSON struct {
	BoundNow int              `json:"bound_now"`
	Total    map[string]int64 `json:"total"` // submits, submit_ok, throttled, receipts_lost, ...
}

func (h *harness) simStatsNow() simStatsJSON {
	var s simStatsJSON
	code, body := h.do("GET", fmt.Sprintf("http://%s/stats", h.addr(h.simStats)), "", "", "")
	if code == 200 {
		_ = json.NewDecoder(bytes.NewReader([]byte(body))).Decode(&s)
	}
	return s
}

func (h *harness) simBound() int { return h.simStatsNow().BoundNow }

// simControl POSTs to smppsim's control API (/faults, /stall, /mo).
func (h *harness) simControl(path string, form url.Values) {
	h.t.Helper()
	resp, err := h.client.PostForm(fmt.Sprintf("http://%s%s", h.addr(h.simStats), path), form)
	if err != nil {
		h.t.Fatalf("smppsim %s: %v", path, err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		h.t.Fatalf("smppsim %s %v: %d %s", path, form, resp.StatusCode, b)
	}
}
