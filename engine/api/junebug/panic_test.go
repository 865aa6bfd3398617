package junebug

import (
	"net/http"
	"testing"

	"github.com/gwd-project/gwd/engine/recovery"
	"github.com/gwd-project/gwd/smsc"
)

// TestHandlerPanicAnswers500: a request that panics (the test breaks the
// channel map: a nil channel under an id) is answered 500 in Junebug's
// envelope and its connection closed; the API goes on serving, and
// gwd_panics_total{where="junebug"} counts it.
func TestHandlerPanicAnswers500(t *testing.T) {
	e := newEnv(t, smsc.Config{}, nil)
	e.s.setMaps(func(m *chanMaps) { m.byID["broken"] = &channel{id: "broken", cid: "no-such-connector"} }) // no record: serving it panics
	before := recovery.Counter("junebug").Get()
	r := e.call("GET", "/channels/broken", nil)
	if r.HTTP != http.StatusInternalServerError || r.Status != 500 || r.Code != "Internal Server Error" {
		t.Errorf("panicking request: %d %+v", r.HTTP, r)
	}
	if n := recovery.Counter("junebug").Get() - before; n != 1 {
		t.Errorf("gwd_panics_total{where=junebug} +%d, want 1", n)
	}
	if r := e.call("GET", "/channels/", nil); r.HTTP != http.StatusOK {
		t.Errorf("after the panic: %d %+v", r.HTTP, r)
	}
}
