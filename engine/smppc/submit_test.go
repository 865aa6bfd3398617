package smppc

import (
	"testing"

	"github.com/gwd-project/gwd/smpp"
)

// TestApplyDefaults: what the sender left unset takes the link's
// settings, what it set stays, and none of it allocates per message.
func TestApplyDefaults(t *testing.T) {
	cfg := DefaultConfig("c1")
	cfg.SrcAddr, cfg.SrcTON, cfg.SrcNPI = "ACME", 5, 0
	cfg.Validity = 3600 + 2
	cfg.ProtoID = 7
	c := &Connector{}
	c.setConfig(&cfg)

	var p smpp.PDU
	c.applyDefaults(&p)
	if string(p.Source.Addr) != "ACME" || p.Source.TON != 5 || string(p.ValidityPeriod) != "000000010002000R" || p.ProtocolID != 7 {
		t.Fatalf("unset fields: %+v", p)
	}
	q := smpp.PDU{ValidityPeriod: []byte("000001000000000R"), ProtocolID: 1}
	q.Source = smpp.Address{TON: 1, Addr: []byte("336")}
	c.applyDefaults(&q)
	if string(q.Source.Addr) != "336" || q.Source.TON != 1 || string(q.ValidityPeriod) != "000001000000000R" || q.ProtocolID != 1 {
		t.Fatalf("set fields changed: %+v", q)
	}
	if n := testing.AllocsPerRun(100, func() {
		var p smpp.PDU
		c.applyDefaults(&p)
	}); n != 0 {
		t.Fatalf("%v allocations per message", n)
	}

	cfg.SrcAddr, cfg.Validity = "", -1
	c.setConfig(&cfg)
	var r smpp.PDU
	c.applyDefaults(&r)
	if r.Source.Addr != nil || r.ValidityPeriod != nil {
		t.Fatalf("defaults of an older configuration: %+v", r)
	}
}
