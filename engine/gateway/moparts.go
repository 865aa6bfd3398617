package gateway

import (
	"strings"
	"time"

	"github.com/gwd-project/gwd/engine/moparts"
	"github.com/gwd-project/gwd/smpp"
)

// Long MO for HTTP connectors goes through a durable assembler (package
// moparts, queue "mo/parts"): each part is stored before the SMSC gets its
// deliver_sm_resp, and the whole message is thrown to the connector once
// every part is in (or inbound_message_ttl has passed).

func (g *Gateway) startAssembler() error {
	a, err := moparts.Open(g.db, "mo/parts", g.cfg.Store.InboundMessageTTL(), g.deliverAssembled, g.log, nil)
	if err != nil {
		return err
	}
	g.moAsm = a
	return nil
}

func (g *Gateway) stopAssembler() {
	if g.moAsm != nil {
		g.moAsm.Close()
	}
}

// queuePart stores one part for the assembler; the tag says where the
// whole message goes.
func (g *Gateway) queuePart(cid, target string, p *smpp.PDU, done func(error)) {
	g.moAsm.Add(cid+"\x00"+target, p, done)
}

// deliverAssembled throws a whole message to its HTTP connector.
func (g *Gateway) deliverAssembled(tag string, p *smpp.PDU, _ []byte, _ time.Time, done func(error)) {
	cid, target, _ := strings.Cut(tag, "\x00")
	_, id := splitTarget(target)
	h, ok := g.HTTPConnector(id)
	if !ok {
		g.log.Warn("MO for a removed HTTP connector dropped", "target", target)
		done(nil)
		return
	}
	g.throw(g.moCallback(h, cid, p), done)
}

func splitTarget(t string) (string, string) {
	if i := strings.IndexByte(t, '('); i >= 0 && strings.HasSuffix(t, ")") {
		return t[:i], t[i+1 : len(t)-1]
	}
	return "", t
}
