package junebug

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/gwd-project/gwd/engine/api/admin"
	"github.com/gwd-project/gwd/engine/manage/managetest"
	"github.com/gwd-project/gwd/smsc"
)

// post sends body as JSON with the admin credentials and returns the
// status (0 when the request failed); safe off the test goroutine.
func post(url string, body any) int {
	b, _ := json.Marshal(body)
	req, err := http.NewRequest("POST", url, bytes.NewReader(b))
	if err != nil {
		return 0
	}
	req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(adminUser+":"+adminPass)))
	resp, err := (&http.Client{Timeout: waitLimit}).Do(req)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestChannelChangesShareTheOneWriter: creating a channel is a change of
// the configuration's one writer, as the admin API's (and jCli's) are: it
// waits while another front-end's change is being written, its record and
// connector are stored with one write, and when that write fails the
// channel is undone whole while the other front-end's change stays, live
// and after a restart.
func TestChannelChangesShareTheOneWriter(t *testing.T) {
	e := newEnv(t, smsc.Config{}, nil)
	startAdmin := func() string {
		p := e.g.Parts()
		srv := admin.New(p.Manager, admin.Deps{Admin: p.Admin, SMPP: p.SMPP}, admin.Options{})
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		go func() { _ = srv.Serve(ln) }()
		t.Cleanup(func() { _ = srv.Close() })
		return "http://" + ln.Addr().String()
	}
	adm := startAdmin()
	channel := map[string]any{"type": "smpp", "config": e.simConfig(), "mo_url": e.mos.url() + "/mo"}

	// An admin API change is being written: a channel creation waits.
	entered, release := e.store.HoldNext(nil)
	group := make(chan int, 1)
	go func() { group <- post(adm+"/admin/groups", map[string]any{"gid": "g1"}) }()
	<-entered
	created := make(chan int, 1)
	go func() { created <- post(e.base+"/channels/", channel) }()
	select {
	case st := <-created:
		t.Errorf("a channel was created (%d) while an admin API change was being written", st)
	case <-time.After(300 * time.Millisecond):
	}
	close(release)
	if st := <-group; st != http.StatusCreated {
		t.Fatalf("admin API group: %d", st)
	}
	if st := <-created; st != http.StatusCreated {
		t.Fatalf("channel: %d", st)
	}

	// A channel creation whose write fails while the admin API changes
	// something: the channel goes whole, the admin API's change stays.
	entered, release = e.store.HoldNext(managetest.ErrDiskFull)
	go func() { created <- post(e.base+"/channels/", channel) }()
	<-entered
	go func() { group <- post(adm+"/admin/groups", map[string]any{"gid": "g2"}) }()
	time.Sleep(100 * time.Millisecond)
	close(release)
	if st := <-created; st != http.StatusServiceUnavailable {
		t.Fatalf("channel whose write failed: %d, want 503", st)
	}
	if st := <-group; st != http.StatusCreated {
		t.Fatalf("admin API group: %d", st)
	}
	check := func(when string) {
		t.Helper()
		var ids []string
		e.call("GET", "/channels/", nil).result(&ids)
		if len(ids) != 1 || len(e.g.Connectors()) != 1 {
			t.Errorf("%s: channels %v, connectors %d; want the first channel only", when, ids, len(e.g.Connectors()))
		}
		if objs, _ := e.g.Parts().Store.Objects(kindChannel); len(objs) != 1 {
			t.Errorf("%s: %d channel records stored, want 1", when, len(objs))
		}
		for _, gid := range []string{"g1", "g2"} {
			if _, ok := e.g.Parts().Manager.Accounts().Group(gid); !ok {
				t.Errorf("%s: the admin API's group %s is gone", when, gid)
			}
		}
	}
	check("live")
	e.close()
	e.open()
	check("after a restart")
}
