package jcli

import (
	"bytes"
	"encoding/json"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/gwd-project/gwd/engine/api/admin"
	"github.com/gwd-project/gwd/engine/manage/managetest"
)

// adminAPI serves the admin API on e's gateway; it answers requests with
// the default admin credentials.
type adminAPI struct {
	t    *testing.T
	base string
}

func startAdmin(t *testing.T, e *env) *adminAPI {
	t.Helper()
	p := e.g.Parts()
	srv := admin.New(p.Manager, admin.Deps{Admin: p.Admin, SMPP: p.SMPP}, admin.Options{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return &adminAPI{t: t, base: "http://" + ln.Addr().String()}
}

// call makes a request and returns its status and body; it must not
// call t.Fatal (it runs on other goroutines too).
func (a *adminAPI) call(method, path string, body any) (int, string, error) {
	var rd *bytes.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	} else {
		rd = bytes.NewReader(nil)
	}
	req, err := http.NewRequest(method, a.base+path, rd)
	if err != nil {
		return 0, "", err
	}
	req.SetBasicAuth("jcliadmin", "jclipwd")
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	_, _ = b.ReadFrom(resp.Body)
	return resp.StatusCode, b.String(), nil
}

// TestRollbackKeepsConcurrentAdminChange: a jCli change whose write
// fails is undone while an admin API change is made in between; the
// admin API's change stays, live and after a restart, and the jCli change
// is gone from both. (Before the one writer, jCli restored a snapshot of
// everything taken before its change: the admin API's group vanished from
// the live configuration, and jCli's refused group came back at the next
// restart, saved by the admin API's write.)
func TestRollbackKeepsConcurrentAdminChange(t *testing.T) {
	e := newEnv(t)
	api := startAdmin(t, e)
	c := e.login()
	c.ok("Successfully added Group [g1]", "group -a", "gid g1", "ok")

	entered, release := e.store.HoldNext(managetest.ErrDiskFull)
	c.cmd("group -a")
	c.cmd("gid g2")
	c.send("ok")
	<-entered
	type answer struct {
		status int
		body   string
		err    error
	}
	done := make(chan answer, 1)
	go func() {
		st, body, err := api.call("POST", "/admin/groups", map[string]any{"gid": "g3"})
		done <- answer{st, body, err}
	}()
	// The admin API's change waits for jCli's to finish, one way or the
	// other: it is not answered while jCli's write is held.
	var got answer
	select {
	case got = <-done:
		t.Errorf("the admin API changed the configuration while a jCli change was being written: %d %s", got.status, got.body)
	case <-time.After(300 * time.Millisecond):
	}
	close(release)
	if out := c.readUntilPrompt(); out != "Error: could not save the configuration, nothing changed: disk full\n" {
		t.Fatalf("jCli's refused change: %q", out)
	}
	if c.prompt == promptSession {
		c.cmd("ko")
	}
	if got.status == 0 {
		got = <-done
	}
	if got.err != nil || got.status != http.StatusCreated {
		t.Fatalf("admin API change: %d %s %v", got.status, got.body, got.err)
	}

	want := "#Group id\n#g1\n#g3\nTotal Groups: 2\n"
	if out := c.cmd("group -l"); out != want {
		t.Errorf("live groups after the rollback:\n%s\nwant:\n%s", out, want)
	}
	if st, body, _ := api.call("GET", "/admin/groups/g3", nil); st != http.StatusOK {
		t.Errorf("admin API's group after jCli's rollback: %d %s", st, body)
	}

	e.reopen()
	api = startAdmin(t, e)
	if out := e.login().cmd("group -l"); out != want {
		t.Errorf("groups after a restart:\n%s\nwant:\n%s", out, want)
	}
	for gid, status := range map[string]int{"g3": http.StatusOK, "g2": http.StatusNotFound} {
		if st, body, _ := api.call("GET", "/admin/groups/"+gid, nil); st != status {
			t.Errorf("GET /admin/groups/%s after a restart: %d %s, want %d", gid, st, body, status)
		}
	}
}

// TestAdminRollbackKeepsConcurrentJCliChange: the other way round, with
// users: an admin API update refused by the ledger after its other lines
// applied is undone, and a jCli change to another user made meanwhile
// stays, live and after a restart.
func TestAdminRollbackKeepsConcurrentJCliChange(t *testing.T) {
	e := newEnv(t)
	api := startAdmin(t, e)
	c := e.login()
	c.ok("Successfully added Group [g1]", "group -a", "gid g1", "ok")
	c.ok("Successfully added User [u1] to Group [g1]", "user -a", "uid u1", "gid g1", "username user1", "password pw",
		"mt_messaging_cred quota balance 10", "ok")
	c.ok("Successfully added User [u2] to Group [g1]", "user -a", "uid u2", "gid g1", "username user2", "password pw", "ok")

	// jCli's change to u2 is held in its write while the admin API's
	// change to u1 waits; the admin change's valuefilter applies, then
	// its balance -20 is refused by the ledger (10 - 20 < 0).
	entered, release := e.store.HoldNext(nil)
	c.cmd("user -u u2")
	c.cmd("mt_messaging_cred valuefilter dst_addr ^44")
	c.send("ok")
	<-entered
	done := make(chan int, 1)
	go func() {
		st, _, _ := api.call("PATCH", "/admin/users/u1", map[string]any{"mt_messaging_cred": map[string]any{
			"valuefilter": map[string]any{"dst_addr": "^33"}, "quota": map[string]any{"balance": "-20"}}})
		done <- st
	}()
	time.Sleep(100 * time.Millisecond)
	close(release)
	if out := c.readUntilPrompt(); out != "Successfully updated User [u2]\n" {
		t.Fatalf("jCli's change: %q", out)
	}
	if st := <-done; st != http.StatusBadRequest {
		t.Fatalf("admin API's refused change answered %d", st)
	}
	check := func(c *client) {
		t.Helper()
		if out := c.cmd("user -s u2"); !bytes.Contains([]byte(out), []byte("mt_messaging_cred valuefilter dst_addr ^44\n")) {
			t.Errorf("jCli's change to u2 lost:\n%s", out)
		}
		if out := c.cmd("user -s u1"); !bytes.Contains([]byte(out), []byte("mt_messaging_cred valuefilter dst_addr .*\n")) ||
			!bytes.Contains([]byte(out), []byte("mt_messaging_cred quota balance 10")) {
			t.Errorf("the admin API's refused change to u1 stayed:\n%s", out)
		}
	}
	check(c)
	e.reopen()
	check(e.login())
}
