package junebug

import (
	"testing"
	"time"

	"github.com/gwd-project/gwd/smsc"
)

// TestRestart: gwd closes and opens again on the same store. The channel
// comes back as it was and binds; a receipt for a message sent before the
// restart still reaches the message's event_url (its record is read from
// the store); an inbound message received before it can still be replied
// to.
func TestRestart(t *testing.T) {
	e := newEnv(t, smsc.Config{ReceiptDelay: smsc.Duration{Duration: 1500 * time.Millisecond}}, nil)
	id := e.createChannel(map[string]any{"label": "persisted", "metadata": map[string]any{"k": "v"},
		"rate_limit_count": 100, "rate_limit_window": 10, "character_limit": 70,
		"config": map[string]any{"twisted_endpoint": "tcp:" + e.sim.Addr().String(), "system_id": "jb",
			"con_loss_delay": 1, "con_fail_delay": 1}})
	e.waitBound(id)
	var before channelView
	e.call("GET", "/channels/"+id, nil).result(&before)
	if got := e.g.Connector(cidOf(id)).Config(); got.SubmitThroughput != 10 || got.Username != "jb" {
		t.Fatalf("connector from config: submit_throughput %v, username %q", got.SubmitThroughput, got.Username)
	}

	if _, err := e.sim.SendMO(smsc.MO{From: "27820000005", To: "8110", Content: "before"}); err != nil {
		t.Fatal(err)
	}
	mo := e.mos.wait(t, "MO", func(m map[string]any) bool { return m["content"] == "before" })
	msgID := e.send(id, map[string]any{"to": "27820000001", "content": "across a restart", "event_url": e.events.url()})
	e.events.wait(t, "submitted", func(m map[string]any) bool {
		return m["message_id"] == msgID && m["event_type"] == "submitted"
	})

	e.close()
	e.open()

	var after channelView
	r := e.call("GET", "/channels/"+id, nil)
	r.result(&after)
	if r.HTTP != 200 || *after.Label != "persisted" || string(after.Config) != string(before.Config) ||
		string(after.Metadata) != `{"k":"v"}` || *after.RateLimitCount != 100 || *after.CharacterLimit != 70 ||
		*after.MOURL != *before.MOURL || *after.StatusURL != *before.StatusURL {
		t.Fatalf("channel after restart: %s", r.Raw)
	}
	e.waitBound(id)
	// The receipt the simulator held for the dropped bind arrives now.
	e.events.wait(t, "delivery_succeeded after the restart", func(m map[string]any) bool {
		return m["message_id"] == msgID && m["event_type"] == "delivery_succeeded" && m["channel_id"] == id
	})
	rr := e.call("POST", "/channels/"+id+"/messages/", map[string]any{"reply_to": mo["message_id"], "content": "after"})
	if rr.HTTP != 201 {
		t.Fatalf("reply after restart: %d %s", rr.HTTP, rr.Raw)
	}
	ms := e.call("GET", "/channels/"+id+"/messages/"+msgID, nil)
	var st messageStatus
	ms.result(&st)
	if ms.HTTP != 200 || st.LastEventType == nil || *st.LastEventType != "delivery_succeeded" {
		t.Fatalf("message status after restart: %s", ms.Raw)
	}

	// Restart endpoint: the connector unbinds and binds again.
	n := len(e.statuses.all())
	if r := e.call("POST", "/channels/"+id+"/restart", nil); r.HTTP != 200 || r.Desc != "channel restarted" {
		t.Fatalf("restart: %d %s", r.HTTP, r.Raw)
	}
	e.statuses.wait(t, "bound after restart", func(m map[string]any) bool {
		all := e.statuses.all()
		for _, x := range all[n:] {
			if x["type"] == "bound" {
				return true
			}
		}
		return false
	})
}
