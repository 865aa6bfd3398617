package junebug

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gwd-project/gwd/smsc"
)

// TestChannelEndToEnd drives the API as a Junebug user would: create an
// smpp channel to smppsim, see it bind (status event), send a message and
// receive its events, receive an MO and reply to it, see the bind drop
// and come back, read the message's events and the channel's logs, and
// delete the channel.
func TestChannelEndToEnd(t *testing.T) {
	e := newEnv(t, smsc.Config{ReceiptDelay: smsc.Duration{Duration: 150 * time.Millisecond}}, nil)

	r := e.call("GET", "/channels/", nil)
	if r.HTTP != 200 || r.Desc != "channels listed" || string(r.Result) != "[]" {
		t.Fatalf("empty list: %d %s", r.HTTP, r.Raw)
	}

	id := e.createChannel(map[string]any{"metadata": map[string]any{"owned_by": "user-5"}, "character_limit": 200})
	if !strings.Contains(e.call("GET", "/channels/", nil).Raw, id) {
		t.Fatal("channel not listed")
	}
	// Bound: a status event says so and the channel's status is ok.
	st := e.statuses.wait(t, "bound status event", func(m map[string]any) bool { return m["type"] == "bound" })
	if st["status"] != "ok" || st["component"] != "smpp" || st["channel_id"] != id || st["message"] == "" {
		t.Fatalf("bound status event: %v", st)
	}
	e.waitBound(id)
	got := e.call("GET", "/channels/"+id, nil)
	var ch channelView
	got.result(&ch)
	if ch.Type != "smpp" || *ch.Label != "test" || string(ch.Metadata) != `{"owned_by":"user-5"}` ||
		*ch.CharacterLimit != 200 || ch.AMQPQueue != nil || ch.Connector != cidOf(id) || got.Desc != "channel status" {
		t.Fatalf("channel: %s", got.Raw)
	}
	if c := ch.Status.Components["smpp"]; c == nil || c.Status != "ok" || c.ChannelID != id {
		t.Fatalf("components: %s", got.Raw)
	}

	// Send: the message reaches smppsim, events reach event_url.
	before := e.sim.Stats().Total.Submits
	msgID := e.send(id, map[string]any{"to": "27820000001", "from": "8110", "content": "Hello world!",
		"event_url": e.events.url() + "/ev/{message_id}?type={event_type}", "priority": 1,
		"channel_data": map[string]any{"continue_session": true}})
	waitUntil(t, "submit at smppsim", func() bool { return e.sim.Stats().Total.Submits > before })
	sub := e.events.wait(t, "submitted event", func(m map[string]any) bool {
		return m["message_id"] == msgID && m["event_type"] == "submitted"
	})
	dlv := e.events.wait(t, "delivery_succeeded event", func(m map[string]any) bool {
		return m["message_id"] == msgID && m["event_type"] == "delivery_succeeded"
	})
	for _, ev := range []map[string]any{sub, dlv} {
		if ev["channel_id"] != id || ev["timestamp"] == nil || ev["event_details"] == nil {
			t.Fatalf("event: %v", ev)
		}
	}
	if sub["timestamp"].(string) > dlv["timestamp"].(string) {
		t.Fatalf("submitted at %v after delivery at %v", sub["timestamp"], dlv["timestamp"])
	}
	e.events.mu.Lock()
	paths := append([]string(nil), e.events.path...)
	e.events.mu.Unlock()
	if !contains(paths, "/ev/"+msgID+"?type=submitted") || !contains(paths, "/ev/"+msgID+"?type=delivery_succeeded") {
		t.Fatalf("event_url templates not expanded: %v", paths)
	}

	// The message's status lists its events.
	ms := e.call("GET", "/channels/"+id+"/messages/"+msgID, nil)
	var status messageStatus
	ms.result(&status)
	if ms.HTTP != 200 || ms.Desc != "message status" || status.ID != msgID || len(status.Events) != 2 ||
		status.Events[0].EventType != "submitted" || *status.LastEventType != "delivery_succeeded" ||
		status.Events[1].ChannelID != id || status.Events[1].MessageID != msgID {
		t.Fatalf("message status: %s", ms.Raw)
	}

	// Rates over the metric window.
	waitUntil(t, "outbound and submitted rates", func() bool {
		s := e.channelStatus(id)
		return s.OutboundMessageRate > 0 && s.SubmittedEventRate > 0 && s.DeliverySucceededRate > 0
	})

	// MO: smppsim → mo_url; then a reply.
	if _, err := e.sim.SendMO(smsc.MO{From: "27820000002", To: "8110", Content: "hi there"}); err != nil {
		t.Fatal(err)
	}
	mo := e.mos.wait(t, "MO at mo_url", func(m map[string]any) bool { return m["content"] == "hi there" })
	if mo["from"] != "27820000002" || mo["to"] != "8110" || mo["channel_id"] != id || mo["message_id"] == "" ||
		mo["timestamp"] == nil || mo["reply_to"] != nil {
		t.Fatalf("MO: %v", mo)
	}
	e.mos.mu.Lock()
	moPath := e.mos.path[0]
	e.mos.mu.Unlock()
	if moPath != "/mo/"+id {
		t.Fatalf("mo_url template: %s", moPath)
	}
	waitUntil(t, "inbound rate", func() bool { return e.channelStatus(id).InboundMessageRate > 0 })
	before = e.sim.Stats().Total.Submits
	rr := e.call("POST", "/channels/"+id+"/messages/", map[string]any{"reply_to": mo["message_id"], "content": "hello again"})
	var rv messageView
	rr.result(&rv)
	if rr.HTTP != http.StatusCreated || rv.To != "27820000002" || rv.From == nil || *rv.From != "8110" ||
		rv.ReplyTo == nil || *rv.ReplyTo != mo["message_id"] {
		t.Fatalf("reply: %d %s", rr.HTTP, rr.Raw)
	}
	waitUntil(t, "reply at smppsim", func() bool { return e.sim.Stats().Total.Submits > before })

	// smppsim drops the bind: down, then ok again once reconnected.
	n := len(e.statuses.all())
	if e.sim.Drop("") == 0 {
		t.Fatal("nothing to drop")
	}
	waitUntil(t, "connection_lost then bound again", func() bool {
		all := e.statuses.all()[n:]
		lost := -1
		for i, m := range all {
			if m["type"] == "connection_lost" && m["status"] == "down" && lost < 0 {
				lost = i
			}
			if lost >= 0 && i > lost && m["type"] == "bound" && m["status"] == "ok" {
				return true
			}
		}
		return false
	})

	// Logs of the channel's connector, newest first, at most n.
	lg := e.call("GET", "/channels/"+id+"/logs?n=3", nil)
	var logs []logView
	lg.result(&logs)
	if lg.HTTP != 200 || lg.Desc != "logs retrieved" || len(logs) == 0 || len(logs) > 3 || logs[0].Logger != id ||
		logs[0].Timestamp < float64(time.Now().Add(-time.Minute).Unix()) || logs[0].Level == 0 {
		t.Fatalf("logs: %s", lg.Raw)
	}
	if lg := e.call("GET", "/channels/"+id+"/logs?n=1000", nil); strings.Count(lg.Raw, `"logger"`) > 5 {
		t.Fatalf("logs beyond max_logs: %s", lg.Raw)
	}

	// Delete: gone from the API, the gateway and the store.
	d := e.call("DELETE", "/channels/"+id, nil)
	if d.HTTP != 200 || d.Desc != "channel deleted" {
		t.Fatalf("delete: %d %s", d.HTTP, d.Raw)
	}
	if r := e.call("GET", "/channels/"+id, nil); r.HTTP != 404 || r.errType() != errChannelNotFound {
		t.Fatalf("get deleted: %d %s", r.HTTP, r.Raw)
	}
	if e.g.Connector(cidOf(id)) != nil {
		t.Fatal("connector still there")
	}
	if objs, err := e.g.Parts().Store.Objects(kindChannel); err != nil || len(objs) != 0 {
		t.Fatalf("stored channels after delete: %v %v", objs, err)
	}
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// TestLongMessages: a long MT goes out in parts with one submitted event
// for the message; a long MO reaches mo_url whole.
func TestLongMessages(t *testing.T) {
	e := newEnv(t, smsc.Config{ReceiptDelay: smsc.Duration{Duration: 50 * time.Millisecond}}, nil)
	id := e.createChannel(nil)
	e.waitBound(id)
	long := strings.Repeat("0123456789", 35) // 350 GSM characters: 3 parts
	before := e.sim.Stats().Total.Submits
	msgID := e.send(id, map[string]any{"to": "27820000001", "content": long, "event_url": e.events.url()})
	waitUntil(t, "3 parts at smppsim", func() bool { return e.sim.Stats().Total.Submits-before == 3 })
	e.events.wait(t, "delivery_succeeded", func(m map[string]any) bool {
		return m["message_id"] == msgID && m["event_type"] == "delivery_succeeded"
	})
	time.Sleep(200 * time.Millisecond) // room for duplicates to show
	subs := 0
	for _, m := range e.events.all() {
		if m["message_id"] == msgID && m["event_type"] == "submitted" {
			subs++
		}
	}
	if subs != 1 {
		t.Fatalf("%d submitted events for one long message", subs)
	}

	text := strings.Repeat("A long inbound message. ", 20)
	parts, err := e.sim.SendMO(smsc.MO{From: "27820000003", To: "8110", Content: text})
	if err != nil || parts < 2 {
		t.Fatalf("SendMO: %d parts, %v", parts, err)
	}
	mo := e.mos.wait(t, "whole MO", func(m map[string]any) bool { return m["from"] == "27820000003" })
	if mo["content"] != text {
		t.Fatalf("MO content %q", mo["content"])
	}
	time.Sleep(100 * time.Millisecond)
	if n := len(e.mos.all()); n != 1 {
		t.Fatalf("%d MO posts for one long message", n)
	}
}

// TestCallbackRetry: an event_url that fails at first gets the event once
// it answers 2xx.
func TestCallbackRetry(t *testing.T) {
	e := newEnv(t, smsc.Config{}, nil)
	id := e.createChannel(nil)
	e.waitBound(id)
	e.mos.mu.Lock()
	e.mos.fail = 3
	e.mos.mu.Unlock()
	if _, err := e.sim.SendMO(smsc.MO{From: "27820000004", To: "8110", Content: "retry me"}); err != nil {
		t.Fatal(err)
	}
	e.mos.wait(t, "MO after retries", func(m map[string]any) bool { return m["content"] == "retry me" })
	e.mos.mu.Lock()
	hits := e.mos.hits
	e.mos.mu.Unlock()
	if hits != 4 {
		t.Fatalf("mo_url hit %d times, want 3 failures and 1 success", hits)
	}
}

// TestPriorityAndCancel: messages wait in the channel's queue while the
// SMSC is unreachable, at the SMPP priority their Junebug priority maps
// to; cancel drops them all.
func TestPriorityAndCancel(t *testing.T) {
	e := newEnv(t, smsc.Config{}, nil)
	cfg := e.simConfig()
	cfg["port"] = 1 // nothing listens: binds fail, messages stay queued
	id := e.createChannel(map[string]any{"config": cfg})
	for _, p := range []any{"bulk", 1, 2, 3, 4, 5, "realtime"} {
		e.send(id, map[string]any{"to": "27820000001", "content": "queued", "priority": p})
	}
	st := e.g.Connector(cidOf(id)).Queue().Stats()
	if st.Ready != [4]int{2, 1, 1, 3} {
		t.Fatalf("queue priorities %v, want bulk/1 → 0, 2 → 1, 3 → 2, 4/5/realtime → 3", st.Ready)
	}
	if q := e.channelStatus(id).QueueLength; q != 7 {
		t.Fatalf("queue_length %d, want 7", q)
	}
	if s := e.channelStatus(id); s.Status != statusDown {
		t.Fatalf("status of an unbound channel: %+v", s)
	}
	r := e.call("POST", "/channels/"+id+"/cancel", nil)
	var res map[string]int
	r.result(&res)
	if r.HTTP != 200 || res["cancelled"] != 7 || res["queue_length"] != 0 {
		t.Fatalf("cancel: %d %s", r.HTTP, r.Raw)
	}
	if q := e.channelStatus(id).QueueLength; q != 0 {
		t.Fatalf("queue_length after cancel %d", q)
	}
	// Pointing the channel at the simulator sends nothing: the queue is
	// empty.
	before := e.sim.Stats().Total.Submits
	up := e.call("POST", "/channels/"+id, map[string]any{"config": e.simConfig()})
	if up.HTTP != 200 || up.Desc != "channel updated" {
		t.Fatalf("update: %d %s", up.HTTP, up.Raw)
	}
	e.waitBound(id)
	time.Sleep(100 * time.Millisecond)
	if n := e.sim.Stats().Total.Submits - before; n != 0 {
		t.Fatalf("%d cancelled messages reached the SMSC", n)
	}
}

// TestThrottledStatus: an SMSC answering ESME_RTHROTTLED makes the smpp
// component degraded, and ok again when it stops.
func TestThrottledStatus(t *testing.T) {
	e := newEnv(t, smsc.Config{Throttle: 1}, nil)
	id := e.createChannel(nil)
	e.waitBound(id)
	for range 4 {
		e.send(id, map[string]any{"to": "27820000001", "content": "fast"})
	}
	e.statuses.wait(t, "throttled", func(m map[string]any) bool {
		return m["type"] == "throttled" && m["status"] == "degraded"
	})
	e.statuses.wait(t, "throttled_end", func(m map[string]any) bool {
		return m["type"] == "throttled_end" && m["status"] == "ok"
	})
	waitUntil(t, "all sent", func() bool { return e.channelStatus(id).QueueLength == 0 })
}
